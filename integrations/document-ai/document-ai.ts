import { z } from 'zod';

/**
 * The document AI port: reads an uploaded document and returns typed fields with confidence, page and
 * position. Production uses Azure AI Document Intelligence (azure-document-ai.ts); development and
 * offline firms use the PDF text layer and OCR (local-document-ai.ts). Both return the same field
 * names (field-catalog.ts), so review rules and later steps do not care which reader ran.
 */

/**
 * What a document is. The names are those of the platform's document checklist
 * (`document_request.category`, `document.category`), so a checklist item's category is passed as is.
 */
export const documentCategories = [
  'w2',
  '1099-int',
  '1099-div',
  '1099-misc',
  '1099-nec',
  '1099-b',
  '1099-r',
  '1098',
  '1098-e',
  '1098-t',
  'bank-statement',
  'credit-card-statement',
  'invoice',
  'receipts',
  'payroll-summary',
  'prior-year-return',
  'engagement-letter',
  'id-document',
  'unknown-tax-form',
  'other',
] as const;
export const ZDocumentCategory = z.enum(documentCategories);
export type TDocumentCategory = z.infer<typeof ZDocumentCategory>;

/** Reads a stored category string; anything the port does not know is `other`. */
export function toDocumentCategory(value: string): TDocumentCategory {
  const parsed = ZDocumentCategory.safeParse(value);
  return parsed.success ? parsed.data : 'other';
}

export const extractionFieldTypes = [
  'string',
  'number',
  'currency',
  'date',
  'time',
  'boolean',
  'address',
  'phone',
  'country',
  /** An identifier reduced to its last four digits (SSN, TIN, account number): never the full value. */
  'masked-id',
] as const;
export const ZExtractionFieldType = z.enum(extractionFieldTypes);
export type TExtractionFieldType = z.infer<typeof ZExtractionFieldType>;

/** One field read from a document. */
export const ZExtractionField = z.object({
  /** Numbers and currency amounts are numbers; dates are `YYYY-MM-DD`; booleans `true`/`false`. */
  value: z.union([z.string(), z.number(), z.null()]),
  type: ZExtractionFieldType,
  /** How sure the reader is, 0 to 1. */
  confidence: z.number().min(0).max(1),
  /** What a person calls the field, e.g. "Box 1: Wages, tips, other compensation". */
  label: z.string().optional(),
  /** 1-based page the value was read on. */
  page: z.number().int().positive().optional(),
  /**
   * Polygon around the value (x1, y1, x2, y2, ...), from the top-left of the page: inches for PDFs,
   * pixels for images (as Document Intelligence reports them).
   */
  boundingRegion: z.array(z.number()).optional(),
  /** ISO 4217 code of a currency amount, when the reader knows it. */
  currencyCode: z.string().length(3).optional(),
});
export type TExtractionField = z.infer<typeof ZExtractionField>;

export const documentAiProviders = ['azure', 'local'] as const;
export type TDocumentAiProvider = (typeof documentAiProviders)[number];

/** What a reader made of a document. */
export const ZExtraction = z.object({
  provider: z.enum(documentAiProviders),
  /** The model that read it: a Document Intelligence model ID, or `local/pdf-text`, `local/ocr`. */
  modelId: z.string().min(1),
  /** What the reader found the document to be (may differ from what was asked for). */
  category: ZDocumentCategory,
  pages: z.number().int().nonnegative(),
  fields: z.record(z.string(), ZExtractionField),
  /** How sure the reader is about the document as a whole, 0 to 1. */
  confidence: z.number().min(0).max(1),
  /** Plain sentences a reviewer should read (never values of sensitive fields). */
  warnings: z.array(z.string()),
});
export type TExtraction = z.infer<typeof ZExtraction>;

/** The file: its bytes, or a function that streams them (called again for each attempt). */
export type TDocumentContent = Uint8Array | (() => AsyncIterable<Uint8Array>);

export interface TAnalyzeInput {
  content: TDocumentContent;
  /** The file's media type, e.g. `application/pdf`, `image/png`. */
  contentType: string;
  /** What the document is expected to be; chooses the model. */
  category: TDocumentCategory;
  /** Called while work is progressing (uploading, polling, recognising), e.g. to heartbeat. */
  onProgress?: () => void;
  /** Aborts the analysis (the activity was cancelled). */
  signal?: AbortSignal;
}

export interface DocumentAi {
  readonly provider: TDocumentAiProvider;
  /** Reads a document. Fails with DocumentAiError for anything the caller should classify. */
  analyze(input: TAnalyzeInput): Promise<TExtraction>;
  /** Releases what the reader holds (the OCR worker); call once on shutdown. */
  close(): Promise<void>;
}

export const documentAiFailureKinds = {
  /** The service asked us to slow down (HTTP 429). */
  throttled: { retryable: true },
  /** The service failed or could not be reached (5xx, connection errors). */
  unavailable: { retryable: true },
  /** No answer in time (a request, or the whole analysis). */
  timeout: { retryable: true },
  /** The service accepted the document but its analysis failed on its side. */
  analysis_failed: { retryable: true },
  /** The key or endpoint was refused (HTTP 401/403): only ops can fix it. */
  authentication: { retryable: false },
  /** The file is damaged, empty, encrypted or not what its type says. */
  bad_document: { retryable: false },
  /** A media type the reader cannot read. */
  unsupported_type: { retryable: false },
  /** The platform asked for something the service does not offer (model, API version). */
  configuration: { retryable: false },
} as const;
export type TDocumentAiFailureKind = keyof typeof documentAiFailureKinds;

/**
 * A failure of the document reader, classified so an activity can tell Temporal whether to retry.
 * The message is safe to show staff and to log: it never holds document content, keys or PII.
 */
export class DocumentAiError extends Error {
  override name = 'DocumentAiError';
  readonly kind: TDocumentAiFailureKind;
  readonly retryable: boolean;
  /** When the service said how long to wait before trying again. */
  readonly retryAfterMs: number | undefined;
  /** The HTTP status, when the failure was an HTTP answer. */
  readonly status: number | undefined;
  /** The service's error code (and inner code), e.g. `InvalidRequest/InvalidContent`. */
  readonly code: string | undefined;

  constructor(
    kind: TDocumentAiFailureKind,
    message: string,
    details: { retryAfterMs?: number; status?: number; code?: string; cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.kind = kind;
    this.retryable = documentAiFailureKinds[kind].retryable;
    this.retryAfterMs = details.retryAfterMs;
    this.status = details.status;
    this.code = details.code;
  }
}

export function isDocumentAiError(error: unknown): error is DocumentAiError {
  return error instanceof DocumentAiError;
}

/** Media types by the magic bytes at the start of a file. */
export function sniffMediaType(bytes: Uint8Array): string | null {
  const starts = (...values: number[]) => values.every((value, index) => bytes[index] === value);
  if (starts(0x25, 0x50, 0x44, 0x46, 0x2d)) return 'application/pdf';
  if (starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'image/png';
  if (starts(0xff, 0xd8, 0xff)) return 'image/jpeg';
  if (starts(0x49, 0x49, 0x2a, 0x00) || starts(0x4d, 0x4d, 0x00, 0x2a)) return 'image/tiff';
  if (starts(0x42, 0x4d)) return 'image/bmp';
  if (bytes.length >= 12 && String.fromCharCode(...bytes.subarray(4, 12)).match(/^ftyp(heic|heix|mif1)/)) {
    return 'image/heif';
  }
  return null;
}

/** The bare media type, lower case, without parameters (`Application/PDF; x=y` → `application/pdf`). */
export function normalizeContentType(contentType: string): string {
  return (contentType.split(';')[0] ?? '').trim().toLowerCase();
}

/** Collects the content into one buffer, checking the abort signal between chunks. */
export async function readContent(content: TDocumentContent, signal?: AbortSignal): Promise<Uint8Array> {
  if (content instanceof Uint8Array) return content;
  const chunks: Uint8Array[] = [];
  let length = 0;
  for await (const chunk of content()) {
    signal?.throwIfAborted();
    chunks.push(chunk);
    length += chunk.byteLength;
  }
  const bytes = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/** The last four digits of an identifier (`123-45-6789` → `6789`), or null when it has fewer than four. */
export function lastFourDigits(value: string): string | null {
  const digits = value.replace(/\D/g, '');
  return digits.length >= 4 ? digits.slice(-4) : null;
}
