import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../lib/errors';
import { Invoice, type IInvoice } from './invoice.entity';

/**
 * Records which provider invoice (and customer) stands for our invoice, right after the provider
 * created it, so a retry completes that invoice instead of creating another. Idempotent; a different
 * provider invoice for the same invoice is refused.
 */
export async function linkStripeInvoice(
  em: EntityManager,
  input: {
    organizationId: string;
    invoiceId: string;
    stripeInvoiceId: string;
    stripeCustomerId: string | null;
  },
): Promise<IInvoice> {
  return em.transactional(async (tx) => {
    const invoice = await tx.findOne(Invoice, { id: input.invoiceId, organization: input.organizationId });
    if (!invoice) throw new AppError('not_found', 'Invoice not found.', { reason: 'invoice_not_found' });
    if (invoice.stripeInvoiceId && invoice.stripeInvoiceId !== input.stripeInvoiceId) {
      throw new AppError('conflict', 'This invoice is already linked to another payment provider invoice.', {
        reason: 'invoice_already_linked',
        logMessage: `invoice ${invoice.id} is linked to ${invoice.stripeInvoiceId}, not ${input.stripeInvoiceId}`,
      });
    }
    invoice.stripeInvoiceId = input.stripeInvoiceId;
    if (input.stripeCustomerId) invoice.stripeCustomerId = input.stripeCustomerId;
    return invoice;
  });
}
