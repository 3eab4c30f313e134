import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../lib/errors';
import type { TActor } from '../audit/actor';
import { recordAuditEvent } from '../audit/record-audit-event';
import { Engagement } from '../engagements/engagement.entity';
import { CloseAdjustment, type ICloseAdjustment } from './close-adjustment.entity';

/** Records an adjustment staff made during a close, once per key. */
export async function recordCloseAdjustment(
  em: EntityManager,
  input: {
    organizationId: string;
    engagementId: string;
    key: string;
    description: string;
    amountMinor: number;
    ledgerAccountId: string | null;
    accountName: string | null;
    byUserId: string | null;
    actor: TActor;
  },
): Promise<ICloseAdjustment> {
  return em.transactional(async (tx) => {
    const existing = await tx.findOne(CloseAdjustment, {
      key: input.key,
      organization: input.organizationId,
    });
    if (existing) return existing;
    const engagement = await tx.findOne(Engagement, {
      id: input.engagementId,
      organization: input.organizationId,
    });
    if (!engagement || engagement.type !== 'monthly_close')
      throw new AppError('not_found', 'Close not found.');
    const adjustment = tx.create(CloseAdjustment, {
      organization: input.organizationId,
      engagement,
      key: input.key,
      description: input.description,
      amountMinor: input.amountMinor,
      ledgerAccountId: input.ledgerAccountId,
      accountName: input.accountName,
      recordedBy: input.byUserId,
    });
    recordAuditEvent(tx, {
      organizationId: input.organizationId,
      actor: input.actor,
      action: 'close.adjustment_recorded',
      target: { type: 'engagement', id: engagement.id },
      details: { adjustmentId: adjustment.id, amountMinor: input.amountMinor },
    });
    return adjustment;
  });
}
