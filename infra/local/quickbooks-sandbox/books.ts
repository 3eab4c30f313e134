/**
 * The books of the sandbox's companies: entities as QuickBooks Online returns them (JSON objects
 * with `Id`, string `SyncToken`, `MetaData`), their double-entry postings, and the change log that
 * change data capture and webhooks read.
 */

export const sandboxEntityNames = ['Account', 'Purchase', 'Deposit', 'JournalEntry'] as const;
export type TSandboxEntity = (typeof sandboxEntityNames)[number];

export function sandboxEntityFromPath(segment: string): TSandboxEntity | 'CompanyInfo' | undefined {
  const lower = segment.toLowerCase();
  if (lower === 'companyinfo') return 'CompanyInfo';
  return sandboxEntityNames.find((name) => name.toLowerCase() === lower);
}

export function isSandboxEntity(name: string): name is TSandboxEntity {
  return (sandboxEntityNames as readonly string[]).includes(name);
}

export type TJson = Record<string, unknown>;

export type TOperation = 'Create' | 'Update' | 'Delete';

export interface TChange {
  realmId: string;
  entity: TSandboxEntity;
  id: string;
  operation: TOperation;
  at: string;
}

export interface TRealm {
  id: string;
  companyName: string;
  createdAt: string;
  /** Next entity ID (QuickBooks IDs are per-company numeric strings). */
  nextId: number;
  entities: Record<TSandboxEntity, Record<string, TJson>>;
  deleted: { entity: TSandboxEntity; id: string; at: string }[];
  /** requestid → the response first given for it (status and body). */
  requests: Record<string, { status: number; body: string }>;
  /** Where this company's webhooks go, when it differs from the sandbox's default. */
  webhook?: { url: string; format: 'cloudevents' | 'legacy' };
}

export function emptyRealm(id: string, companyName: string, now: Date): TRealm {
  return {
    id,
    companyName,
    createdAt: now.toISOString(),
    nextId: 1,
    entities: { Account: {}, Purchase: {}, Deposit: {}, JournalEntry: {} },
    deleted: [],
    requests: {},
  };
}

/** Account classification → which side increases the balance. */
const debitNormal = new Set(['Asset', 'Expense']);

export function refValue(value: unknown): string | undefined {
  if (typeof value === 'object' && value !== null && typeof (value as TJson).value === 'string') {
    return (value as TJson).value as string;
  }
  return undefined;
}

function lines(entity: TJson): TJson[] {
  return Array.isArray(entity.Line)
    ? (entity.Line as TJson[]).filter((l) => typeof l === 'object' && l !== null)
    : [];
}

function amountOf(line: TJson): number {
  return typeof line.Amount === 'number' && Number.isFinite(line.Amount) ? line.Amount : 0;
}

/** Debits (positive) and credits (negative) of a transaction, by account ID. */
export function postingsOf(kind: TSandboxEntity, entity: TJson): { accountId: string; amount: number }[] {
  const out: { accountId: string; amount: number }[] = [];
  if (kind === 'Purchase') {
    let total = 0;
    for (const line of lines(entity)) {
      const detail = line.AccountBasedExpenseLineDetail as TJson | undefined;
      const account = refValue(detail?.AccountRef);
      if (!account) continue;
      out.push({ accountId: account, amount: amountOf(line) });
      total += amountOf(line);
    }
    const paidFrom = refValue(entity.AccountRef);
    if (paidFrom) out.push({ accountId: paidFrom, amount: -total });
  } else if (kind === 'Deposit') {
    let total = 0;
    for (const line of lines(entity)) {
      const detail = line.DepositLineDetail as TJson | undefined;
      const account = refValue(detail?.AccountRef);
      if (!account) continue;
      out.push({ accountId: account, amount: -amountOf(line) });
      total += amountOf(line);
    }
    const depositTo = refValue(entity.DepositToAccountRef);
    if (depositTo) out.push({ accountId: depositTo, amount: total });
  } else if (kind === 'JournalEntry') {
    for (const line of lines(entity)) {
      const detail = line.JournalEntryLineDetail as TJson | undefined;
      const account = refValue(detail?.AccountRef);
      if (!account) continue;
      out.push({
        accountId: account,
        amount: detail?.PostingType === 'Credit' ? -amountOf(line) : amountOf(line),
      });
    }
  }
  return out;
}

export const transactionEntities = ['Purchase', 'Deposit', 'JournalEntry'] as const;

/** Net debits per account over transactions dated within [from, to] (inclusive; either may be open). */
export function netDebits(
  realm: TRealm,
  from: string | undefined,
  to: string | undefined,
): Map<string, number> {
  const totals = new Map<string, number>();
  for (const kind of transactionEntities) {
    for (const entity of Object.values(realm.entities[kind])) {
      const date = typeof entity.TxnDate === 'string' ? entity.TxnDate : '';
      if ((from && date < from) || (to && date > to)) continue;
      for (const posting of postingsOf(kind, entity)) {
        totals.set(posting.accountId, round2((totals.get(posting.accountId) ?? 0) + posting.amount));
      }
    }
  }
  return totals;
}

export function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

/** An account's balance in its natural sign (assets and expenses debit-positive, the rest credit-positive). */
export function naturalBalance(account: TJson, netDebit: number): number {
  return round2(debitNormal.has(String(account.Classification)) ? netDebit : -netDebit);
}

/** The accounts with CurrentBalance computed from every posting, as QuickBooks shows them. */
export function accountsWithBalances(realm: TRealm): TJson[] {
  const totals = netDebits(realm, undefined, undefined);
  return Object.values(realm.entities.Account).map((account) => {
    const balance = naturalBalance(account, totals.get(String(account.Id)) ?? 0);
    return { ...account, CurrentBalance: balance, CurrentBalanceWithSubAccounts: balance };
  });
}

/** A transaction's total, recomputed from its lines after a change. */
export function recomputeTotals(kind: TSandboxEntity, entity: TJson): void {
  if (kind === 'Purchase' || kind === 'Deposit') {
    entity.TotalAmt = round2(lines(entity).reduce((sum, line) => sum + amountOf(line), 0));
  } else if (kind === 'JournalEntry') {
    entity.TotalAmt = round2(
      lines(entity)
        .filter((line) => (line.JournalEntryLineDetail as TJson | undefined)?.PostingType === 'Debit')
        .reduce((sum, line) => sum + amountOf(line), 0),
    );
  }
}
