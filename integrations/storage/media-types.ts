/**
 * The file types clients and staff may upload, and how the platform recognises them from their first
 * bytes ("magic numbers"), whatever name or type the browser declared. Text formats have no magic
 * number: they are recognised by being valid UTF-8 without binary control bytes, and CSV additionally
 * by a consistent delimiter count across its first lines.
 */

export const uploadMediaTypes = [
  'application/pdf',
  'image/png',
  'image/jpeg',
  'image/tiff',
  'image/heic',
  'image/heif',
  'text/csv',
  'text/plain',
] as const;
export type TUploadMediaType = (typeof uploadMediaTypes)[number];

export function isUploadMediaType(value: string): value is TUploadMediaType {
  return (uploadMediaTypes as readonly string[]).includes(value);
}

/** How people name each type (for messages such as "The file is a PNG image, not a PDF."). */
export const mediaTypeLabels: Record<TUploadMediaType, string> = {
  'application/pdf': 'a PDF',
  'image/png': 'a PNG image',
  'image/jpeg': 'a JPEG image',
  'image/tiff': 'a TIFF image',
  'image/heic': 'a HEIC photo',
  'image/heif': 'a HEIF photo',
  'text/csv': 'a CSV spreadsheet',
  'text/plain': 'a text file',
};

/** File name extensions of each type, for browsers that declare no type or a vendor alias. */
export const mediaTypeExtensions: Record<TUploadMediaType, readonly string[]> = {
  'application/pdf': ['pdf'],
  'image/png': ['png'],
  'image/jpeg': ['jpg', 'jpeg'],
  'image/tiff': ['tif', 'tiff'],
  'image/heic': ['heic'],
  'image/heif': ['heif'],
  'text/csv': ['csv'],
  'text/plain': ['txt'],
};

/** The largest upload the platform takes unless a caller sets a smaller limit. */
export const maxUploadBytes = 25 * 1024 * 1024;

/** Bytes `sniffMediaType` looks at: enough for every signature and a few lines of a CSV. */
export const sniffBytes = 8192;

/**
 * The media type the content is, from its first bytes (up to `sniffBytes`), or null when it is none of
 * the upload types. `complete` says whether `head` is the whole file (so a text sample that ends in
 * the middle of a UTF-8 character or a line is not held against it).
 */
export function sniffMediaType(head: Uint8Array, complete: boolean): TUploadMediaType | null {
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (startsWith(head, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (
    startsWith(head, [0x49, 0x49, 0x2a, 0x00]) ||
    startsWith(head, [0x4d, 0x4d, 0x00, 0x2a]) ||
    startsWith(head, [0x49, 0x49, 0x2b, 0x00]) ||
    startsWith(head, [0x4d, 0x4d, 0x00, 0x2b])
  ) {
    return 'image/tiff';
  }
  const heif = heifFamily(head);
  if (heif) return heif;
  if (isPdf(head)) return 'application/pdf';
  return sniffText(head, complete);
}

/**
 * Whether content sniffed as `sniffed` may be stored as the `declared` type. Equal types match; so do
 * HEIC and HEIF (one container, browsers name it either way), and plain text declared for a CSV.
 */
export function sniffedMatchesDeclared(sniffed: TUploadMediaType, declared: TUploadMediaType): boolean {
  if (sniffed === declared) return true;
  const heif = new Set<TUploadMediaType>(['image/heic', 'image/heif']);
  if (heif.has(sniffed) && heif.has(declared)) return true;
  return declared === 'text/plain' && sniffed === 'text/csv';
}

function startsWith(bytes: Uint8Array, signature: number[], offset = 0): boolean {
  if (bytes.length < offset + signature.length) return false;
  return signature.every((byte, index) => bytes[offset + index] === byte);
}

function ascii(bytes: Uint8Array, start: number, end: number): string {
  return String.fromCharCode(...bytes.subarray(start, end));
}

/** PDF readers accept the `%PDF-` header anywhere in the first 1024 bytes (ISO 32000 implementation note). */
function isPdf(head: Uint8Array): boolean {
  const window = head.subarray(0, 1024);
  for (let i = 0; i + 5 <= window.length; i += 1) {
    if (startsWith(window, [0x25, 0x50, 0x44, 0x46, 0x2d], i)) return true;
  }
  return false;
}

const heicBrands = new Set(['heic', 'heix', 'heim', 'heis', 'hevc', 'hevx', 'hevm', 'hevs']);
const heifBrands = new Set(['mif1', 'msf1']);

/** An ISO base media file whose `ftyp` box names a HEIF brand (HEIC when the image is HEVC-coded). */
function heifFamily(head: Uint8Array): TUploadMediaType | null {
  if (head.length < 16 || ascii(head, 4, 8) !== 'ftyp') return null;
  const boxSize = ((head[0]! << 24) | (head[1]! << 16) | (head[2]! << 8) | head[3]!) >>> 0;
  const end = Math.min(head.length, Math.max(16, boxSize));
  const brands = [ascii(head, 8, 12)];
  for (let offset = 16; offset + 4 <= end; offset += 4) brands.push(ascii(head, offset, offset + 4));
  if (brands.some((brand) => heicBrands.has(brand))) return 'image/heic';
  // `mif1` alone is also how AVIF files start: only call it HEIF when no AVIF brand is present.
  if (brands.some((brand) => heifBrands.has(brand)) && !brands.some((b) => b === 'avif' || b === 'avis')) {
    return 'image/heif';
  }
  return null;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function sniffText(head: Uint8Array, complete: boolean): TUploadMediaType | null {
  if (head.length === 0) return null;
  let sample = head;
  // A UTF-8 byte-order mark is fine; other encodings' marks (UTF-16) are not text we take.
  if (startsWith(sample, [0xef, 0xbb, 0xbf])) sample = sample.subarray(3);
  if (!complete) sample = sample.subarray(0, completeUtf8Length(sample));
  let text: string;
  try {
    text = utf8.decode(sample);
  } catch {
    return null;
  }
  let control = 0;
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (code === 0) return null;
    const allowed = code === 0x09 || code === 0x0a || code === 0x0c || code === 0x0d;
    if ((code < 0x20 && !allowed) || code === 0x7f) control += 1;
  }
  if (control > Math.max(2, text.length / 100)) return null;
  return looksLikeCsv(text, complete) ? 'text/csv' : 'text/plain';
}

/** The length of the longest prefix that does not end inside a multi-byte UTF-8 character. */
function completeUtf8Length(bytes: Uint8Array): number {
  let end = bytes.length;
  // Step back over continuation bytes (10xxxxxx) to the lead byte of the last character.
  let back = 0;
  while (back < 3 && end - back - 1 >= 0 && (bytes[end - back - 1]! & 0xc0) === 0x80) back += 1;
  const leadIndex = end - back - 1;
  if (leadIndex < 0) return end;
  const lead = bytes[leadIndex]!;
  const needed = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  if (needed > back + 1) end = leadIndex;
  return end;
}

/**
 * A CSV: its records (lines, except line breaks inside double quotes) split into the same number (two
 * or more) of fields on one of `,` `;` or tab, counting only delimiters outside double quotes.
 */
function looksLikeCsv(text: string, complete: boolean): boolean {
  return [',', ';', '\t'].some((delimiter) => {
    const counts = recordFieldCounts(text, delimiter, complete).slice(0, 50);
    return counts.length > 0 && counts[0]! >= 2 && counts.every((count) => count === counts[0]);
  });
}

/** Fields per record; a sample's last record is left out when it may be cut short. */
function recordFieldCounts(text: string, delimiter: string, complete: boolean): number[] {
  const counts: number[] = [];
  let fields = 1;
  let quoted = false;
  let blank = true;
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i]!;
    if (char === '"') quoted = !quoted;
    else if (!quoted && char === delimiter) fields += 1;
    else if (!quoted && (char === '\n' || char === '\r')) {
      if (char === '\r' && text[i + 1] === '\n') i += 1;
      if (!blank) counts.push(fields);
      fields = 1;
      blank = true;
      continue;
    }
    if (char.trim() !== '') blank = false;
  }
  if (complete && !blank && !quoted) counts.push(fields);
  return counts;
}

/** Types browsers report for upload types under other names. */
const browserTypeAliases: Record<string, TUploadMediaType> = {
  'image/jpg': 'image/jpeg',
  'image/pjpeg': 'image/jpeg',
  'image/x-png': 'image/png',
  'image/x-tiff': 'image/tiff',
  'image/heic-sequence': 'image/heic',
  'image/heif-sequence': 'image/heif',
  'application/x-pdf': 'application/pdf',
  'application/csv': 'text/csv',
  'text/comma-separated-values': 'text/csv',
};

/**
 * The upload type to declare for a file the browser picked: its reported type when that is one of
 * ours (or an alias of one), else the one its extension names. Windows reports CSV files as
 * `application/vnd.ms-excel` when Excel is installed, and some browsers report no type for HEIC
 * photos: the extension decides those. Null when it is none of the upload types.
 */
export function declaredMediaType(fileName: string, browserType: string): TUploadMediaType | null {
  const reported = browserType.trim().toLowerCase().split(';')[0]!.trim();
  const extension = fileName.toLowerCase().match(/\.([a-z0-9]+)$/)?.[1] ?? '';
  const byExtension = uploadMediaTypes.find((type) => mediaTypeExtensions[type].includes(extension)) ?? null;
  if (isUploadMediaType(reported)) {
    // A .csv reported as text/plain is a CSV; otherwise the browser's type stands.
    return reported === 'text/plain' && byExtension === 'text/csv' ? 'text/csv' : reported;
  }
  return browserTypeAliases[reported] ?? byExtension;
}

/** What the file picker offers: the upload types and their extensions. */
export const uploadAcceptAttribute = [
  ...uploadMediaTypes,
  ...uploadMediaTypes.flatMap((type) => mediaTypeExtensions[type].map((extension) => `.${extension}`)),
].join(',');
