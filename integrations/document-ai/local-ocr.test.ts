import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCanvas } from '@napi-rs/canvas';
import { afterAll, describe, expect, it } from 'vitest';
import { createLocalDocumentAi } from './local-document-ai';
import { englishLanguageDataPath } from './local-ocr';

/**
 * Real OCR with tesseract.js and the English data shipped in @tesseract.js-data/eng: slow (seconds
 * per page on a small machine), so one test reads the scanned W-2 both as an image and as a scanned
 * PDF, sharing one OCR worker.
 */
const reader = createLocalDocumentAi();
afterAll(async () => {
  await reader.close();
});

const expectedW2 = {
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
  StateWages: 85250,
  StateIncomeTax: 4219.88,
  TaxYear: '2025',
};

describe('local document reader with OCR', () => {
  it('uses the English data installed with the platform, never a download', () => {
    const langPath = englishLanguageDataPath();
    expect(langPath).toMatch(/node_modules[/\\]@tesseract\.js-data[/\\]eng[/\\]4\.0\.0$/);
    expect(existsSync(`${langPath}/eng.traineddata.gz`)).toBe(true);
  });

  it('reads the W-2 boxes from a scanned image and from a scanned PDF, with OCR confidence below the review threshold', async () => {
    const png = new Uint8Array(await readFile(new URL('./fixtures/w2-scanned.png', import.meta.url)));
    let progress = 0;
    const started = Date.now();
    const fromImage = await reader.analyze({
      content: png,
      contentType: 'image/png',
      category: 'w2',
      onProgress: () => (progress += 1),
    });
    const imageMs = Date.now() - started;

    expect(fromImage).toMatchObject({ provider: 'local', modelId: 'local/ocr', category: 'w2', pages: 1 });
    expect(Object.fromEntries(Object.entries(fromImage.fields).map(([n, f]) => [n, f.value]))).toMatchObject(
      expectedW2,
    );
    for (const field of Object.values(fromImage.fields)) {
      expect(field.confidence).toBeGreaterThan(0.3);
      expect(field.confidence).toBeLessThanOrEqual(0.6);
      expect(field.page).toBe(1);
    }
    // Positions are pixels of the 1700 x 1139 scan: box 1's value is at the right of the middle.
    const [x, y] = fromImage.fields.WagesTipsAndOtherCompensation?.boundingRegion ?? [];
    expect(x).toBeGreaterThan(850);
    expect(x).toBeLessThan(900);
    expect(y).toBeGreaterThan(340);
    expect(y).toBeLessThan(400);
    expect(JSON.stringify(fromImage)).not.toContain('000-00-4321');
    expect(progress).toBeGreaterThan(1);

    const scannedStarted = Date.now();
    const fromPdf = await reader.analyze({
      content: new Uint8Array(await readFile(new URL('./fixtures/w2-scanned.pdf', import.meta.url))),
      contentType: 'application/pdf',
      category: 'w2',
    });
    const pdfMs = Date.now() - scannedStarted;
    expect(fromPdf.modelId).toBe('local/ocr');
    expect(Object.fromEntries(Object.entries(fromPdf.fields).map(([n, f]) => [n, f.value]))).toMatchObject(
      expectedW2,
    );
    // Rendered pages report inches, like the PDF text layer does.
    expect(fromPdf.fields.WagesTipsAndOtherCompensation?.boundingRegion?.[0]).toBeCloseTo(4.34, 1);

    // A page takes seconds, not minutes, even on a small shared machine.
    expect(imageMs).toBeLessThan(60_000);
    expect(pdfMs).toBeLessThan(60_000);
  }, 180_000);

  it('ends an idle OCR worker by itself, so a process that never closed the reader still exits', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cpa-ocr-idle-'));
    const script = join(dir, 'ocr-without-close.mts');
    const ocrModule = fileURLToPath(new URL('./local-ocr.ts', import.meta.url));
    // A one-word image keeps the recognition short: the test is about the worker's lifetime.
    const canvas = createCanvas(360, 80);
    const context = canvas.getContext('2d');
    context.fillStyle = '#ffffff';
    context.fillRect(0, 0, 360, 80);
    context.fillStyle = '#000000';
    context.font = '36px "Liberation Sans", "DejaVu Sans", sans-serif';
    context.fillText('85,250.00', 30, 55);
    const image = join(dir, 'amount.png');
    await writeFile(image, canvas.toBuffer('image/png'));
    await writeFile(
      script,
      [
        `import { readFile } from 'node:fs/promises';`,
        `import { createTesseractOcr } from ${JSON.stringify(ocrModule)};`,
        `const ocr = createTesseractOcr({ idleMs: 500 });`,
        `const words = await ocr.recognize(new Uint8Array(await readFile(${JSON.stringify(image)})));`,
        `console.log(words.some((w) => w.text === '85,250.00') ? 'read' : 'not read');`,
      ].join('\n'),
    );
    try {
      const started = Date.now();
      const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: process.cwd() });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const code = await new Promise<number | null>((resolve) => {
        const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
        child.on('exit', (exitCode) => {
          clearTimeout(timer);
          resolve(exitCode);
        });
      });
      expect({ code, output: output.trim() }).toEqual({ code: 0, output: 'read' });
      expect(Date.now() - started).toBeLessThan(90_000);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
