/**
 * ProfitAndLoss and BalanceSheet computed from a sandbox company's postings, in QuickBooks' report
 * JSON (Header, Columns, nested Rows with sections, data rows and summaries; amounts as strings).
 * The fiscal year is the calendar year; the basis is accrual (the sandbox has no open invoices or
 * bills, so both bases agree).
 */
import { naturalBalance, netDebits, round2, type TJson, type TRealm } from './books';

const money = (value: number) => round2(value).toFixed(2);

function data(account: TJson, amount: number): TJson {
  return {
    ColData: [{ value: String(account.Name), id: String(account.Id) }, { value: money(amount) }],
    type: 'Data',
  };
}

function section(group: string, title: string, rows: TJson[], summaryLabel: string, total: number): TJson {
  return {
    Header: { ColData: [{ value: title }, { value: '' }] },
    Rows: { Row: rows },
    Summary: { ColData: [{ value: summaryLabel }, { value: money(total) }] },
    type: 'Section',
    group,
  };
}

function summaryRow(group: string, label: string, total: number): TJson {
  return { Summary: { ColData: [{ value: label }, { value: money(total) }] }, type: 'Section', group };
}

function header(name: string, start: string, end: string, noData: boolean, now: Date): TJson {
  return {
    Time: now.toISOString(),
    ReportName: name,
    ReportBasis: 'Accrual',
    StartPeriod: start,
    EndPeriod: end,
    SummarizeColumnsBy: 'Total',
    Currency: 'USD',
    Option: [
      { Name: 'AccountingStandard', Value: 'GAAP' },
      { Name: 'NoReportData', Value: noData ? 'true' : 'false' },
    ],
  };
}

const columns = {
  Column: [
    { ColTitle: '', ColType: 'Account', MetaData: [{ Name: 'ColKey', Value: 'account' }] },
    { ColTitle: 'Total', ColType: 'Money', MetaData: [{ Name: 'ColKey', Value: 'total' }] },
  ],
};

function accountsOfType(realm: TRealm, types: string[]): TJson[] {
  return Object.values(realm.entities.Account)
    .filter((account) => types.includes(String(account.AccountType)))
    .sort((a, b) => String(a.Name).localeCompare(String(b.Name)));
}

/** Rows (non-zero accounts) and their total, amounts in each account's natural sign. */
function block(
  realm: TRealm,
  totals: Map<string, number>,
  types: string[],
): { rows: TJson[]; total: number } {
  const rows: TJson[] = [];
  let total = 0;
  for (const account of accountsOfType(realm, types)) {
    const amount = naturalBalance(account, totals.get(String(account.Id)) ?? 0);
    if (amount === 0) continue;
    rows.push(data(account, amount));
    total = round2(total + amount);
  }
  return { rows, total };
}

/** Net income of postings dated in [from, to]. */
function netIncome(realm: TRealm, from: string | undefined, to: string): number {
  const totals = netDebits(realm, from, to);
  const income = block(realm, totals, ['Income', 'Other Income']).total;
  const costs = block(realm, totals, ['Cost of Goods Sold', 'Expense', 'Other Expense']).total;
  return round2(income - costs);
}

export function profitAndLoss(realm: TRealm, start: string, end: string, now: Date): TJson {
  const totals = netDebits(realm, start, end);
  const income = block(realm, totals, ['Income']);
  const cogs = block(realm, totals, ['Cost of Goods Sold']);
  const expenses = block(realm, totals, ['Expense']);
  const otherIncome = block(realm, totals, ['Other Income']);
  const otherExpenses = block(realm, totals, ['Other Expense']);
  const grossProfit = round2(income.total - cogs.total);
  const operating = round2(grossProfit - expenses.total);
  const other = round2(otherIncome.total - otherExpenses.total);
  const rows: TJson[] = [section('Income', 'Income', income.rows, 'Total Income', income.total)];
  if (cogs.rows.length > 0)
    rows.push(section('COGS', 'Cost of Goods Sold', cogs.rows, 'Total Cost of Goods Sold', cogs.total));
  rows.push(summaryRow('GrossProfit', 'Gross Profit', grossProfit));
  rows.push(section('Expenses', 'Expenses', expenses.rows, 'Total Expenses', expenses.total));
  rows.push(summaryRow('NetOperatingIncome', 'Net Operating Income', operating));
  if (otherIncome.rows.length > 0) {
    rows.push(
      section('OtherIncome', 'Other Income', otherIncome.rows, 'Total Other Income', otherIncome.total),
    );
  }
  if (otherExpenses.rows.length > 0) {
    rows.push(
      section(
        'OtherExpenses',
        'Other Expenses',
        otherExpenses.rows,
        'Total Other Expenses',
        otherExpenses.total,
      ),
    );
  }
  if (otherIncome.rows.length > 0 || otherExpenses.rows.length > 0) {
    rows.push(summaryRow('NetOtherIncome', 'Net Other Income', other));
  }
  rows.push(summaryRow('NetIncome', 'Net Income', round2(operating + other)));
  const noData = [income, cogs, expenses, otherIncome, otherExpenses].every((b) => b.rows.length === 0);
  return { Header: header('ProfitAndLoss', start, end, noData, now), Columns: columns, Rows: { Row: rows } };
}

export function balanceSheet(realm: TRealm, start: string, end: string, now: Date): TJson {
  const totals = netDebits(realm, undefined, end);
  const assetGroups: [string, string, string[]][] = [
    ['BankAccounts', 'Bank Accounts', ['Bank']],
    ['AR', 'Accounts Receivable', ['Accounts Receivable']],
    ['OtherCurrentAssets', 'Other Current Assets', ['Other Current Asset']],
    ['FixedAssets', 'Fixed Assets', ['Fixed Asset']],
    ['OtherAssets', 'Other Assets', ['Other Asset']],
  ];
  const liabilityGroups: [string, string, string[]][] = [
    ['AP', 'Accounts Payable', ['Accounts Payable']],
    ['CreditCards', 'Credit Cards', ['Credit Card']],
    ['OtherCurrentLiabilities', 'Other Current Liabilities', ['Other Current Liability']],
    ['LongTermLiabilities', 'Long-Term Liabilities', ['Long Term Liability']],
  ];
  const sections = (groups: [string, string, string[]][]) => {
    const rows: TJson[] = [];
    let total = 0;
    for (const [group, title, types] of groups) {
      const part = block(realm, totals, types);
      if (part.rows.length === 0) continue;
      rows.push(section(group, title, part.rows, `Total ${title}`, part.total));
      total = round2(total + part.total);
    }
    return { rows, total };
  };
  const assets = sections(assetGroups);
  const liabilities = sections(liabilityGroups);
  const equityAccounts = block(realm, totals, ['Equity']);
  const fiscalYearStart = `${end.slice(0, 4)}-01-01`;
  const priorYearsEnd = new Date(Date.parse(`${fiscalYearStart}T00:00:00Z`) - 86_400_000)
    .toISOString()
    .slice(0, 10);
  const retained = netIncome(realm, undefined, priorYearsEnd);
  const current = netIncome(realm, fiscalYearStart, end);
  const equityRows = [
    ...equityAccounts.rows,
    { ColData: [{ value: 'Retained Earnings' }, { value: money(retained) }], type: 'Data' },
    { ColData: [{ value: 'Net Income' }, { value: money(current) }], type: 'Data' },
  ];
  const equityTotal = round2(equityAccounts.total + retained + current);
  const liabilitiesAndEquity = round2(liabilities.total + equityTotal);
  const rows: TJson[] = [
    section('TotalAssets', 'ASSETS', assets.rows, 'TOTAL ASSETS', assets.total),
    section(
      'TotalLiabilitiesAndEquity',
      'LIABILITIES AND EQUITY',
      [
        section('Liabilities', 'Liabilities', liabilities.rows, 'Total Liabilities', liabilities.total),
        section('Equity', 'Equity', equityRows, 'Total Equity', equityTotal),
      ],
      'TOTAL LIABILITIES AND EQUITY',
      liabilitiesAndEquity,
    ),
  ];
  const noData =
    assets.rows.length === 0 && liabilities.rows.length === 0 && equityAccounts.rows.length === 0;
  return { Header: header('BalanceSheet', start, end, noData, now), Columns: columns, Rows: { Row: rows } };
}
