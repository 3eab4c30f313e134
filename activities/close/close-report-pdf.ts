/**
 * The monthly close report as a PDF (pdf-lib, standard Helvetica): period profit and loss, balance
 * summary, bank reconciliations, the client's answers about uncategorized transactions, and staff
 * adjustments. Pure: the same data gives the same bytes (no dates read from the clock).
 */
import { PDFDocument, StandardFonts, rgb, type PDFFont, type PDFPage } from 'pdf-lib';
import { formatUsd } from '../../workflows/tax-return/tax-return.contracts';

export interface TCloseReportData {
  firmName: string;
  clientName: string;
  periodLabel: string;
  /** `yyyy-mm-dd` of the period's first and last day. */
  startDate: string;
  endDate: string;
  /** When the report was produced (shown on it and stored in its metadata). */
  producedAt: Date;
  profitAndLoss: {
    income: { label: string; amountMinor: number }[];
    expenses: { label: string; amountMinor: number }[];
    totalIncomeMinor: number | null;
    totalExpensesMinor: number | null;
    netIncomeMinor: number | null;
  };
  balances: {
    totalAssetsMinor: number | null;
    totalLiabilitiesMinor: number | null;
    totalEquityMinor: number | null;
  };
  reconciliations: {
    accountName: string;
    statementDate: string;
    statementMinor: number;
    ledgerMinor: number;
    differenceMinor: number;
    status: 'matched' | 'discrepancy' | 'accepted';
    note: string | null;
  }[];
  questions: {
    txnDate: string;
    description: string;
    amountMinor: number;
    answer: string;
    note: string | null;
  }[];
  adjustments: { description: string; amountMinor: number; accountName: string | null }[];
}

const pageSize: [number, number] = [612, 792];
const margin = 54;
const ink = rgb(0.11, 0.13, 0.17);
const muted = rgb(0.38, 0.41, 0.47);

/** Helvetica in pdf-lib encodes WinAnsi only: anything else is spelled plainly. */
function printable(text: string): string {
  return text
    .replace(/[\u2018\u2019]/g, "'")
    .replace(/[\u201c\u201d]/g, '"')
    .replace(/[\u2013\u2014]/g, '-')
    .replace(/\u2026/g, '...')
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^\x20-\x7e]/g, '?');
}

const money = (minor: number | null) => (minor === null ? 'n/a' : formatUsd(minor));

class Writer {
  private page: PDFPage;
  private y: number;

  constructor(
    private readonly doc: PDFDocument,
    private readonly regular: PDFFont,
    private readonly bold: PDFFont,
  ) {
    this.page = doc.addPage(pageSize);
    this.y = pageSize[1] - margin;
  }

  private ensure(height: number): void {
    if (this.y - height >= margin) return;
    this.page = this.doc.addPage(pageSize);
    this.y = pageSize[1] - margin;
  }

  /** Wraps text to the width; returns the lines. */
  private wrap(text: string, font: PDFFont, size: number, width: number): string[] {
    const words = printable(text).split(/\s+/).filter(Boolean);
    const lines: string[] = [];
    let line = '';
    for (const word of words) {
      const next = line ? `${line} ${word}` : word;
      if (font.widthOfTextAtSize(next, size) <= width || !line) line = next;
      else {
        lines.push(line);
        line = word;
      }
    }
    if (line) lines.push(line);
    return lines.length > 0 ? lines : [''];
  }

  heading(text: string, size = 13): void {
    this.ensure(size + 16);
    this.y -= 8;
    this.page.drawText(printable(text), { x: margin, y: this.y - size, size, font: this.bold, color: ink });
    this.y -= size + 6;
  }

  paragraph(text: string, options: { size?: number; color?: typeof ink } = {}): void {
    const size = options.size ?? 10;
    for (const line of this.wrap(text, this.regular, size, pageSize[0] - 2 * margin)) {
      this.ensure(size + 4);
      this.page.drawText(line, {
        x: margin,
        y: this.y - size,
        size,
        font: this.regular,
        color: options.color ?? ink,
      });
      this.y -= size + 4;
    }
  }

  /** A label and a right-aligned amount. */
  row(label: string, amount: string, options: { bold?: boolean; indent?: number } = {}): void {
    const size = 10;
    const font = options.bold ? this.bold : this.regular;
    const amountWidth = font.widthOfTextAtSize(printable(amount), size);
    const lines = this.wrap(label, font, size, pageSize[0] - 2 * margin - 110 - (options.indent ?? 0));
    for (const [index, line] of lines.entries()) {
      this.ensure(size + 4);
      this.page.drawText(line, {
        x: margin + (options.indent ?? 0),
        y: this.y - size,
        size,
        font,
        color: ink,
      });
      if (index === 0) {
        this.page.drawText(printable(amount), {
          x: pageSize[0] - margin - amountWidth,
          y: this.y - size,
          size,
          font,
          color: ink,
        });
      }
      this.y -= size + 4;
    }
  }

  rule(): void {
    this.ensure(8);
    this.page.drawLine({
      start: { x: margin, y: this.y - 3 },
      end: { x: pageSize[0] - margin, y: this.y - 3 },
      thickness: 0.5,
      color: muted,
    });
    this.y -= 8;
  }
}

export async function renderCloseReportPdf(data: TCloseReportData): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.setTitle(printable(`Close report ${data.periodLabel}: ${data.clientName}`));
  doc.setAuthor(printable(data.firmName));
  doc.setProducer('CPA Platform');
  doc.setCreator('CPA Platform');
  doc.setCreationDate(data.producedAt);
  doc.setModificationDate(data.producedAt);
  const regular = await doc.embedFont(StandardFonts.Helvetica);
  const bold = await doc.embedFont(StandardFonts.HelveticaBold);
  const w = new Writer(doc, regular, bold);

  w.heading(`${data.clientName}: close report for ${data.periodLabel}`, 16);
  w.paragraph(
    `Prepared by ${data.firmName} for ${data.startDate} to ${data.endDate}. Produced ${data.producedAt.toISOString().slice(0, 10)}.`,
    { color: muted },
  );

  w.heading('Profit and loss');
  for (const line of data.profitAndLoss.income) w.row(line.label, money(line.amountMinor), { indent: 12 });
  w.row('Total income', money(data.profitAndLoss.totalIncomeMinor), { bold: true });
  for (const line of data.profitAndLoss.expenses) w.row(line.label, money(line.amountMinor), { indent: 12 });
  w.row('Total expenses', money(data.profitAndLoss.totalExpensesMinor), { bold: true });
  w.rule();
  w.row('Net income', money(data.profitAndLoss.netIncomeMinor), { bold: true });

  w.heading(`Balance summary at ${data.endDate}`);
  w.row('Total assets', money(data.balances.totalAssetsMinor));
  w.row('Total liabilities', money(data.balances.totalLiabilitiesMinor));
  w.row('Total equity', money(data.balances.totalEquityMinor));

  w.heading('Bank reconciliation');
  if (data.reconciliations.length === 0) w.paragraph('No bank accounts were reconciled.');
  for (const r of data.reconciliations) {
    w.row(`${r.accountName}: statement ending ${r.statementDate}`, money(r.statementMinor), { bold: true });
    w.row('Balance in the books', money(r.ledgerMinor), { indent: 12 });
    w.row(
      r.status === 'matched'
        ? 'Difference (reconciled)'
        : r.status === 'accepted'
          ? 'Difference (explained)'
          : 'Difference (open)',
      money(r.differenceMinor),
      { indent: 12 },
    );
    if (r.note) w.paragraph(`Explanation: ${r.note}`, { size: 9, color: muted });
  }

  w.heading('Your answers about uncategorized transactions');
  if (data.questions.length === 0) w.paragraph('There were no uncategorized transactions this month.');
  for (const q of data.questions) {
    w.row(`${q.txnDate} ${q.description}`, money(q.amountMinor));
    w.paragraph(`Categorized as: ${q.answer}${q.note ? ` (note: ${q.note})` : ''}`, {
      size: 9,
      color: muted,
    });
  }

  w.heading('Adjustments');
  if (data.adjustments.length === 0) w.paragraph('No adjustments were made.');
  for (const a of data.adjustments) {
    w.row(`${a.description}${a.accountName ? ` (${a.accountName})` : ''}`, money(a.amountMinor));
  }

  return doc.save({ useObjectStreams: false });
}
