import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../lib/errors';
import type { TActor } from '../audit/actor';
import { recordAuditEvent } from '../audit/record-audit-event';
import { Engagement } from '../engagements/engagement.entity';
import { CloseQuestion, type ICloseQuestion, type TCategoryOption } from './close-question.entity';

export interface TUncategorizedTransaction {
  txnEntity: 'Purchase' | 'Deposit';
  txnId: string;
  lineId: string;
  txnDate: string;
  amountMinor: number;
  direction: 'expense' | 'income';
  description: string;
  payee: string | null;
  currentAccountId: string;
  options: TCategoryOption[];
}

export interface TRecordCloseQuestionsResult {
  /** Questions created by this call. */
  created: number;
  /** Open questions whose transaction is no longer uncategorized (someone fixed it in the ledger). */
  resolvedInLedger: number;
  /** Every question still waiting for the client. */
  open: number;
  /** Questions the client could not place, waiting for staff to categorize them in the ledger. */
  needsStaff: number;
  /** Every question of the close, for the workflow's status. */
  questions: Pick<ICloseQuestion, 'id' | 'txnEntity' | 'txnId' | 'lineId' | 'status'>[];
}

/**
 * Turns a pull's uncategorized transaction lines into portal questions (one per line and close).
 * `uncategorized` is every uncategorized line of the period as the ledger has it now: a question whose
 * line is not in it any more (categorized in QuickBooks, deleted, moved to another month) and that
 * still waits for the client or for staff is closed as resolved in the ledger. Idempotent: the same
 * list changes nothing.
 */
export async function recordCloseQuestions(
  em: EntityManager,
  input: {
    organizationId: string;
    engagementId: string;
    uncategorized: TUncategorizedTransaction[];
    actor: TActor;
  },
): Promise<TRecordCloseQuestionsResult> {
  return em.transactional(async (tx) => {
    const engagement = await tx.findOne(Engagement, {
      id: input.engagementId,
      organization: input.organizationId,
    });
    if (!engagement || engagement.type !== 'monthly_close') {
      throw new AppError('not_found', 'Close not found.', `close engagement ${input.engagementId} not found`);
    }
    const existing = await tx.find(CloseQuestion, { engagement: engagement.id });
    const keyOf = (q: { txnEntity: string; txnId: string; lineId: string }) =>
      `${q.txnEntity}:${q.txnId}:${q.lineId}`;
    const byKey = new Map(existing.map((q) => [keyOf(q), q]));
    const current = new Set(input.uncategorized.map(keyOf));
    let created = 0;
    for (const txn of input.uncategorized) {
      const question = byKey.get(keyOf(txn));
      if (question) {
        if (question.status === 'open') {
          // The bookkeeper may have edited the transaction since: show the client what the ledger says now.
          question.amountMinor = txn.amountMinor;
          question.txnDate = txn.txnDate;
          question.description = txn.description.slice(0, 500);
          question.payee = txn.payee?.slice(0, 200) ?? null;
          question.currentAccountId = txn.currentAccountId;
          question.options = txn.options;
        }
        continue;
      }
      const added = tx.create(CloseQuestion, {
        organization: input.organizationId,
        engagement,
        client: engagement.client,
        txnEntity: txn.txnEntity,
        txnId: txn.txnId,
        lineId: txn.lineId,
        txnDate: txn.txnDate,
        amountMinor: txn.amountMinor,
        direction: txn.direction,
        description: txn.description.slice(0, 500),
        payee: txn.payee?.slice(0, 200) ?? null,
        currentAccountId: txn.currentAccountId,
        options: txn.options,
        status: 'open',
      });
      existing.push(added);
      created += 1;
    }
    let resolvedInLedger = 0;
    for (const question of existing) {
      if (
        (question.status === 'open' || question.status === 'needs_staff') &&
        !current.has(keyOf(question))
      ) {
        question.status = 'resolved_in_ledger';
        resolvedInLedger += 1;
      }
    }
    if (created > 0 || resolvedInLedger > 0) {
      recordAuditEvent(tx, {
        organizationId: input.organizationId,
        actor: input.actor,
        action: 'close.questions_recorded',
        target: { type: 'engagement', id: engagement.id },
        details: { created, resolvedInLedger },
      });
    }
    return {
      created,
      resolvedInLedger,
      open: existing.filter((q) => q.status === 'open').length,
      needsStaff: existing.filter((q) => q.status === 'needs_staff').length,
      questions: existing.map((q) => ({
        id: q.id,
        txnEntity: q.txnEntity,
        txnId: q.txnId,
        lineId: q.lineId,
        status: q.status,
      })),
    };
  });
}
