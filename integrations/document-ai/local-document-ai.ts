import {
  DocumentAiError,
  normalizeContentType,
  readContent,
  sniffMediaType,
  type DocumentAi,
  type TAnalyzeInput,
  type TExtraction,
} from './document-ai';
import { categoryLabel, fieldCatalog } from './field-catalog';
import { groupIntoPhrases, type TTextBox } from './local-layout';
import { createTesseractOcr, type OcrEngine } from './local-ocr';
import { openPdf } from './local-pdf';
import { detectCategory, extractFields, locallyReadCategories } from './local-rules';

export interface LocalDocumentAiOptions {
  /** The OCR engine (default: tesseract.js with the bundled English data, started on first use). */
  ocr?: OcrEngine;
  /** Scanned pages read per document at most (default 10): OCR takes seconds per page. */
  maxOcrPages?: number;
  /** Resolution scanned PDF pages are rendered at for OCR (default 200 dpi). */
  ocrDpi?: number;
}

const imageTypes = ['image/png', 'image/jpeg', 'image/tiff', 'image/bmp'];
const aliases: Record<string, string> = {
  'image/jpg': 'image/jpeg',
  'image/pjpeg': 'image/jpeg',
  'image/x-png': 'image/png',
};
/** A page with fewer printable characters than this is treated as scanned and read with OCR. */
const minTextLayerCharacters = 20;

/**
 * The local document reader, for development and for firms that work offline: the PDF's own text
 * where it has one, OCR (tesseract.js, English data shipped with the platform) for images and scanned
 * pages, then rule-based extraction of the W-2, 1099-INT and bank statement fields. Every value has a
 * confidence of at most 0.6 by design, so a person reviews what it read.
 */
export function createLocalDocumentAi(options: LocalDocumentAiOptions = {}): DocumentAi {
  const ocr = options.ocr ?? createTesseractOcr();
  const maxOcrPages = options.maxOcrPages ?? 10;
  const ocrDpi = options.ocrDpi ?? 200;

  async function analyze(input: TAnalyzeInput): Promise<TExtraction> {
    const { signal, onProgress } = input;
    const bytes = await readContent(input.content, signal);
    const declared =
      aliases[normalizeContentType(input.contentType)] ?? normalizeContentType(input.contentType);
    const readable = ['application/pdf', ...imageTypes];
    if (!readable.includes(declared) && declared !== 'application/octet-stream') {
      throw new DocumentAiError(
        'unsupported_type',
        `The local reader reads PDFs and PNG, JPEG, TIFF or BMP images, not ${input.contentType || 'files without a type'}.`,
      );
    }
    if (bytes.byteLength === 0)
      throw new DocumentAiError('bad_document', 'The file is empty. Ask the client to upload it again.');
    const sniffed = sniffMediaType(bytes);
    const contentType = declared === 'application/octet-stream' ? sniffed : declared;
    if (!sniffed || sniffed !== contentType || !readable.includes(sniffed)) {
      throw new DocumentAiError(
        'bad_document',
        `The file is not the ${describe(contentType ?? declared)} its type says (it looks like ${sniffed ? describe(sniffed) : 'neither a PDF nor an image'}). Ask the client to upload it again.`,
      );
    }

    const warnings: string[] = [];
    const words: TTextBox[] = [];
    let pages = 1;
    let textPages = 0;
    let ocrPages = 0;
    if (contentType === 'application/pdf') {
      const pdf = await openPdf(bytes);
      try {
        pages = pdf.pageCount;
        for (const page of await pdf.text()) {
          signal?.throwIfAborted();
          onProgress?.();
          if (page.characters >= minTextLayerCharacters) {
            words.push(...page.words);
            textPages += 1;
            continue;
          }
          if (ocrPages >= maxOcrPages) continue;
          const { png, inchesPerPixel } = await pdf.render(page.page, ocrDpi);
          const recognised = await ocr.recognize(png, { onProgress, signal });
          ocrPages += 1;
          words.push(
            ...recognised.map((word) => ({
              ...word,
              page: page.page,
              x0: word.x0 * inchesPerPixel,
              y0: word.y0 * inchesPerPixel,
              x1: word.x1 * inchesPerPixel,
              y1: word.y1 * inchesPerPixel,
            })),
          );
        }
      } finally {
        await pdf.close();
      }
      const scanned = pages - textPages;
      if (scanned > maxOcrPages) {
        warnings.push(`Only the first ${maxOcrPages} of ${scanned} scanned pages were read.`);
      }
    } else {
      const recognised = await ocr.recognize(bytes, { onProgress, signal });
      ocrPages = 1;
      words.push(...recognised.map((word) => ({ ...word, page: 1 })));
    }
    signal?.throwIfAborted();
    onProgress?.();

    const phrases = groupIntoPhrases(words);
    const detected = detectCategory(phrases, input.category);
    const category = detected ?? input.category;
    const fields = extractFields(category, phrases);

    if (phrases.length === 0) {
      warnings.push('No text could be read from the file.');
    } else if (
      detected &&
      detected !== input.category &&
      !['other', 'unknown-tax-form'].includes(input.category)
    ) {
      warnings.push(
        `This looks like a ${categoryLabel(detected)}, not the ${categoryLabel(input.category)} that was asked for.`,
      );
    } else if (!detected && locallyReadCategories.includes(input.category)) {
      warnings.push(`The text does not read like a ${categoryLabel(input.category)}.`);
    }
    if (fieldCatalog[category] && !locallyReadCategories.includes(category)) {
      warnings.push(
        `The local reader reads fields from W-2s, 1099-INTs and bank statements only; enter this ${categoryLabel(category)}'s fields by hand.`,
      );
    }
    if (Object.keys(fields).length > 0) {
      warnings.push(
        "Read offline by the platform's local reader: a person checks each value against the document.",
      );
    }

    const confidences = Object.values(fields).map((field) => field.confidence);
    return {
      provider: 'local',
      modelId: ocrPages === 0 ? 'local/pdf-text' : textPages === 0 ? 'local/ocr' : 'local/pdf-text+ocr',
      category,
      pages,
      fields,
      confidence: confidences.length
        ? Math.round((confidences.reduce((sum, c) => sum + c, 0) / confidences.length) * 100) / 100
        : 0,
      warnings,
    };
  }

  return {
    provider: 'local',
    analyze,
    close: () => ocr.terminate(),
  };
}

function describe(mediaType: string): string {
  return mediaType === 'application/pdf' ? 'PDF' : `${mediaType.replace('image/', '').toUpperCase()} image`;
}
