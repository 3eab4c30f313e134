import { extractTextItems, getDocumentProxy, renderPageAsImage } from 'unpdf';
import { DocumentAiError } from './document-ai';
import type { TTextBox } from './local-layout';

/** A page's own text (its text layer), in inches from the top-left corner. */
export interface TPdfPageText {
  page: number;
  words: TTextBox[];
  /** Printable characters on the page; a scanned page has (almost) none. */
  characters: number;
}

export interface PdfFile {
  pageCount: number;
  text(): Promise<TPdfPageText[]>;
  /** The page as a PNG at `dpi`, and the factor from its pixels to inches. */
  render(page: number, dpi: number): Promise<{ png: Uint8Array; inchesPerPixel: number }>;
  close(): Promise<void>;
}

type TPdfDocument = Awaited<ReturnType<typeof getDocumentProxy>>;

/** Opens a PDF with PDF.js (through unpdf); a damaged or password-protected file is a bad document. */
export async function openPdf(bytes: Uint8Array): Promise<PdfFile> {
  let pdf: TPdfDocument;
  try {
    // PDF.js takes ownership of the buffer it is given: hand it a copy.
    pdf = await getDocumentProxy(new Uint8Array(bytes));
  } catch (error) {
    const name = (error as { name?: string } | null)?.name;
    throw new DocumentAiError(
      'bad_document',
      name === 'PasswordException'
        ? 'The PDF is password-protected; ask the client for a copy without a password.'
        : 'The file could not be opened as a PDF: it is damaged or not a PDF. Ask the client to upload it again.',
      { cause: error },
    );
  }

  return {
    pageCount: pdf.numPages,
    async text() {
      const { items } = await extractTextItems(pdf);
      const pages: TPdfPageText[] = [];
      for (const [index, pageItems] of items.entries()) {
        const page = await pdf.getPage(index + 1);
        const viewport = page.getViewport({ scale: 1 });
        const words: TTextBox[] = [];
        let characters = 0;
        for (const item of pageItems) {
          const text = item.str.trim();
          if (!text) continue;
          characters += text.replace(/\s/g, '').length;
          const size = item.fontSize || item.height || 10;
          // Baseline-relative corners: ascent above, descent below, then into top-left page space.
          const [ax, ay] = viewport.convertToViewportPoint(item.x, item.y + 0.8 * size) as [number, number];
          const [bx, by] = viewport.convertToViewportPoint(item.x + item.width, item.y - 0.2 * size) as [
            number,
            number,
          ];
          words.push({
            text,
            page: index + 1,
            x0: Math.min(ax, bx) / 72,
            y0: Math.min(ay, by) / 72,
            x1: Math.max(ax, bx) / 72,
            y1: Math.max(ay, by) / 72,
            confidence: 1,
          });
        }
        pages.push({ page: index + 1, words, characters });
      }
      return pages;
    },
    async render(page, dpi) {
      const scale = dpi / 72;
      const png = await renderPageAsImage(pdf, page, {
        canvasImport: () => import('@napi-rs/canvas'),
        scale,
      });
      return { png: new Uint8Array(png), inchesPerPixel: 1 / dpi };
    },
    async close() {
      await pdf.loadingTask.destroy();
    },
  };
}
