import type { EntityManager } from '@mikro-orm/postgresql';
import type { TActor } from '../audit/actor';
import { recordAuditEvent } from '../audit/record-audit-event';
import { TaxReturnApproval } from './tax-return-approval.entity';

/**
 * Withdraws every approval request of a return the client has not answered (the return was cancelled):
 * the portal stops offering it. Idempotent; returns how many were withdrawn now.
 */
export async function withdrawTaxReturnApprovals(
  em: EntityManager,
  input: { organizationId: string; engagementId: string; at: Date; actor: TActor },
): Promise<number> {
  return em.transactional(async (tx) => {
    const open = await tx.find(TaxReturnApproval, {
      engagement: input.engagementId,
      organization: input.organizationId,
      status: 'requested',
    });
    for (const approval of open) {
      approval.status = 'withdrawn';
      approval.withdrawnAt = input.at;
    }
    if (open.length > 0) {
      recordAuditEvent(tx, {
        organizationId: input.organizationId,
        actor: input.actor,
        action: 'tax_return.approval_withdrawn',
        target: { type: 'engagement', id: input.engagementId },
        details: { rounds: open.map((a) => a.round) },
      });
    }
    return open.length;
  });
}
