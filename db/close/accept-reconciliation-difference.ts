import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../lib/errors';
import type { TActor } from '../audit/actor';
import { recordAuditEvent } from '../audit/record-audit-event';
import { CloseReconciliation, type ICloseReconciliation } from './close-reconciliation.entity';
import { User } from '../users/user.entity';

/** Staff accept a reconciliation difference with an explanation (e.g. a deposit in transit). */
export async function acceptReconciliationDifference(
  em: EntityManager,
  input: {
    organizationId: string;
    engagementId: string;
    ledgerAccountId: string;
    note: string;
    byUserId: string;
    actor: TActor;
  },
): Promise<ICloseReconciliation> {
  return em.transactional(async (tx) => {
    const row = await tx.findOne(CloseReconciliation, {
      engagement: input.engagementId,
      ledgerAccountId: input.ledgerAccountId,
      organization: input.organizationId,
    });
    if (!row) throw new AppError('not_found', 'Reconciliation not found.');
    if (row.status === 'accepted' && row.resolutionNote === input.note) return row;
    if (row.status !== 'discrepancy') {
      throw new AppError('conflict', 'Only a reconciliation with a difference can be accepted.', {
        reason: 'invalid_status_transition',
      });
    }
    row.status = 'accepted';
    row.resolutionNote = input.note;
    row.resolvedBy = tx.getReference(User, input.byUserId);
    recordAuditEvent(tx, {
      organizationId: input.organizationId,
      actor: input.actor,
      action: 'close.difference_accepted',
      target: { type: 'engagement', id: input.engagementId },
      details: { ledgerAccountId: input.ledgerAccountId, differenceMinor: row.differenceMinor },
    });
    return row;
  });
}
