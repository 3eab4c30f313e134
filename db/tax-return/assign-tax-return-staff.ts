import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../lib/errors';
import type { TActor } from '../audit/actor';
import { recordAuditEvent } from '../audit/record-audit-event';
import { Engagement, type IEngagement } from '../engagements/engagement.entity';
import { Membership } from '../users/membership.entity';
import { User } from '../users/user.entity';

/**
 * Sets a tax return's preparer and/or reviewer on the read model. Each must be an active member of
 * the firm, and one person cannot be both (review needs a second pair of eyes). `undefined` leaves a
 * role as it is; null clears it.
 */
export async function assignTaxReturnStaff(
  em: EntityManager,
  input: {
    organizationId: string;
    engagementId: string;
    preparerUserId?: string | null;
    reviewerUserId?: string | null;
    actor: TActor;
  },
): Promise<IEngagement> {
  return em.transactional(async (tx) => {
    const engagement = await tx.findOne(Engagement, {
      id: input.engagementId,
      organization: input.organizationId,
    });
    if (!engagement || engagement.type !== 'tax_return')
      throw new AppError('not_found', 'Tax return not found.');
    const preparer =
      input.preparerUserId === undefined ? (engagement.preparer?.id ?? null) : input.preparerUserId;
    const reviewer =
      input.reviewerUserId === undefined ? (engagement.reviewer?.id ?? null) : input.reviewerUserId;
    if (preparer && preparer === reviewer) {
      throw new AppError('invalid_input', 'The preparer and the reviewer must be different people.', {
        reason: 'same_preparer_and_reviewer',
      });
    }
    for (const userId of [input.preparerUserId, input.reviewerUserId]) {
      if (!userId) continue;
      const active = await tx.count(Membership, {
        organization: input.organizationId,
        user: userId,
        deactivatedAt: null,
      });
      if (active === 0) {
        throw new AppError('invalid_input', 'Choose someone who works at your firm.', {
          reason: 'assignee_not_in_firm',
        });
      }
    }
    const changed =
      preparer !== (engagement.preparer?.id ?? null) || reviewer !== (engagement.reviewer?.id ?? null);
    if (!changed) return engagement;
    engagement.preparer = preparer ? tx.getReference(User, preparer) : null;
    engagement.reviewer = reviewer ? tx.getReference(User, reviewer) : null;
    recordAuditEvent(tx, {
      organizationId: input.organizationId,
      actor: input.actor,
      action: 'engagement.assigned',
      target: { type: 'engagement', id: engagement.id },
      details: { preparerId: preparer, reviewerId: reviewer },
    });
    return engagement;
  });
}
