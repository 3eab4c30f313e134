import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Tesseract from 'tesseract.js';
import { DocumentAiError } from './document-ai';
import type { TTextBox } from './local-layout';

/** A recognised word, in pixels from the image's top-left corner. */
export type TOcrWord = Omit<TTextBox, 'page'>;

export interface OcrEngine {
  /** Recognises the English words of a PNG, JPEG, TIFF or BMP image. */
  recognize(
    image: Uint8Array,
    options?: { onProgress?: () => void; signal?: AbortSignal },
  ): Promise<TOcrWord[]>;
  /** Stops the OCR worker thread; the next recognition starts a new one. */
  terminate(): Promise<void>;
}

/**
 * The English trained data shipped in `@tesseract.js-data/eng` (a gzipped `eng.traineddata`), so OCR
 * never downloads anything at run time.
 */
export function englishLanguageDataPath(): string {
  const packageJson = createRequire(import.meta.url).resolve('@tesseract.js-data/eng/package.json');
  return join(dirname(packageJson), '4.0.0');
}

/**
 * OCR with tesseract.js and the bundled English data. One worker thread is created on first use and
 * reused for every page (recognitions queue on it); `terminate()` ends it on shutdown, and it also
 * ends by itself after `idleMs` without work (default 2 minutes), freeing its memory and letting a
 * process that forgot to terminate it exit. Language data is read from the installed package only:
 * no network, no cache reads or writes outside a private temporary directory removed on terminate.
 */
export function createTesseractOcr(options: { idleMs?: number } = {}): OcrEngine {
  const idleMs = options.idleMs ?? 120_000;
  let worker: Promise<Tesseract.Worker> | null = null;
  let cacheDir: string | null = null;
  let nextJob = 0;
  let inFlight = 0;
  let idleTimer: NodeJS.Timeout | null = null;
  const listeners = new Map<string, () => void>();

  function start(): Promise<Tesseract.Worker> {
    const langPath = englishLanguageDataPath();
    if (!existsSync(join(langPath, 'eng.traineddata.gz'))) {
      throw new DocumentAiError(
        'configuration',
        'The English OCR data (@tesseract.js-data/eng) is not installed; run npm ci on the worker.',
      );
    }
    cacheDir = mkdtempSync(join(tmpdir(), 'cpa-ocr-'));
    return Tesseract.createWorker('eng', Tesseract.OEM.LSTM_ONLY, {
      langPath,
      gzip: true,
      cachePath: cacheDir,
      cacheMethod: 'none',
      logger: (message) => {
        if (message.userJobId) listeners.get(message.userJobId)?.();
      },
      errorHandler: () => {
        // A failed recognition rejects its own promise; nothing else to report here.
      },
    });
  }

  async function terminate(): Promise<void> {
    if (idleTimer) clearTimeout(idleTimer);
    idleTimer = null;
    const running = worker;
    worker = null;
    if (running) await (await running.catch(() => null))?.terminate();
    if (cacheDir) rmSync(cacheDir, { recursive: true, force: true });
    cacheDir = null;
  }

  return {
    async recognize(image, options = {}) {
      options.signal?.throwIfAborted();
      if (idleTimer) clearTimeout(idleTimer);
      idleTimer = null;
      inFlight += 1;
      try {
        return await recognizeOnWorker(image, options);
      } finally {
        inFlight -= 1;
        if (inFlight === 0 && worker) {
          idleTimer = setTimeout(() => void terminate(), idleMs);
          idleTimer.unref();
        }
      }
    },
    terminate,
  };

  async function recognizeOnWorker(
    image: Uint8Array,
    options: { onProgress?: () => void; signal?: AbortSignal },
  ): Promise<TOcrWord[]> {
    worker ??= start();
    let ready: Tesseract.Worker;
    try {
      ready = await worker;
    } catch (error) {
      await terminate();
      throw error;
    }
    const jobId = `cpa-ocr-${(nextJob += 1)}`;
    if (options.onProgress) listeners.set(jobId, options.onProgress);
    try {
      const recognition = ready.recognize(Buffer.from(image), {}, { blocks: true, text: false }, jobId);
      const result = await abortable(recognition, options.signal);
      const words: TOcrWord[] = [];
      for (const block of result.data.blocks ?? []) {
        for (const paragraph of block.paragraphs) {
          for (const line of paragraph.lines) {
            for (const word of line.words) {
              if (!word.text.trim()) continue;
              words.push({
                text: word.text,
                confidence: Math.max(0, Math.min(1, word.confidence / 100)),
                x0: word.bbox.x0,
                y0: word.bbox.y0,
                x1: word.bbox.x1,
                y1: word.bbox.y1,
              });
            }
          }
        }
      }
      return words;
    } finally {
      listeners.delete(jobId);
    }
  }
}

/** Rejects with the signal's reason as soon as it aborts (the recognition itself runs to its end). */
function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  let onAbort = () => {};
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  return Promise.race([promise, aborted]).finally(() => signal.removeEventListener('abort', onAbort));
}
