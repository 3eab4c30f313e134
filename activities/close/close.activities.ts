/**
 * The monthly close's light activities (the `engagements` task queue): the read model, the client's
 * answers, statements read by the intake, staff resolutions, and the intake child's checklist.
 * QuickBooks work is in close-ledger.activities.ts. Each one is idempotent: Temporal may retry it.
 */
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Client as TemporalClient } from '@temporalio/client';
import { systemActor } from '../../db/audit/actor';
import { acceptReconciliationDifference } from '../../db/close/accept-reconciliation-difference';
import { answerCloseQuestions, type TAnswerOutcome } from '../../db/close/answer-close-questions';
import { CloseQuestion } from '../../db/close/close-question.entity';
import { recordCloseAdjustment } from '../../db/close/record-close-adjustment';
import { withdrawCloseQuestions } from '../../db/close/withdraw-close-questions';
import { DocumentRequest } from '../../db/documents/document-request.entity';
import { Document } from '../../db/documents/document.entity';
import { forTenant } from '../../db/tenancy/tenant-context';
import { toMinorUnits } from '../../integrations/ledger/quickbooks/reports';
import {
  closeTitle,
  monthlyCloseStageInfo,
  type TMonthlyCloseInput,
} from '../../workflows/close/monthly-close.contracts';
import { documentIntakeWorkflowId, waiveItemUpdate } from '../../workflows/intake/document-intake.contracts';
import { updateRejectionMessage } from '../../workflows/shared/engagement.contracts';
import { openClientEngagement } from '../engagements/open-client-engagement';
import { failFastOnBusinessErrors } from '../shared/business-errors';
import type { TCloseQuestionCounts } from './close-ledger.activities';

export interface CloseActivityDeps {
  orm: MikroORM;
  /** Talks to the close's intake child (waives a statement staff entered by hand). */
  temporal: TemporalClient;
}

/** The checklist key the intake gives the statement of the account at `index` (items are keyed in order). */
export function statementItemKey(index: number): string {
  return `item-${index + 1}`;
}

export function createCloseActivities({ orm, temporal }: CloseActivityDeps) {
  async function questionCounts(organizationId: string, engagementId: string) {
    const questions = await forTenant(orm, organizationId).find(CloseQuestion, { engagement: engagementId });
    const count = (status: string) => questions.filter((q) => q.status === status).length;
    const counts: TCloseQuestionCounts = {
      total: questions.length,
      open: count('open'),
      answered: count('answered'),
      writtenBack: count('written_back'),
      needsStaff: count('needs_staff'),
      resolvedInLedger: count('resolved_in_ledger'),
    };
    return { counts, toWriteBack: questions.filter((q) => q.status === 'answered').map((q) => q.id) };
  }

  return {
    /** Creates the close's read-model row (once per workflow ID). */
    async openClose(
      input: TMonthlyCloseInput & { workflowId: string; runId: string },
    ): Promise<{ engagementId: string; title: string; clientKind: 'individual' | 'business' }> {
      return failFastOnBusinessErrors(() =>
        openClientEngagement(orm, input, {
          type: 'monthly_close',
          title: (clientName) => closeTitle(input.period, clientName),
          stage: 'opening',
          progress: monthlyCloseStageInfo.opening.progress,
          period: input.period,
        }),
      );
    },

    /** Stores the client's answers (refusing categories that were not offered) and counts where things stand. */
    async recordCloseAnswers(input: {
      organizationId: string;
      engagementId: string;
      contactId: string;
      answers: { questionId: string; accountId: string | null; note: string }[];
      submittedAt: string;
    }): Promise<{ outcomes: TAnswerOutcome[]; counts: TCloseQuestionCounts; toWriteBack: string[] }> {
      return failFastOnBusinessErrors(async () => {
        const outcomes = await answerCloseQuestions(forTenant(orm, input.organizationId), {
          organizationId: input.organizationId,
          engagementId: input.engagementId,
          contactId: input.contactId,
          answers: input.answers,
          answeredAt: new Date(input.submittedAt),
          actor: { type: 'contact', id: input.contactId },
        });
        return { outcomes, ...(await questionCounts(input.organizationId, input.engagementId)) };
      });
    },

    /** Where the close's questions stand (after a write-back). */
    async countCloseQuestions(input: {
      organizationId: string;
      engagementId: string;
    }): Promise<{ counts: TCloseQuestionCounts; toWriteBack: string[] }> {
      return questionCounts(input.organizationId, input.engagementId);
    },

    /**
     * The statement the intake accepted for each bank account (by checklist key), read for its closing
     * balance and date. An account whose statement is missing or unreadable says why.
     */
    async readStatementBalances(input: {
      organizationId: string;
      engagementId: string;
      accounts: number;
    }): Promise<
      (
        | { index: number; documentId: string; endingBalanceMinor: number; statementDate: string }
        | { index: number; documentId: string | null; missing: string }
      )[]
    > {
      return failFastOnBusinessErrors(async () => {
        const em = forTenant(orm, input.organizationId);
        const results = [];
        for (let index = 0; index < input.accounts; index += 1) {
          const request = await em.findOne(DocumentRequest, {
            engagement: input.engagementId,
            key: statementItemKey(index),
          });
          const document = request
            ? await em.findOne(
                Document,
                { request: request.id, reviewStatus: 'accepted' },
                { orderBy: { createdAt: 'desc' } },
              )
            : null;
          if (!document) {
            results.push({ index, documentId: null, missing: 'no accepted statement' });
            continue;
          }
          const field = (name: string) =>
            document.extractedFields?.find((f) => f.name === name)?.value ?? null;
          const balance = field('EndingBalance');
          const date = field('StatementEndDate');
          const amount =
            typeof balance === 'number'
              ? balance
              : typeof balance === 'string'
                ? Number(balance.replace(/[$,\s]/g, ''))
                : Number.NaN;
          if (!Number.isFinite(amount)) {
            results.push({
              index,
              documentId: document.id,
              missing: 'the statement has no readable closing balance',
            });
          } else if (typeof date !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(date)) {
            results.push({
              index,
              documentId: document.id,
              missing: 'the statement has no readable closing date',
            });
          } else {
            results.push({
              index,
              documentId: document.id,
              endingBalanceMinor: toMinorUnits(amount),
              statementDate: date,
            });
          }
        }
        return results;
      });
    },

    /**
     * Staff entered a statement's balance by hand: the intake stops asking the client for that
     * statement (its checklist item is waived through the intake's own update). Nothing to do when the
     * intake is finished or the item is already settled.
     */
    async waiveStatementRequest(input: {
      organizationId: string;
      engagementId: string;
      index: number;
      byUserId: string;
    }): Promise<{ waived: boolean }> {
      return failFastOnBusinessErrors(async () => {
        const request = await forTenant(orm, input.organizationId).findOne(DocumentRequest, {
          engagement: input.engagementId,
          key: statementItemKey(input.index),
        });
        if (!request || !['open', 'rejected'].includes(request.status)) return { waived: false };
        const handle = temporal.workflow.getHandle(documentIntakeWorkflowId(input.engagementId));
        try {
          await handle.executeUpdate(waiveItemUpdate, {
            args: [
              {
                requestId: request.id,
                reason: 'Staff entered the closing balance from the statement',
                byUserId: input.byUserId,
              },
            ],
          });
          return { waived: true };
        } catch (error) {
          // The intake refused (the item is no longer open) or has finished: nothing left to waive.
          if (updateRejectionMessage(error) !== null) return { waived: false };
          const description = await handle.describe().catch(() => null);
          if (!description || description.status.name !== 'RUNNING') return { waived: false };
          throw error;
        }
      });
    },

    /** Staff accept a reconciliation difference with an explanation. */
    async acceptReconciliationDifference(input: {
      organizationId: string;
      engagementId: string;
      ledgerAccountId: string;
      note: string;
      byUserId: string;
    }): Promise<void> {
      await failFastOnBusinessErrors(async () => {
        await acceptReconciliationDifference(forTenant(orm, input.organizationId), {
          ...input,
          actor: { type: 'user', id: input.byUserId },
        });
      });
    },

    /** Records an adjustment staff made to the books (once per request ID). */
    async recordCloseAdjustment(input: {
      organizationId: string;
      engagementId: string;
      requestId: string;
      description: string;
      amountMinor: number;
      ledgerAccountId: string | null;
      accountName: string | null;
      byUserId: string;
    }): Promise<void> {
      await failFastOnBusinessErrors(async () => {
        await recordCloseAdjustment(forTenant(orm, input.organizationId), {
          organizationId: input.organizationId,
          engagementId: input.engagementId,
          key: `close-adjustment:${input.requestId}`,
          description: input.description,
          amountMinor: input.amountMinor,
          ledgerAccountId: input.ledgerAccountId,
          accountName: input.accountName,
          byUserId: input.byUserId,
          actor: { type: 'user', id: input.byUserId },
        });
      });
    },

    /** Withdraws the close's unanswered portal questions (a compensation). */
    async withdrawCloseQuestions(input: { organizationId: string; engagementId: string }): Promise<number> {
      return failFastOnBusinessErrors(() =>
        withdrawCloseQuestions(forTenant(orm, input.organizationId), { ...input, actor: systemActor }),
      );
    },
  };
}

export type CloseActivities = ReturnType<typeof createCloseActivities>;
