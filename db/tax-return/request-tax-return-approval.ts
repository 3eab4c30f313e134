import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../lib/errors';
import type { TActor } from '../audit/actor';
import { recordAuditEvent } from '../audit/record-audit-event';
import { Engagement } from '../engagements/engagement.entity';
import {
  TaxReturnApproval,
  type ITaxReturnApproval,
  type TApprovalSummary,
} from './tax-return-approval.entity';

/**
 * Asks the client to approve the return and sign the e-file authorization for one round. Idempotent
 * per engagement and round; an earlier round still waiting is withdrawn (the return changed).
 */
export async function requestTaxReturnApproval(
  em: EntityManager,
  input: {
    organizationId: string;
    engagementId: string;
    round: number;
    summary: TApprovalSummary;
    requestedAt: Date;
    actor: TActor;
  },
): Promise<ITaxReturnApproval> {
  return em.transactional(async (tx) => {
    const engagement = await tx.findOne(Engagement, {
      id: input.engagementId,
      organization: input.organizationId,
    });
    if (!engagement || engagement.type !== 'tax_return') {
      throw new AppError(
        'not_found',
        'Tax return not found.',
        `tax return engagement ${input.engagementId} not found`,
      );
    }
    const existing = await tx.findOne(TaxReturnApproval, { engagement: engagement.id, round: input.round });
    if (existing) return existing;
    const earlier = await tx.find(TaxReturnApproval, {
      engagement: engagement.id,
      status: 'requested',
      round: { $lt: input.round },
    });
    for (const stale of earlier) {
      stale.status = 'withdrawn';
      stale.withdrawnAt = input.requestedAt;
    }
    const approval = tx.create(TaxReturnApproval, {
      organization: input.organizationId,
      engagement,
      client: engagement.client,
      round: input.round,
      status: 'requested',
      summary: input.summary,
      requestedAt: input.requestedAt,
    });
    recordAuditEvent(tx, {
      organizationId: input.organizationId,
      actor: input.actor,
      action: 'tax_return.approval_requested',
      target: { type: 'engagement', id: engagement.id },
      details: { round: input.round },
    });
    return approval;
  });
}
