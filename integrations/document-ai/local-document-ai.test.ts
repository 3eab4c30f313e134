import { readFile } from 'node:fs/promises';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { afterAll, describe, expect, it } from 'vitest';
import { DocumentAiError, ZExtraction, type TExtraction } from './document-ai';
import { createLocalDocumentAi } from './local-document-ai';
import type { OcrEngine, TOcrWord } from './local-ocr';

const fixture = async (name: string) =>
  new Uint8Array(await readFile(new URL(`./fixtures/${name}`, import.meta.url)));

/** An OCR double for the tests that are about the local reader's plumbing, not about recognition. */
function scriptedOcr(words: TOcrWord[]): OcrEngine & { images: Uint8Array[]; terminated: number } {
  const engine = {
    images: [] as Uint8Array[],
    terminated: 0,
    recognize(image: Uint8Array, options: { onProgress?: () => void; signal?: AbortSignal } = {}) {
      options.signal?.throwIfAborted();
      engine.images.push(image);
      options.onProgress?.();
      return Promise.resolve(words);
    },
    terminate() {
      engine.terminated += 1;
      return Promise.resolve();
    },
  };
  return engine;
}

const noOcr = scriptedOcr([]);
const reader = createLocalDocumentAi({ ocr: noOcr });
afterAll(async () => {
  await reader.close();
});

function values(extraction: TExtraction): Record<string, string | number | null> {
  return Object.fromEntries(Object.entries(extraction.fields).map(([name, field]) => [name, field.value]));
}

async function failureOf(promise: Promise<unknown>): Promise<DocumentAiError> {
  const error = await promise.then(
    () => {
      throw new Error('expected the analysis to fail');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DocumentAiError);
  return error as DocumentAiError;
}

async function pdfWithLines(lines: string[]): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  const page = pdf.addPage([612, 792]);
  lines.forEach((line, index) => page.drawText(line, { x: 40, y: 740 - index * 20, size: 11, font }));
  return pdf.save();
}

describe('local document reader (PDF text layer and rules)', () => {
  it('reads the main W-2 boxes from the text layer, with pages, positions and low confidence', async () => {
    const extraction = await reader.analyze({
      content: await fixture('w2-text-layer.pdf'),
      contentType: 'application/pdf',
      category: 'w2',
    });

    expect(ZExtraction.parse(extraction)).toEqual(extraction);
    expect(extraction).toMatchObject({
      provider: 'local',
      modelId: 'local/pdf-text',
      category: 'w2',
      pages: 1,
    });
    expect(values(extraction)).toEqual({
      EmployeeSsnLast4: '4321',
      EmployerEin: '00-0012345',
      EmployerName: 'Sample Employer LLC',
      EmployeeName: 'Sample Employee',
      WagesTipsAndOtherCompensation: 85250,
      FederalIncomeTaxWithheld: 12480.55,
      SocialSecurityWages: 88000,
      SocialSecurityTaxWithheld: 5456,
      MedicareWagesAndTips: 88000,
      MedicareTaxWithheld: 1276,
      State: 'IL',
      EmployerStateIdNumber: '0012345678',
      StateWages: 85250,
      StateIncomeTax: 4219.88,
      TaxYear: '2025',
    });
    expect(extraction.fields.WagesTipsAndOtherCompensation).toMatchObject({
      type: 'currency',
      label: 'Box 1: Wages, tips, other compensation',
      page: 1,
      confidence: 0.6,
    });
    expect(extraction.fields.EmployeeSsnLast4?.type).toBe('masked-id');
    // Box 1's value sits in the box's lower half: 4.33 in from the left edge, 1.8 in from the top.
    const [x, y] = extraction.fields.WagesTipsAndOtherCompensation?.boundingRegion ?? [];
    expect(x).toBeCloseTo(4.33, 1);
    expect(y).toBeCloseTo(1.82, 1);
    for (const field of Object.values(extraction.fields)) {
      expect(field.confidence).toBeLessThanOrEqual(0.6);
      expect(field.boundingRegion).toHaveLength(8);
    }
    expect(JSON.stringify(extraction)).not.toContain('000-00-4321');
    expect(extraction.warnings).toEqual([
      "Read offline by the platform's local reader: a person checks each value against the document.",
    ]);
    expect(noOcr.images).toHaveLength(0);
  });

  it('reads a 1099-INT: payer, recipient TIN (last four only) and boxes 1 to 4', async () => {
    const extraction = await reader.analyze({
      content: await fixture('1099-int.pdf'),
      contentType: 'application/pdf',
      category: '1099-int',
    });
    expect(extraction).toMatchObject({ modelId: 'local/pdf-text', category: '1099-int', pages: 1 });
    expect(values(extraction)).toEqual({
      PayerName: 'Sample Savings Bank',
      PayerTin: '00-0054321',
      RecipientName: 'Sample Recipient',
      RecipientTinLast4: '6789',
      InterestIncome: 1234.56,
      EarlyWithdrawalPenalty: 25,
      UsSavingsBondInterest: 310.2,
      FederalIncomeTaxWithheld: 123.46,
      TaxYear: '2025',
    });
    expect(JSON.stringify(extraction)).not.toContain('000-00-6789');
  });

  it("reads a bank statement's period, opening and closing balances across pages", async () => {
    const extraction = await reader.analyze({
      content: await fixture('bank-statement.pdf'),
      contentType: 'application/pdf',
      category: 'bank-statement',
    });
    expect(extraction).toMatchObject({ modelId: 'local/pdf-text', category: 'bank-statement', pages: 2 });
    expect(values(extraction)).toEqual({
      BankName: 'Sample Community Bank',
      AccountHolderName: 'Sample Client',
      AccountNumberLast4: '4455',
      AccountType: 'Everyday Checking',
      StatementStartDate: '2026-03-01',
      StatementEndDate: '2026-03-31',
      BeginningBalance: 12345.67,
      EndingBalance: 13395.42,
    });
    expect(extraction.fields.BeginningBalance?.page).toBe(1);
    expect(extraction.fields.EndingBalance?.page).toBe(2);
    expect(extraction.fields.StatementStartDate?.type).toBe('date');
    expect(extraction.fields.BankName?.confidence).toBe(0.5);
  });

  it('notices a form filed under the wrong category and reads it as what it is', async () => {
    const extraction = await reader.analyze({
      content: await fixture('1099-int.pdf'),
      contentType: 'application/pdf',
      category: 'w2',
    });
    expect(extraction.category).toBe('1099-int');
    expect(extraction.fields.InterestIncome?.value).toBe(1234.56);
    expect(extraction.warnings).toContain('This looks like a 1099-INT, not the W-2 that was asked for.');
  });

  it('finds what an uncategorised upload is without warning about it', async () => {
    const extraction = await reader.analyze({
      content: await fixture('w2-text-layer.pdf'),
      contentType: 'application/pdf',
      category: 'other',
    });
    expect(extraction.category).toBe('w2');
    expect(extraction.fields.EmployerName?.value).toBe('Sample Employer LLC');
    expect(extraction.warnings).toHaveLength(1);
  });

  it('recognises tax forms it has no rules for and says a person must read them', async () => {
    const extraction = await reader.analyze({
      content: await pdfWithLines([
        'Form 1099-DIV',
        'Dividends and Distributions',
        '1a Total ordinary dividends 2,150.40',
      ]),
      contentType: 'application/pdf',
      category: '1099-div',
    });
    expect(extraction).toMatchObject({ category: '1099-div', fields: {}, confidence: 0 });
    expect(extraction.warnings).toEqual([
      "The local reader reads fields from W-2s, 1099-INTs and bank statements only; enter this 1099-DIV's fields by hand.",
    ]);
  });

  it('says so when the text does not read like the form that was asked for', async () => {
    const extraction = await reader.analyze({
      content: await pdfWithLines(['Dear client, thank you for your business this year.', 'Kind regards']),
      contentType: 'application/pdf',
      category: 'w2',
    });
    expect(extraction).toMatchObject({ category: 'w2', fields: {} });
    expect(extraction.warnings).toEqual(['The text does not read like a W-2.']);
  });

  it('accepts content as a stream of chunks and files labelled application/octet-stream', async () => {
    const bytes = await fixture('1099-int.pdf');
    const extraction = await reader.analyze({
      content: async function* () {
        yield await Promise.resolve(bytes.subarray(0, 1000));
        yield await Promise.resolve(bytes.subarray(1000));
      },
      contentType: 'application/octet-stream',
      category: '1099-int',
    });
    expect(extraction.fields.PayerName?.value).toBe('Sample Savings Bank');
  });

  it('refuses media types it cannot read', async () => {
    const error = await failureOf(
      reader.analyze({
        content: await fixture('w2-text-layer.pdf'),
        contentType: 'image/gif',
        category: 'w2',
      }),
    );
    expect(error).toMatchObject({ kind: 'unsupported_type', retryable: false });
    expect(error.message).toBe(
      'The local reader reads PDFs and PNG, JPEG, TIFF or BMP images, not image/gif.',
    );
  });

  it('refuses empty files, files that are not what their type says, and damaged PDFs, without retrying', async () => {
    const empty = await failureOf(
      reader.analyze({ content: new Uint8Array(), contentType: 'application/pdf', category: 'w2' }),
    );
    expect(empty).toMatchObject({
      kind: 'bad_document',
      retryable: false,
      message: 'The file is empty. Ask the client to upload it again.',
    });

    const png = await failureOf(
      reader.analyze({
        content: await fixture('w2-scanned.png'),
        contentType: 'application/pdf',
        category: 'w2',
      }),
    );
    expect(png.message).toBe(
      'The file is not the PDF its type says (it looks like PNG image). Ask the client to upload it again.',
    );

    const text = await failureOf(
      reader.analyze({
        content: new TextEncoder().encode('hello'),
        contentType: 'image/png',
        category: 'w2',
      }),
    );
    expect(text.message).toBe(
      'The file is not the PNG image its type says (it looks like neither a PDF nor an image). Ask the client to upload it again.',
    );

    const damaged = await failureOf(
      reader.analyze({
        content: new TextEncoder().encode('%PDF-1.7\nthis is not really a PDF at all'),
        contentType: 'application/pdf',
        category: 'w2',
      }),
    );
    expect(damaged).toMatchObject({ kind: 'bad_document', retryable: false });
    expect(damaged.message).toBe(
      'The file could not be opened as a PDF: it is damaged or not a PDF. Ask the client to upload it again.',
    );
    expect(noOcr.images).toHaveLength(0);
  });

  it('stops when the caller aborts', async () => {
    const controller = new AbortController();
    controller.abort(new Error('activity cancelled'));
    await expect(
      reader.analyze({
        content: await fixture('w2-text-layer.pdf'),
        contentType: 'application/pdf',
        category: 'w2',
        signal: controller.signal,
      }),
    ).rejects.toThrow('activity cancelled');
  });
});

describe('local document reader (OCR path, with a scripted OCR engine)', () => {
  // Two boxes as OCR sees them on a 200 dpi scan: label words, then the value below the label.
  const w2Words: TOcrWord[] = [
    { text: '1', x0: 860, y0: 300, x1: 868, y1: 316, confidence: 0.94 },
    { text: 'Wages,', x0: 880, y0: 300, x1: 950, y1: 318, confidence: 0.95 },
    { text: 'tips,', x0: 958, y0: 300, x1: 1000, y1: 318, confidence: 0.96 },
    { text: 'other', x0: 1008, y0: 300, x1: 1060, y1: 316, confidence: 0.96 },
    { text: 'compensation', x0: 1068, y0: 300, x1: 1200, y1: 318, confidence: 0.9 },
    { text: '85,250.00', x0: 868, y0: 350, x1: 1000, y1: 374, confidence: 0.92 },
    { text: 'Form', x0: 100, y0: 900, x1: 160, y1: 930, confidence: 0.97 },
    { text: 'W-2', x0: 170, y0: 900, x1: 220, y1: 930, confidence: 0.97 },
  ];

  it('sends images to OCR and reads the recognised words with the same rules, scaled down by OCR confidence', async () => {
    const ocr = scriptedOcr(w2Words);
    const local = createLocalDocumentAi({ ocr });
    const progress: number[] = [];
    const extraction = await local.analyze({
      content: await fixture('w2-scanned.png'),
      contentType: 'image/png',
      category: 'w2',
      onProgress: () => progress.push(1),
    });
    expect(ocr.images).toHaveLength(1);
    expect(extraction).toMatchObject({ modelId: 'local/ocr', category: 'w2', pages: 1 });
    expect(extraction.fields.WagesTipsAndOtherCompensation).toMatchObject({
      value: 85250,
      confidence: 0.55,
      page: 1,
      boundingRegion: [868, 350, 1000, 350, 1000, 374, 868, 374],
    });
    expect(progress.length).toBeGreaterThan(0);
    await local.close();
    expect(ocr.terminated).toBe(1);
  });

  it('renders the pages of a scanned PDF for OCR and reports positions in inches', async () => {
    const ocr = scriptedOcr(w2Words);
    const local = createLocalDocumentAi({ ocr, ocrDpi: 100 });
    const extraction = await local.analyze({
      content: await fixture('w2-scanned.pdf'),
      contentType: 'application/pdf',
      category: 'w2',
    });
    expect(ocr.images).toHaveLength(1);
    expect(Array.from(ocr.images[0]!.subarray(1, 4))).toEqual([0x50, 0x4e, 0x47]);
    expect(extraction.modelId).toBe('local/ocr');
    expect(extraction.fields.WagesTipsAndOtherCompensation?.boundingRegion?.slice(0, 2)).toEqual([8.68, 3.5]);
    await local.close();
  });

  it('reads at most the configured number of scanned pages and says how many were skipped', async () => {
    const pdf = await PDFDocument.create();
    for (let i = 0; i < 3; i += 1) pdf.addPage([200, 200]);
    const ocr = scriptedOcr([]);
    const local = createLocalDocumentAi({ ocr, maxOcrPages: 2, ocrDpi: 50 });
    const extraction = await local.analyze({
      content: await pdf.save(),
      contentType: 'application/pdf',
      category: 'other',
    });
    expect(ocr.images).toHaveLength(2);
    expect(extraction.pages).toBe(3);
    expect(extraction.warnings).toEqual([
      'Only the first 2 of 3 scanned pages were read.',
      'No text could be read from the file.',
    ]);
    await local.close();
  });
});
