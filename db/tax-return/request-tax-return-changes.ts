import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../lib/errors';
import type { TActor } from '../audit/actor';
import { recordAuditEvent } from '../audit/record-audit-event';
import { Contact } from '../clients/contact.entity';
import { TaxReturnApproval, type ITaxReturnApproval } from './tax-return-approval.entity';

/** The client asks for changes instead of signing: the open request is closed with their message. */
export async function requestTaxReturnChanges(
  em: EntityManager,
  input: {
    organizationId: string;
    engagementId: string;
    round: number;
    contactId: string;
    message: string;
    actor: TActor;
  },
): Promise<ITaxReturnApproval> {
  return em.transactional(async (tx) => {
    const contact = await tx.findOne(Contact, { id: input.contactId, organization: input.organizationId });
    if (!contact || !contact.portalAccess)
      throw new AppError('not_found', 'This approval could not be found.');
    const approval = await tx.findOne(TaxReturnApproval, {
      engagement: input.engagementId,
      round: input.round,
      client: contact.client.id,
    });
    if (!approval) throw new AppError('not_found', 'This approval could not be found.');
    if (approval.status === 'changes_requested' && approval.changesMessage === input.message) return approval;
    if (approval.status !== 'requested') {
      throw new AppError(
        'conflict',
        'This approval request is no longer open. Reload the page to see the latest.',
        {
          reason: 'approval_not_open',
        },
      );
    }
    approval.status = 'changes_requested';
    approval.changesMessage = input.message;
    recordAuditEvent(tx, {
      organizationId: input.organizationId,
      actor: input.actor,
      action: 'tax_return.changes_requested',
      target: { type: 'engagement', id: input.engagementId },
      details: { round: input.round, approvalId: approval.id },
    });
    return approval;
  });
}
