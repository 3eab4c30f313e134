/**
 * QuickBooks reports (ProfitAndLoss, BalanceSheet) as a typed tree. The API answers with
 * `Header`, `Columns.Column[]` and nested `Rows.Row[]`, where a row is a section (Header, Rows,
 * Summary, `group`) or a data row (`ColData`); amounts are strings such as "1200.00".
 */
import { z } from 'zod';
import { LedgerError } from '../ledger-errors';

export const reportNames = ['ProfitAndLoss', 'BalanceSheet'] as const;
export type TReportName = (typeof reportNames)[number];

export type TReportRow =
  | {
      type: 'section';
      /** QuickBooks' name for the section: Income, Expenses, NetIncome, TotalAssets, … */
      group: string | null;
      title: string;
      rows: TReportRow[];
      summary: { label: string; amounts: (number | null)[] } | null;
    }
  | { type: 'data'; label: string; accountId: string | null; amounts: (number | null)[] };

export interface TLedgerReport {
  name: string;
  basis: string | null;
  startPeriod: string | null;
  endPeriod: string | null;
  currency: string | null;
  /** The amount columns (the first, label column is left out). */
  columns: { title: string; type: string }[];
  rows: TReportRow[];
  /** QuickBooks says there is no data for the period. */
  noData: boolean;
}

const ZColData = z.array(z.looseObject({ value: z.string().optional(), id: z.string().optional() }));

interface TRawRow {
  type?: string;
  group?: string;
  Header?: { ColData?: z.infer<typeof ZColData> };
  Rows?: { Row?: TRawRow[] };
  Summary?: { ColData?: z.infer<typeof ZColData> };
  ColData?: z.infer<typeof ZColData>;
}

const ZRawRow: z.ZodType<TRawRow> = z.lazy(() =>
  z.looseObject({
    type: z.string().optional(),
    group: z.string().optional(),
    Header: z.looseObject({ ColData: ZColData.optional() }).optional(),
    Rows: z.looseObject({ Row: z.array(ZRawRow).optional() }).optional(),
    Summary: z.looseObject({ ColData: ZColData.optional() }).optional(),
    ColData: ZColData.optional(),
  }),
);

export const ZRawReport = z.looseObject({
  Header: z.looseObject({
    ReportName: z.string(),
    ReportBasis: z.string().optional(),
    StartPeriod: z.string().optional(),
    EndPeriod: z.string().optional(),
    Currency: z.string().optional(),
    Option: z.array(z.looseObject({ Name: z.string().optional(), Value: z.string().optional() })).optional(),
  }),
  Columns: z
    .looseObject({
      Column: z.array(z.looseObject({ ColTitle: z.string().optional(), ColType: z.string().optional() })),
    })
    .optional(),
  Rows: z.looseObject({ Row: z.array(ZRawRow).optional() }).optional(),
});

function amount(value: string | undefined): number | null {
  if (value === undefined || value.trim() === '') return null;
  const parsed = Number(value);
  if (!Number.isFinite(parsed)) return null;
  return parsed;
}

function parseRow(row: TRawRow): TReportRow {
  if (row.ColData && !row.Rows && !row.Header) {
    const [label, ...rest] = row.ColData;
    return {
      type: 'data',
      label: label?.value ?? '',
      accountId: label?.id ?? null,
      amounts: rest.map((cell) => amount(cell.value)),
    };
  }
  const summary = row.Summary?.ColData;
  return {
    type: 'section',
    group: row.group ?? null,
    title: row.Header?.ColData?.[0]?.value ?? summary?.[0]?.value ?? '',
    rows: (row.Rows?.Row ?? []).map(parseRow),
    summary: summary
      ? { label: summary[0]?.value ?? '', amounts: summary.slice(1).map((cell) => amount(cell.value)) }
      : null,
  };
}

export function parseReport(json: unknown): TLedgerReport {
  const parsed = ZRawReport.safeParse(json);
  if (!parsed.success) {
    throw new LedgerError('unexpected_response', 'QuickBooks sent a report in an unexpected format.', {
      cause: parsed.error,
    });
  }
  const { Header, Columns, Rows } = parsed.data;
  const columns = (Columns?.Column ?? [])
    .slice(1)
    .map((c) => ({ title: c.ColTitle ?? '', type: c.ColType ?? '' }));
  return {
    name: Header.ReportName,
    basis: Header.ReportBasis ?? null,
    startPeriod: Header.StartPeriod ?? null,
    endPeriod: Header.EndPeriod ?? null,
    currency: Header.Currency ?? null,
    columns,
    rows: (Rows?.Row ?? []).map(parseRow),
    noData: (Header.Option ?? []).some((o) => o.Name === 'NoReportData' && o.Value === 'true'),
  };
}

/** The section with this group anywhere in the report (Income, NetIncome, TotalAssets, …). */
export function findReportSection(
  rows: readonly TReportRow[],
  group: string,
): Extract<TReportRow, { type: 'section' }> | null {
  for (const row of rows) {
    if (row.type !== 'section') continue;
    if (row.group === group) return row;
    const inner = findReportSection(row.rows, group);
    if (inner) return inner;
  }
  return null;
}

/** The total (last amount column of the summary) of a section, or null when the report has none. */
export function reportTotal(report: TLedgerReport, group: string): number | null {
  const section = findReportSection(report.rows, group);
  const amounts = section?.summary?.amounts ?? [];
  return amounts.length > 0 ? (amounts[amounts.length - 1] ?? null) : null;
}

/** A decimal amount in minor units (cents), rounded half away from zero. */
export function toMinorUnits(value: number): number {
  return Math.sign(value) * Math.round(Math.abs(value) * 100);
}
