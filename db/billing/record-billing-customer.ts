import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../lib/errors';
import type { TActor } from '../audit/actor';
import { recordAuditEvent } from '../audit/record-audit-event';
import { Client, type IClient } from '../clients/client.entity';

/**
 * Keeps the client's customer ID at the payment provider, so later invoices bill the same customer.
 * Idempotent: recording the ID already on file changes nothing.
 */
export async function recordBillingCustomer(
  em: EntityManager,
  input: { organizationId: string; clientId: string; stripeCustomerId: string; actor: TActor },
): Promise<IClient> {
  return em.transactional(async (tx) => {
    const client = await tx.findOne(Client, { id: input.clientId, organization: input.organizationId });
    if (!client) throw new AppError('not_found', 'Client not found.', { reason: 'client_not_found' });
    if (client.stripeCustomerId === input.stripeCustomerId) return client;
    const previous = client.stripeCustomerId ?? null;
    client.stripeCustomerId = input.stripeCustomerId;
    recordAuditEvent(tx, {
      organizationId: input.organizationId,
      actor: input.actor,
      action: 'client.billing_customer_recorded',
      target: { type: 'client', id: client.id },
      details: { stripeCustomerId: input.stripeCustomerId, previousStripeCustomerId: previous },
    });
    return client;
  });
}
