/**
 * The monthly close's activities that talk to QuickBooks. They run on the `integrations` task queue,
 * next to the ledger activities whose per-realm limiter they share, and build on them: change data
 * capture with the connection's stored cursor, the month's uncategorized lines, categorization with
 * a `requestid` per answer.
 */
import { createHash } from 'node:crypto';
import { systemActor } from '../../db/audit/actor';
import { CloseAdjustment } from '../../db/close/close-adjustment.entity';
import { CloseQuestion } from '../../db/close/close-question.entity';
import { CloseReconciliation } from '../../db/close/close-reconciliation.entity';
import { markCloseQuestionWrittenBack } from '../../db/close/mark-close-question-written-back';
import { recordCloseQuestions } from '../../db/close/record-close-questions';
import { recordCloseReport } from '../../db/close/record-close-report';
import { recordReconciliation } from '../../db/close/record-reconciliation';
import { Document } from '../../db/documents/document.entity';
import { Engagement } from '../../db/engagements/engagement.entity';
import { Organization } from '../../db/organizations/organization.entity';
import { forTenant } from '../../db/tenancy/tenant-context';
import type { TAccount, TLedgerReport, TReportRow } from '../../integrations/ledger/ledger';
import { reportTotal, toMinorUnits } from '../../integrations/ledger/quickbooks/reports';
import type { BlobStorage } from '../../integrations/storage/blob-storage';
import { documentBlobKey } from '../../integrations/storage/blob-keys';
import { AppError } from '../../lib/errors';
import {
  periodBounds,
  periodLabel,
  type TCloseBankAccountRef,
} from '../../workflows/close/monthly-close.contracts';
import { formatUsd } from '../../workflows/tax-return/tax-return.contracts';
import {
  createLedgerActivities,
  createLedgerCompanyResolver,
  type LedgerActivityDeps,
} from '../ledger/ledger.activities';
import { ledgerActivity } from '../ledger/ledger-failures';
import { renderCloseReportPdf, type TCloseReportData } from './close-report-pdf';

export interface CloseLedgerActivityDeps extends LedgerActivityDeps {
  storage: BlobStorage;
}

/** Where the close's questions stand, for `getStatus`. */
export interface TCloseQuestionCounts {
  total: number;
  open: number;
  answered: number;
  writtenBack: number;
  needsStaff: number;
  resolvedInLedger: number;
}

export interface TSyncCloseQuestionsResult {
  /** Questions created by this pull. */
  created: number;
  /** Questions closed because the line was categorized (or removed) in QuickBooks. */
  resolvedInLedger: number;
  /** Changes to purchases and deposits since the connection's stored cursor. */
  changesSeen: number;
  counts: TCloseQuestionCounts;
  /** Answered questions not yet in the ledger (a restart finds them here). */
  toWriteBack: string[];
}

/** Categories a client may choose: active expense accounts for money out, income accounts for money in. */
function categoryOptions(accounts: TAccount[], exclude: Set<string>) {
  const options = (classification: string) =>
    accounts
      .filter((a) => a.Active !== false && a.Classification === classification && !exclude.has(a.Id))
      .map((a) => ({ accountId: a.Id, name: a.FullyQualifiedName ?? a.Name }))
      .sort((x, y) => x.name.localeCompare(y.name))
      .slice(0, 60);
  return { expense: options('Expense'), income: options('Revenue') };
}

/** The amount of an account's data row anywhere in a report (a balance sheet), in cents. */
export function accountAmount(rows: readonly TReportRow[], accountId: string): number | null {
  for (const row of rows) {
    if (row.type === 'data' && row.accountId === accountId) {
      const value = row.amounts.at(-1);
      return value === null || value === undefined ? null : toMinorUnits(value);
    }
    if (row.type === 'section') {
      const inner = accountAmount(row.rows, accountId);
      if (inner !== null) return inner;
    }
  }
  return null;
}

function sectionLines(report: TLedgerReport, group: string): { label: string; amountMinor: number }[] {
  const walk = (rows: readonly TReportRow[]): TReportRow[] =>
    rows.flatMap((row) => (row.type === 'section' ? walk(row.rows) : [row]));
  const section = report.rows.find((row) => row.type === 'section' && row.group === group);
  if (!section || section.type !== 'section') return [];
  return walk(section.rows)
    .filter((row): row is Extract<TReportRow, { type: 'data' }> => row.type === 'data')
    .map((row) => ({ label: row.label, amountMinor: toMinorUnits(row.amounts.at(-1) ?? 0) }))
    .filter((line) => line.amountMinor !== 0);
}

const minorOrNull = (value: number | null) => (value === null ? null : toMinorUnits(value));

/** A stable UUID-shaped ID from a business key (a retried activity writes the same blob). */
export function derivedUuid(key: string): string {
  const hex = createHash('sha256').update(key).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export function createCloseLedgerActivities(deps: CloseLedgerActivityDeps) {
  const { orm, storage } = deps;
  const ledger = createLedgerActivities(deps);
  const companyOf = createLedgerCompanyResolver(deps);

  async function questionCounts(organizationId: string, engagementId: string) {
    const questions = await forTenant(orm, organizationId).find(CloseQuestion, { engagement: engagementId });
    const count = (status: string) => questions.filter((q) => q.status === status).length;
    return {
      counts: {
        total: questions.length,
        open: count('open'),
        answered: count('answered'),
        writtenBack: count('written_back'),
        needsStaff: count('needs_staff'),
        resolvedInLedger: count('resolved_in_ledger'),
      },
      toWriteBack: questions.filter((q) => q.status === 'answered').map((q) => q.id),
    };
  }

  return {
    /**
     * Reads what changed since the connection's stored cursor (change data capture; the cursor moves
     * on), then the month's uncategorized lines, and turns them into client questions: new lines are
     * asked, lines categorized in QuickBooks meanwhile are closed. Idempotent.
     */
    async syncCloseQuestions(input: {
      organizationId: string;
      clientId: string;
      engagementId: string;
      period: string;
    }): Promise<TSyncCloseQuestionsResult> {
      const { startDate, endDate } = periodBounds(input.period);
      const pulled = await ledger.pullLedgerChanges({ ...input, entities: ['Purchase', 'Deposit'] });
      const changesSeen = pulled.changes.filter(
        (c) => c.deleted || (c.txnDate !== null && c.txnDate >= startDate && c.txnDate <= endDate),
      ).length;
      const lines = await ledger.listUncategorizedTransactions(input);
      return ledgerActivity(async () => {
        const company = await companyOf(input);
        const accounts = await company.queryAll({ from: 'Account' });
        const options = categoryOptions(accounts, new Set(lines.map((l) => l.accountId)));
        const recorded = await recordCloseQuestions(forTenant(orm, input.organizationId), {
          organizationId: input.organizationId,
          engagementId: input.engagementId,
          uncategorized: lines.map((line) => ({
            txnEntity: line.entity,
            txnId: line.id,
            lineId: line.lineId,
            txnDate: line.txnDate,
            amountMinor: line.amountMinor,
            direction: line.direction === 'out' ? 'expense' : 'income',
            description: line.description || (line.direction === 'out' ? 'Payment' : 'Deposit'),
            payee: line.payee,
            currentAccountId: line.accountId,
            options: line.direction === 'out' ? options.expense : options.income,
          })),
          actor: systemActor,
        });
        return {
          created: recorded.created,
          resolvedInLedger: recorded.resolvedInLedger,
          changesSeen,
          ...(await questionCounts(input.organizationId, input.engagementId)),
        };
      });
    },

    /**
     * Writes one answer to QuickBooks (the line moves to the chosen account) and records it. The
     * ledger write carries the requestid `categorize:<transactionId>:<questionId>`, so a retry after
     * a lost response is answered with the first result instead of a second write.
     */
    async writeBackCloseAnswer(input: {
      organizationId: string;
      clientId: string;
      questionId: string;
    }): Promise<{ outcome: 'written' | 'already_written' | 'already_categorized' }> {
      return ledgerActivity(async () => {
        const em = forTenant(orm, input.organizationId);
        const question = await em.findOneOrFail(CloseQuestion, { id: input.questionId });
        if (question.status === 'written_back') return { outcome: 'already_written' as const };
        if (question.status !== 'answered' || !question.answerAccountId) {
          throw new AppError('conflict', 'This question has no answer to write to the ledger.', {
            reason: 'not_answered',
          });
        }
        if (question.txnEntity !== 'Purchase' && question.txnEntity !== 'Deposit') {
          throw new AppError('invalid_input', `A ${question.txnEntity} cannot be categorized.`);
        }
        const result = await ledger.categorizeTransaction({
          organizationId: input.organizationId,
          clientId: input.clientId,
          entity: question.txnEntity,
          transactionId: question.txnId,
          lineId: question.lineId,
          accountId: question.answerAccountId,
          answerId: question.id,
        });
        await markCloseQuestionWrittenBack(em, {
          organizationId: input.organizationId,
          questionId: question.id,
          at: new Date(),
        });
        return { outcome: result.changed ? ('written' as const) : ('already_categorized' as const) };
      });
    },

    /** Compares a statement's ending balance with the ledger's balance of the account on that date. */
    async reconcileAccount(input: {
      organizationId: string;
      clientId: string;
      engagementId: string;
      period: string;
      account: TCloseBankAccountRef;
      statement: {
        endingBalanceMinor: number;
        statementDate: string;
        source: 'document' | 'staff';
        documentId: string | null;
      };
    }): Promise<{
      status: 'matched' | 'discrepancy' | 'accepted';
      ledgerBalanceMinor: number;
      differenceMinor: number;
    }> {
      return ledgerActivity(async () => {
        const company = await companyOf(input);
        const report = await company.report('BalanceSheet', {
          startDate: periodBounds(input.period).startDate,
          endDate: input.statement.statementDate,
          accountingMethod: 'Accrual',
        });
        const ledgerBalanceMinor = accountAmount(report.rows, input.account.ledgerAccountId) ?? 0;
        const row = await recordReconciliation(forTenant(orm, input.organizationId), {
          organizationId: input.organizationId,
          engagementId: input.engagementId,
          ledgerAccountId: input.account.ledgerAccountId,
          accountName: input.account.name,
          statementDate: input.statement.statementDate,
          statementEndingBalanceMinor: input.statement.endingBalanceMinor,
          statementSource: input.statement.source,
          statementDocumentId: input.statement.documentId,
          ledgerBalanceMinor,
          at: new Date(),
          actor: systemActor,
        });
        return { status: row.status, ledgerBalanceMinor, differenceMinor: row.differenceMinor };
      });
    },

    /**
     * Produces the close report PDF (the month's P&L and balance summary from QuickBooks,
     * reconciliations, the client's answers, adjustments), stores it under a key derived from the
     * close, and records it as the close's Document. Idempotent: a retry finds the same Document.
     */
    async produceCloseReport(input: {
      organizationId: string;
      clientId: string;
      engagementId: string;
      period: string;
    }): Promise<{ documentId: string; highlights: string[] }> {
      return ledgerActivity(async () => {
        const em = forTenant(orm, input.organizationId);
        const blobKey = documentBlobKey(
          input.organizationId,
          derivedUuid(`close-report:${input.engagementId}`),
        );
        const engagement = await em.findOneOrFail(
          Engagement,
          { id: input.engagementId },
          { populate: ['client'] },
        );
        const questions = await em.find(
          CloseQuestion,
          {
            engagement: input.engagementId,
            status: { $in: ['written_back', 'answered', 'needs_staff', 'resolved_in_ledger'] },
          },
          { orderBy: { txnDate: 'asc', txnId: 'asc', lineId: 'asc' } },
        );
        const reconciliations = await em.find(
          CloseReconciliation,
          { engagement: input.engagementId },
          { orderBy: { accountName: 'asc' } },
        );
        const adjustments = await em.find(
          CloseAdjustment,
          { engagement: input.engagementId },
          { orderBy: { createdAt: 'asc' } },
        );
        const company = await companyOf(input);
        const { startDate, endDate } = periodBounds(input.period);
        const pl = await company.report('ProfitAndLoss', { startDate, endDate, accountingMethod: 'Accrual' });
        const bs = await company.report('BalanceSheet', { startDate, endDate, accountingMethod: 'Accrual' });
        const profitAndLoss = {
          income: sectionLines(pl, 'Income'),
          expenses: sectionLines(pl, 'Expenses'),
          totalIncomeMinor: minorOrNull(reportTotal(pl, 'Income')),
          totalExpensesMinor: minorOrNull(reportTotal(pl, 'Expenses')),
          netIncomeMinor: minorOrNull(reportTotal(pl, 'NetIncome')),
        };
        const answered = questions.filter(
          (q) => q.status === 'written_back' || q.status === 'answered',
        ).length;
        const highlights = [
          profitAndLoss.netIncomeMinor === null
            ? null
            : `Net income for ${periodLabel(input.period)}: ${formatUsd(profitAndLoss.netIncomeMinor)}`,
          answered > 0 ? `${answered} transaction(s) categorized from your answers` : null,
          reconciliations.length > 0
            ? `${reconciliations.filter((r) => r.status !== 'discrepancy').length} of ${reconciliations.length} bank account(s) reconciled`
            : null,
          adjustments.length > 0 ? `${adjustments.length} adjustment(s) recorded` : null,
        ].filter((line): line is string => line !== null);

        // A retry after the report was stored: the same document, nothing written again.
        const existing = await em.findOne(Document, { blobKey });
        if (existing) return { documentId: existing.id, highlights };

        const firm = await em.findOneOrFail(Organization, { id: input.organizationId });
        const data: TCloseReportData = {
          firmName: firm.name,
          clientName: engagement.client.displayName,
          periodLabel: periodLabel(input.period),
          startDate,
          endDate,
          producedAt: new Date(),
          profitAndLoss,
          balances: {
            totalAssetsMinor: minorOrNull(reportTotal(bs, 'TotalAssets')),
            totalLiabilitiesMinor: minorOrNull(reportTotal(bs, 'Liabilities')),
            totalEquityMinor: minorOrNull(reportTotal(bs, 'Equity')),
          },
          reconciliations: reconciliations.map((r) => ({
            accountName: r.accountName,
            statementDate: r.statementDate,
            statementMinor: r.statementEndingBalanceMinor,
            ledgerMinor: r.ledgerBalanceMinor,
            differenceMinor: r.differenceMinor,
            status: r.status,
            note: r.resolutionNote ?? null,
          })),
          questions: questions.map((q) => ({
            txnDate: q.txnDate,
            description: [q.payee, q.description].filter(Boolean).join(': '),
            amountMinor: q.direction === 'expense' ? -q.amountMinor : q.amountMinor,
            answer:
              q.status === 'resolved_in_ledger'
                ? 'categorized in the books by the firm'
                : q.status === 'needs_staff'
                  ? 'left to the firm (you were not sure)'
                  : (q.answerAccountName ?? 'categorized'),
            note: q.answerNote ?? null,
          })),
          adjustments: adjustments.map((a) => ({
            description: a.description,
            amountMinor: a.amountMinor,
            accountName: a.accountName ?? null,
          })),
        };
        const bytes = await renderCloseReportPdf(data);
        await storage.container.getBlockBlobClient(blobKey).uploadData(bytes, {
          blobHTTPHeaders: { blobContentType: 'application/pdf' },
        });
        const document = await recordCloseReport(em, {
          organizationId: input.organizationId,
          engagementId: input.engagementId,
          blobKey,
          sha256: createHash('sha256').update(bytes).digest('hex'),
          sizeBytes: bytes.byteLength,
          fileName: `close-report-${input.period}.pdf`,
        });
        return { documentId: document.id, highlights };
      });
    },
  };
}

export type CloseLedgerActivities = ReturnType<typeof createCloseLedgerActivities>;
