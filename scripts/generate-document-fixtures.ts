/**
 * Generates the sample forms the document AI tests read (integrations/document-ai/fixtures/):
 *
 *   w2-text-layer.pdf    a W-2 with a text layer (the local reader's PDF text path)
 *   1099-int.pdf         a 1099-INT with a text layer
 *   bank-statement.pdf   a two-page bank statement with a text layer
 *   w2-scanned.png       the same W-2 as an image only, as a 200 dpi scan would give it (OCR path)
 *   w2-scanned.pdf       that image wrapped in a PDF without text (scanned-PDF path: render, then OCR)
 *
 * Every name, number and address is fictitious (SSNs and EINs starting with 000 or 00 are never
 * issued) and each page says so. The output is deterministic, so regenerating changes no bytes.
 *
 *   bash scripts/node24.sh tsx scripts/generate-document-fixtures.ts
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { crc32, deflateSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { createCanvas, GlobalFonts } from '@napi-rs/canvas';
import { PDFDocument, StandardFonts, rgb, type PDFFont, type PDFPage } from 'pdf-lib';

const outputDir = fileURLToPath(new URL('../integrations/document-ai/fixtures/', import.meta.url));
/** Fixed dates keep the PDFs byte-for-byte reproducible. */
const producedAt = new Date('2026-01-15T12:00:00Z');
const notice = 'SAMPLE - fictitious data for software tests, not a real tax document';

/** A page drawn in points from the top-left corner (Letter: 612 x 792). */
type TShape =
  | { kind: 'text'; x: number; y: number; size: number; text: string; bold?: boolean }
  | { kind: 'box'; x: number; y: number; width: number; height: number };

interface TPage {
  width: number;
  height: number;
  shapes: TShape[];
}

const text = (x: number, y: number, size: number, value: string, bold = false): TShape => ({
  kind: 'text',
  x,
  y,
  size,
  text: value,
  bold,
});

/** A form box: its outline, its label in small print, and its values below the label. */
function formBox(
  x: number,
  y: number,
  width: number,
  height: number,
  label: string | string[],
  /** Lines of values; a line given as `[offset, text]` pairs holds several values side by side. */
  values: Array<string | Array<[number, string]>> = [],
): TShape[] {
  const labels = Array.isArray(label) ? label : [label];
  const shapes: TShape[] = [{ kind: 'box', x, y, width, height }];
  labels.forEach((line, index) => shapes.push(text(x + 3, y + 9 + index * 8, 7, line)));
  const firstValue = y + 13 + labels.length * 8 + 10;
  values.forEach((line, index) => {
    const segments: Array<[number, string]> = typeof line === 'string' ? [[0, line]] : line;
    for (const [dx, content] of segments) shapes.push(text(x + 6 + dx, firstValue + index * 12, 10, content));
  });
  return shapes;
}

/** The W-2 (Copy B), top half of a Letter page. */
function w2Page(): TPage {
  const left = 36;
  const mid = 306;
  const right = 441;
  const shapes: TShape[] = [
    text(left, 52, 8, notice, true),
    ...formBox(left, 72, 270, 36, "a  Employee's social security number", ['000-00-4321']),
    text(mid + 6, 86, 7, 'OMB No. 1545-0029'),
    ...formBox(left, 108, 270, 36, 'b  Employer identification number (EIN)', ['00-0012345']),
    ...formBox(mid, 108, 135, 36, '1  Wages, tips, other compensation', ['85,250.00']),
    ...formBox(right, 108, 135, 36, '2  Federal income tax withheld', ['12,480.55']),
    ...formBox(left, 144, 270, 72, "c  Employer's name, address, and ZIP code", [
      'Sample Employer LLC',
      '100 Example Street',
      'Springfield, IL 62701',
    ]),
    ...formBox(mid, 144, 135, 36, '3  Social security wages', ['88,000.00']),
    ...formBox(right, 144, 135, 36, '4  Social security tax withheld', ['5,456.00']),
    ...formBox(mid, 180, 135, 36, '5  Medicare wages and tips', ['88,000.00']),
    ...formBox(right, 180, 135, 36, '6  Medicare tax withheld', ['1,276.00']),
    ...formBox(left, 216, 270, 36, 'd  Control number', ['A1B2C3']),
    ...formBox(mid, 216, 135, 36, '7  Social security tips'),
    ...formBox(right, 216, 135, 36, '8  Allocated tips'),
    ...formBox(left, 252, 270, 36, "e  Employee's first name and initial     Last name", ['Sample Employee']),
    ...formBox(mid, 252, 135, 36, '9'),
    ...formBox(right, 252, 135, 36, '10  Dependent care benefits'),
    ...formBox(left, 288, 270, 36, "f  Employee's address and ZIP code", [
      '200 Example Avenue, Springfield, IL 62704',
    ]),
    ...formBox(mid, 288, 135, 36, '11  Nonqualified plans'),
    ...formBox(right, 288, 135, 36, '12a  See instructions for box 12', [
      [
        [0, 'D'],
        [40, '4,500.00'],
      ],
    ]),
    ...formBox(left, 324, 160, 36, "15  State   Employer's state ID number", [
      [
        [0, 'IL'],
        [30, '0012345678'],
      ],
    ]),
    ...formBox(left + 160, 324, 135, 36, '16  State wages, tips, etc.', ['85,250.00']),
    ...formBox(left + 295, 324, 110, 36, '17  State income tax', ['4,219.88']),
    ...formBox(left + 405, 324, 135, 36, '18  Local wages, tips, etc.'),
    text(left, 384, 14, 'Form W-2  Wage and Tax Statement  2025', true),
    text(left, 398, 7, "Copy B - To Be Filed With Employee's FEDERAL Tax Return."),
    text(mid + 40, 398, 7, 'Department of the Treasury - Internal Revenue Service'),
  ];
  return { width: 612, height: 792, shapes };
}

/** The 1099-INT (Copy B), top half of a Letter page. */
function form1099IntPage(): TPage {
  const left = 36;
  const mid = 306;
  const right = 441;
  const shapes: TShape[] = [
    text(left, 52, 8, notice, true),
    ...formBox(
      left,
      72,
      270,
      84,
      [
        "PAYER'S name, street address, city or town, state or province,",
        'country, ZIP or foreign postal code, and telephone no.',
      ],
      ['Sample Savings Bank', '300 Example Plaza', 'Springfield, IL 62701', '(217) 555-0100'],
    ),
    ...formBox(mid, 72, 135, 36, "Payer's RTN (optional)"),
    text(right + 8, 86, 7, 'OMB No. 1545-0112'),
    ...formBox(mid, 108, 135, 36, '1  Interest income', [
      [
        [0, '$'],
        [8, '1,234.56'],
      ],
    ]),
    text(right + 8, 124, 14, 'Form 1099-INT', true),
    text(right + 8, 138, 8, 'For calendar year 2025'),
    ...formBox(mid, 144, 135, 36, '2  Early withdrawal penalty', [
      [
        [0, '$'],
        [8, '25.00'],
      ],
    ]),
    text(right + 8, 166, 14, 'Interest Income', true),
    ...formBox(left, 156, 135, 36, "PAYER'S TIN", ['00-0054321']),
    ...formBox(left + 135, 156, 135, 36, "RECIPIENT'S TIN", ['000-00-6789']),
    ...formBox(mid, 180, 270, 36, '3  Interest on U.S. Savings Bonds and Treasury obligations', [
      [
        [0, '$'],
        [8, '310.20'],
      ],
    ]),
    ...formBox(left, 192, 270, 36, "RECIPIENT'S name", ['Sample Recipient']),
    ...formBox(mid, 216, 135, 36, '4  Federal income tax withheld', [
      [
        [0, '$'],
        [8, '123.46'],
      ],
    ]),
    ...formBox(right, 216, 135, 36, '5  Investment expenses', [
      [
        [0, '$'],
        [8, '0.00'],
      ],
    ]),
    ...formBox(left, 228, 270, 36, 'Street address (including apt. no.)', ['200 Example Avenue']),
    ...formBox(mid, 252, 135, 36, '6  Foreign tax paid'),
    ...formBox(right, 252, 135, 36, '7  Foreign country or U.S. possession'),
    ...formBox(
      left,
      264,
      270,
      36,
      'City or town, state or province, country, and ZIP or foreign postal code',
      ['Springfield, IL 62704'],
    ),
    ...formBox(mid, 288, 135, 36, '8  Tax-exempt interest'),
    ...formBox(right, 288, 135, 36, '9  Specified private activity bond interest'),
    ...formBox(left, 300, 270, 36, 'Account number (see instructions)', ['0000111122']),
    text(left, 360, 8, 'Form 1099-INT   Copy B For Recipient   (keep for your records)'),
    text(mid, 360, 7, 'Department of the Treasury - Internal Revenue Service'),
  ];
  return { width: 612, height: 792, shapes };
}

/** A two-page checking account statement; the closing balance ends the transactions on page 2. */
function bankStatementPages(): TPage[] {
  const header = (page: number): TShape[] => [
    text(36, 40, 7, notice, true),
    text(36, 66, 18, 'Sample Community Bank', true),
    text(36, 82, 9, '500 Example Boulevard, Springfield, IL 62701   (217) 555-0155'),
    text(480, 760, 8, `Page ${page} of 2`),
  ];
  const row = (y: number, date: string, description: string, amount: string, balance: string): TShape[] => [
    text(36, y, 9, date),
    text(90, y, 9, description),
    text(400, y, 9, amount),
    text(500, y, 9, balance),
  ];
  const columns = (y: number): TShape[] => [
    text(36, y, 9, 'Date', true),
    text(90, y, 9, 'Description', true),
    text(400, y, 9, 'Amount', true),
    text(500, y, 9, 'Balance', true),
  ];
  const page1: TShape[] = [
    ...header(1),
    text(340, 110, 9, 'Statement period:'),
    text(425, 110, 9, 'March 1, 2026 - March 31, 2026'),
    text(340, 124, 9, 'Account holder:'),
    text(425, 124, 9, 'Sample Client'),
    text(340, 138, 9, 'Account number:'),
    text(425, 138, 9, '******4455'),
    text(340, 152, 9, 'Account type:'),
    text(425, 152, 9, 'Everyday Checking'),
    text(36, 110, 9, 'Sample Client'),
    text(36, 122, 9, '200 Example Avenue'),
    text(36, 134, 9, 'Springfield, IL 62704'),
    text(36, 200, 12, 'Account summary', true),
    text(36, 220, 9, 'Beginning balance on March 1, 2026'),
    text(400, 220, 9, '$12,345.67'),
    text(36, 234, 9, 'Deposits and other credits'),
    text(400, 234, 9, '+ $4,200.00'),
    text(36, 248, 9, 'Withdrawals and other debits'),
    text(400, 248, 9, '- $3,150.25'),
    text(36, 290, 12, 'Transactions', true),
    ...columns(310),
    ...row(326, '03/02', 'Payroll deposit Sample Employer LLC', '4,200.00', '16,545.67'),
    ...row(340, '03/05', 'Rent payment', '-2,400.00', '14,145.67'),
    ...row(354, '03/09', 'Grocery store', '-182.45', '13,963.22'),
    ...row(368, '03/15', 'Utility payment', '-96.80', '13,866.42'),
  ];
  const page2: TShape[] = [
    ...header(2),
    text(36, 110, 12, 'Transactions (continued)', true),
    ...columns(130),
    ...row(146, '03/21', 'Insurance premium', '-310.00', '13,556.42'),
    ...row(160, '03/28', 'Phone bill', '-161.00', '13,395.42'),
    text(36, 190, 9, 'Ending balance on March 31, 2026', true),
    text(500, 190, 9, '$13,395.42', true),
  ];
  return [
    { width: 612, height: 792, shapes: page1 },
    { width: 612, height: 792, shapes: page2 },
  ];
}

async function newPdf(title: string): Promise<PDFDocument> {
  const pdf = await PDFDocument.create();
  pdf.setTitle(title);
  pdf.setAuthor('CPA Platform test fixtures');
  pdf.setProducer('scripts/generate-document-fixtures.ts');
  pdf.setCreator('scripts/generate-document-fixtures.ts');
  pdf.setCreationDate(producedAt);
  pdf.setModificationDate(producedAt);
  return pdf;
}

async function textPdf(title: string, pages: TPage[]): Promise<Uint8Array> {
  const pdf = await newPdf(title);
  const regular = await pdf.embedFont(StandardFonts.Helvetica);
  const bold = await pdf.embedFont(StandardFonts.HelveticaBold);
  for (const layout of pages) {
    const page = pdf.addPage([layout.width, layout.height]);
    for (const shape of layout.shapes)
      drawOnPdf(page, shape, layout.height, shape.kind === 'text' && shape.bold ? bold : regular);
  }
  return pdf.save({ useObjectStreams: false });
}

function drawOnPdf(page: PDFPage, shape: TShape, pageHeight: number, font: PDFFont): void {
  if (shape.kind === 'text') {
    page.drawText(shape.text, {
      x: shape.x,
      y: pageHeight - shape.y,
      size: shape.size,
      font,
      color: rgb(0, 0, 0),
    });
  } else {
    page.drawRectangle({
      x: shape.x,
      y: pageHeight - shape.y - shape.height,
      width: shape.width,
      height: shape.height,
      borderColor: rgb(0.35, 0.35, 0.35),
      borderWidth: 0.6,
    });
  }
}

/** Renders a page (cropped to `cropHeight` points) as a scanner would: 200 dpi, slightly grey paper. */
function scanImage(layout: TPage, cropHeight: number): Buffer {
  if (!GlobalFonts.has('Liberation Sans')) {
    throw new Error(
      'The "Liberation Sans" font is needed to draw the scanned W-2 (Debian/Ubuntu: apt-get install fonts-liberation).',
    );
  }
  const dpi = 200;
  const scale = dpi / 72;
  const canvas = createCanvas(Math.round(layout.width * scale), Math.round(cropHeight * scale));
  const context = canvas.getContext('2d');
  context.fillStyle = '#f7f7f4';
  context.fillRect(0, 0, canvas.width, canvas.height);
  context.scale(scale, scale);
  for (const shape of layout.shapes) {
    if (shape.kind === 'text') {
      context.fillStyle = '#151515';
      context.font = `${shape.bold ? 'bold ' : ''}${shape.size}px "Liberation Sans"`;
      context.fillText(shape.text, shape.x, shape.y);
    } else {
      context.strokeStyle = '#5a5a5a';
      context.lineWidth = 0.6;
      context.strokeRect(shape.x, shape.y, shape.width, shape.height);
    }
  }
  const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
  return grayscalePng(canvas.width, canvas.height, data);
}

/** Encodes RGBA pixels as an 8-bit grayscale PNG, as a document scanner saves pages (a quarter of the size). */
function grayscalePng(width: number, height: number, rgba: Uint8ClampedArray): Buffer {
  const rows = Buffer.alloc((width + 1) * height);
  for (let y = 0; y < height; y += 1) {
    rows[y * (width + 1)] = 0; // filter: none
    for (let x = 0; x < width; x += 1) {
      const i = (y * width + x) * 4;
      const luma = 0.299 * rgba[i]! + 0.587 * rgba[i + 1]! + 0.114 * rgba[i + 2]!;
      rows[y * (width + 1) + 1 + x] = Math.round(luma);
    }
  }
  const chunk = (type: string, body: Buffer) => {
    const typed = Buffer.concat([Buffer.from(type, 'ascii'), body]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(body.length);
    const checksum = Buffer.alloc(4);
    checksum.writeUInt32BE(crc32(typed));
    return Buffer.concat([length, typed, checksum]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.writeUInt8(8, 8); // bit depth
  header.writeUInt8(0, 9); // colour type: grayscale
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A PDF whose only content is the scanned image (no text layer), the way a scanner saves one. */
async function scannedPdf(
  title: string,
  png: Buffer,
  widthPoints: number,
  heightPoints: number,
): Promise<Uint8Array> {
  const pdf = await newPdf(title);
  const image = await pdf.embedPng(png);
  const page = pdf.addPage([widthPoints, heightPoints]);
  page.drawImage(image, { x: 0, y: 0, width: widthPoints, height: heightPoints });
  return pdf.save({ useObjectStreams: false });
}

async function main(): Promise<void> {
  await mkdir(outputDir, { recursive: true });
  const w2 = w2Page();
  const scanHeight = 410;
  const png = scanImage(w2, scanHeight);
  const files: Array<[string, Uint8Array]> = [
    ['w2-text-layer.pdf', await textPdf('Sample W-2 (fictitious)', [w2])],
    ['1099-int.pdf', await textPdf('Sample 1099-INT (fictitious)', [form1099IntPage()])],
    ['bank-statement.pdf', await textPdf('Sample bank statement (fictitious)', bankStatementPages())],
    ['w2-scanned.png', png],
    ['w2-scanned.pdf', await scannedPdf('Sample scanned W-2 (fictitious)', png, w2.width, scanHeight)],
  ];
  for (const [name, bytes] of files) {
    if (bytes.byteLength > 200 * 1024)
      throw new Error(`${name} is ${bytes.byteLength} bytes; keep fixtures under 200 KB`);
    await writeFile(`${outputDir}${name}`, bytes);
    console.log(`${name.padEnd(20)} ${(bytes.byteLength / 1024).toFixed(1).padStart(6)} KB`);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
