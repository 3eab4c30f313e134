import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../lib/errors';
import type { TActor } from '../audit/actor';
import { recordAuditEvent } from '../audit/record-audit-event';
import { Engagement } from '../engagements/engagement.entity';
import { CloseReconciliation, type ICloseReconciliation } from './close-reconciliation.entity';
import { Document } from '../documents/document.entity';

export interface TRecordReconciliationInput {
  organizationId: string;
  engagementId: string;
  ledgerAccountId: string;
  accountName: string;
  statementDate: string;
  statementEndingBalanceMinor: number;
  statementSource: 'document' | 'staff';
  statementDocumentId: string | null;
  ledgerBalanceMinor: number;
  at: Date;
  actor: TActor;
}

/**
 * Compares a bank statement's ending balance with the ledger and stores the result (one row per
 * account and close; a later comparison replaces an unresolved one). A difference that staff
 * already accepted for the same amounts stays accepted.
 */
export async function recordReconciliation(
  em: EntityManager,
  input: TRecordReconciliationInput,
): Promise<ICloseReconciliation> {
  return em.transactional(async (tx) => {
    const engagement = await tx.findOne(Engagement, {
      id: input.engagementId,
      organization: input.organizationId,
    });
    if (!engagement || engagement.type !== 'monthly_close') {
      throw new AppError('not_found', 'Close not found.', `close engagement ${input.engagementId} not found`);
    }
    const difference = input.statementEndingBalanceMinor - input.ledgerBalanceMinor;
    const existing = await tx.findOne(CloseReconciliation, {
      engagement: engagement.id,
      ledgerAccountId: input.ledgerAccountId,
    });
    const unchangedAcceptance =
      existing?.status === 'accepted' &&
      existing.statementEndingBalanceMinor === input.statementEndingBalanceMinor &&
      existing.ledgerBalanceMinor === input.ledgerBalanceMinor;
    if (unchangedAcceptance) return existing;
    const status = difference === 0 ? 'matched' : 'discrepancy';
    const row =
      existing ??
      tx.create(CloseReconciliation, {
        organization: input.organizationId,
        engagement,
        ledgerAccountId: input.ledgerAccountId,
        accountName: input.accountName,
        statementDate: input.statementDate,
        statementEndingBalanceMinor: input.statementEndingBalanceMinor,
        statementSource: input.statementSource,
        statementDocument: input.statementDocumentId,
        ledgerBalanceMinor: input.ledgerBalanceMinor,
        differenceMinor: difference,
        status,
        reconciledAt: input.at,
      });
    if (existing) {
      existing.accountName = input.accountName;
      existing.statementDate = input.statementDate;
      existing.statementEndingBalanceMinor = input.statementEndingBalanceMinor;
      existing.statementSource = input.statementSource;
      existing.statementDocument = input.statementDocumentId
        ? tx.getReference(Document, input.statementDocumentId)
        : null;
      existing.ledgerBalanceMinor = input.ledgerBalanceMinor;
      existing.differenceMinor = difference;
      existing.status = status;
      existing.resolutionNote = null;
      existing.resolvedBy = null;
      existing.reconciledAt = input.at;
    }
    recordAuditEvent(tx, {
      organizationId: input.organizationId,
      actor: input.actor,
      action: 'close.reconciled',
      target: { type: 'engagement', id: engagement.id },
      details: {
        ledgerAccountId: input.ledgerAccountId,
        status,
        differenceMinor: difference,
        source: input.statementSource,
      },
    });
    return row;
  });
}
