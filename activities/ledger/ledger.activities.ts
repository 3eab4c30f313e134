/**
 * Ledger activities: a client's QuickBooks company through its stored connection. Run them on the
 * `integrations` task queue (one process keeps the per-realm limiter exact, see
 * integrations/ledger/quickbooks/realm-limiter.ts). Every write carries a requestid derived from its
 * business key; failures are classified by ledgerActivity (ledger-failures.ts).
 */
import { Context } from '@temporalio/activity';
import type { TActor } from '../../db/audit/actor';
import { createConnectionTokenSource } from '../../db/integrations/connection-token-source';
import { advanceSyncCursors, syncCursorOf } from '../../db/integrations/advance-sync-cursor';
import {
  IntegrationConnection,
  type IIntegrationConnection,
} from '../../db/integrations/integration-connection.entity';
import { reconnectNeededError } from '../../db/integrations/ledger-connection-errors';
import type { TForkable } from '../../db/tenancy/tenant-context';
import { forTenant } from '../../db/tenancy/tenant-context';
import type {
  Ledger,
  LedgerCompany,
  TDeposit,
  TLedgerEntityName,
  TLedgerReport,
  TPurchase,
  TQueryCondition,
} from '../../integrations/ledger/ledger';
import { cdcLookBackMs } from '../../integrations/ledger/quickbooks/rest-client';
import { reportTotal, toMinorUnits } from '../../integrations/ledger/quickbooks/reports';
import { AppError } from '../../lib/errors';
import { ledgerActivity } from './ledger-failures';

export interface LedgerActivityDeps {
  ledger: Ledger;
  orm: TForkable;
  /** Who acts when a connection is marked "reconnect needed" (the system unless given). */
  actor?: TActor;
}

/** The connection of a client to QuickBooks (the one that is not disconnected), or a business error. */
export async function clientLedgerConnection(
  orm: TForkable,
  input: { organizationId: string; clientId: string },
): Promise<IIntegrationConnection> {
  const connection = await forTenant(orm, input.organizationId).findOne(IntegrationConnection, {
    organization: input.organizationId,
    client: input.clientId,
    provider: 'quickbooks',
    status: { $ne: 'disconnected' },
  });
  if (!connection) {
    throw new AppError(
      'not_found',
      'This client has no QuickBooks connection. Connect it in Settings → Integrations.',
      {
        reason: 'ledger_not_connected',
      },
    );
  }
  if (connection.status === 'reconnect_needed') throw reconnectNeededError(connection.statusReason ?? null);
  return connection;
}

/**
 * The client's QuickBooks company, with tokens from its stored connection (refreshed and rotated as
 * needed). This is what other activity factories take as their `ledgerCompany` dependency.
 */
export function createLedgerCompanyResolver(deps: LedgerActivityDeps) {
  return async (input: { organizationId: string; clientId: string }): Promise<LedgerCompany> => {
    const connection = await clientLedgerConnection(deps.orm, input);
    const tokens = createConnectionTokenSource({
      orm: deps.orm,
      organizationId: input.organizationId,
      connectionId: connection.id,
      refresh: (refreshToken) => deps.ledger.refreshTokens(refreshToken),
      actor: deps.actor,
    });
    return deps.ledger.company(connection.externalId, tokens);
  };
}

/** The first and last day of a month (`2026-10` → 2026-10-01, 2026-10-31). */
export function monthBounds(period: string): { startDate: string; endDate: string } {
  const match = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(period);
  if (!match) throw new AppError('invalid_input', `"${period}" is not a month (yyyy-mm).`);
  const year = Number(match[1]);
  const month = Number(match[2]);
  const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return { startDate: `${period}-01`, endDate: `${period}-${String(last).padStart(2, '0')}` };
}

/** Accounts transactions wait in until someone says what they were. */
export const uncategorizedAccountNames = ['Uncategorized Expense', 'Uncategorized Income'] as const;

export interface TUncategorizedTransaction {
  entity: 'Purchase' | 'Deposit';
  id: string;
  syncToken: string;
  txnDate: string;
  lineId: string;
  /** Positive, in cents. */
  amountMinor: number;
  direction: 'out' | 'in';
  description: string;
  payee: string | null;
  accountId: string;
}

export interface TLedgerChangeSummary {
  entity: TLedgerEntityName;
  id: string;
  syncToken: string | null;
  txnDate: string | null;
  lastUpdated: string | null;
  deleted: boolean;
}

function heartbeat(details: unknown): void {
  try {
    Context.current().heartbeat(details);
  } catch {
    // Called outside an activity (tests, scripts): nothing to report to.
  }
}

export function createLedgerActivities(deps: LedgerActivityDeps) {
  const companyOf = createLedgerCompanyResolver(deps);

  return {
    /** Checks the connection works (refreshing its tokens if due); returns the company's name. */
    checkLedgerConnection(input: {
      organizationId: string;
      clientId: string;
    }): Promise<{ companyName: string; realmId: string }> {
      return ledgerActivity(async () => {
        const company = await companyOf(input);
        const info = await company.companyInfo();
        return { companyName: info.CompanyName, realmId: company.realmId };
      });
    },

    /**
     * What changed in the client's books since the last pull (change data capture), as summaries;
     * the connection's cursors move forward only after the changes were read. A first pull, or one
     * whose cursor is older than QuickBooks keeps changes, starts 29 days back.
     */
    pullLedgerChanges(input: {
      organizationId: string;
      clientId: string;
      entities: TLedgerEntityName[];
    }): Promise<{ changes: TLedgerChangeSummary[]; cursors: Record<string, string> }> {
      return ledgerActivity(async () => {
        const connection = await clientLedgerConnection(deps.orm, input);
        const company = await companyOf(input);
        const oldest = Date.now() - cdcLookBackMs + 86_400_000;
        const starts = input.entities.map((entity) => {
          const cursor = syncCursorOf(connection, entity);
          return cursor && cursor.getTime() > oldest ? cursor.getTime() : oldest;
        });
        let since = new Date(Math.min(...starts));
        const changes: TLedgerChangeSummary[] = [];
        for (let page = 0; page < 50; page++) {
          const set = await company.changesSince(input.entities, since);
          for (const [entity, list] of Object.entries(set.changed) as [
            TLedgerEntityName,
            { Id: string; SyncToken: string; TxnDate?: unknown; MetaData?: { LastUpdatedTime?: string } }[],
          ][]) {
            for (const item of list) {
              changes.push({
                entity,
                id: item.Id,
                syncToken: item.SyncToken,
                txnDate: typeof item.TxnDate === 'string' ? item.TxnDate : null,
                lastUpdated: item.MetaData?.LastUpdatedTime ?? null,
                deleted: false,
              });
            }
          }
          for (const gone of set.deleted) {
            changes.push({
              entity: gone.entity,
              id: gone.id,
              syncToken: null,
              txnDate: null,
              lastUpdated: gone.deletedAt.toISOString(),
              deleted: true,
            });
          }
          since = set.nextChangedSince;
          heartbeat({ page, changes: changes.length });
          if (!set.truncated) break;
        }
        const cursors = await advanceSyncCursors(forTenant(deps.orm, input.organizationId), {
          organizationId: input.organizationId,
          connectionId: connection.id,
          cursors: Object.fromEntries(input.entities.map((entity) => [entity, since])),
        });
        return { changes, cursors };
      });
    },

    /** Purchases and deposits of a month with a line still in an uncategorized account. */
    listUncategorizedTransactions(input: {
      organizationId: string;
      clientId: string;
      period: string;
    }): Promise<TUncategorizedTransaction[]> {
      return ledgerActivity(async () => {
        const company = await companyOf(input);
        const { startDate, endDate } = monthBounds(input.period);
        const accounts = await company.queryAll({
          from: 'Account',
          where: [['Name', 'IN', [...uncategorizedAccountNames]]],
        });
        const parked = new Set(accounts.map((a) => a.Id));
        if (parked.size === 0) return [];
        const inPeriod: TQueryCondition[] = [
          ['TxnDate', '>=', startDate],
          ['TxnDate', '<=', endDate],
        ];
        const purchases = await company.queryAll({
          from: 'Purchase',
          where: [...inPeriod],
          orderBy: [{ field: 'TxnDate' }],
        });
        const deposits = await company.queryAll({
          from: 'Deposit',
          where: [...inPeriod],
          orderBy: [{ field: 'TxnDate' }],
        });
        const found: TUncategorizedTransaction[] = [];
        const describe = (txn: TPurchase | TDeposit, lineDescription: string | undefined) =>
          (lineDescription ?? txn.PrivateNote ?? '').slice(0, 500);
        for (const purchase of purchases) {
          for (const [index, line] of purchase.Line.entries()) {
            const accountId = line.AccountBasedExpenseLineDetail?.AccountRef.value;
            if (!accountId || !parked.has(accountId)) continue;
            found.push({
              entity: 'Purchase',
              id: purchase.Id,
              syncToken: purchase.SyncToken,
              txnDate: purchase.TxnDate,
              lineId: line.Id ?? String(index + 1),
              amountMinor: Math.abs(toMinorUnits(line.Amount)),
              direction: 'out',
              description: describe(purchase, line.Description),
              payee: purchase.EntityRef?.name ?? null,
              accountId,
            });
          }
        }
        for (const deposit of deposits) {
          for (const [index, line] of deposit.Line.entries()) {
            const accountId = line.DepositLineDetail?.AccountRef?.value;
            if (!accountId || !parked.has(accountId)) continue;
            found.push({
              entity: 'Deposit',
              id: deposit.Id,
              syncToken: deposit.SyncToken,
              txnDate: deposit.TxnDate,
              lineId: line.Id ?? String(index + 1),
              amountMinor: Math.abs(toMinorUnits(line.Amount)),
              direction: 'in',
              description: describe(deposit, line.Description),
              payee: line.DepositLineDetail?.Entity?.name ?? null,
              accountId,
            });
          }
        }
        return found;
      });
    },

    /**
     * Moves one line of a purchase or deposit to the account the client's answer names. Idempotent:
     * the requestid is `categorize:<transactionId>:<answerId>` (with the version it is based on), and
     * a line already in that account is left alone.
     */
    categorizeTransaction(input: {
      organizationId: string;
      clientId: string;
      entity: 'Purchase' | 'Deposit';
      transactionId: string;
      lineId: string;
      accountId: string;
      answerId: string;
    }): Promise<{ syncToken: string; changed: boolean }> {
      return ledgerActivity(async () => {
        const company = await companyOf(input);
        const [account] = (await company.query({ from: 'Account', where: [['Id', '=', input.accountId]] }))
          .entities;
        if (!account) {
          throw new AppError(
            'invalid_input',
            `The account chosen (${input.accountId}) is not in the client's QuickBooks any more.`,
            {
              reason: 'ledger_account_missing',
            },
          );
        }
        const ref = { value: account.Id, name: account.Name };
        let changed = false;
        const lineIndex = (lines: { Id?: string }[]) => {
          const index = lines.findIndex((line, i) => (line.Id ?? String(i + 1)) === input.lineId);
          if (index < 0) {
            throw new AppError(
              'not_found',
              `Line ${input.lineId} of ${input.entity} ${input.transactionId} no longer exists in QuickBooks.`,
              {
                reason: 'ledger_line_missing',
              },
            );
          }
          return index;
        };
        const requestKey = `categorize:${input.transactionId}:${input.answerId}`;
        const updated =
          input.entity === 'Purchase'
            ? await company.update('Purchase', {
                id: input.transactionId,
                requestKey,
                change: (current) => {
                  const index = lineIndex(current.Line);
                  const line = current.Line[index]!;
                  if (line.AccountBasedExpenseLineDetail?.AccountRef.value === ref.value) return null;
                  changed = true;
                  return {
                    Line: current.Line.map((l, i) =>
                      i === index
                        ? {
                            ...l,
                            AccountBasedExpenseLineDetail: {
                              ...l.AccountBasedExpenseLineDetail,
                              AccountRef: ref,
                            },
                          }
                        : l,
                    ),
                  };
                },
              })
            : await company.update('Deposit', {
                id: input.transactionId,
                requestKey,
                change: (current) => {
                  const index = lineIndex(current.Line);
                  const line = current.Line[index]!;
                  if (line.DepositLineDetail?.AccountRef?.value === ref.value) return null;
                  changed = true;
                  return {
                    Line: current.Line.map((l, i) =>
                      i === index
                        ? { ...l, DepositLineDetail: { ...l.DepositLineDetail, AccountRef: ref } }
                        : l,
                    ),
                  };
                },
              });
        return { syncToken: updated.SyncToken, changed };
      });
    },

    /** The month's ProfitAndLoss and BalanceSheet, with the totals a close report shows (cents). */
    fetchLedgerReports(input: { organizationId: string; clientId: string; period: string }): Promise<{
      profitAndLoss: TLedgerReport;
      balanceSheet: TLedgerReport;
      totals: {
        incomeMinor: number;
        expensesMinor: number;
        netIncomeMinor: number;
        assetsMinor: number;
        liabilitiesAndEquityMinor: number;
      };
    }> {
      return ledgerActivity(async () => {
        const company = await companyOf(input);
        const period = monthBounds(input.period);
        const profitAndLoss = await company.report('ProfitAndLoss', period);
        const balanceSheet = await company.report('BalanceSheet', period);
        const minor = (value: number | null) => toMinorUnits(value ?? 0);
        return {
          profitAndLoss,
          balanceSheet,
          totals: {
            incomeMinor: minor(reportTotal(profitAndLoss, 'Income')),
            expensesMinor: minor(reportTotal(profitAndLoss, 'Expenses')),
            netIncomeMinor: minor(reportTotal(profitAndLoss, 'NetIncome')),
            assetsMinor: minor(reportTotal(balanceSheet, 'TotalAssets')),
            liabilitiesAndEquityMinor: minor(reportTotal(balanceSheet, 'TotalLiabilitiesAndEquity')),
          },
        };
      });
    },
  };
}

export type LedgerActivities = ReturnType<typeof createLedgerActivities>;
