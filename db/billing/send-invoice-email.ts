import type { Mailer } from '../../integrations/email/mailer';
import { Contact } from '../clients/contact.entity';
import { sendEmailOnce, type TSendEmailOnceResult } from '../email/send-email-once';
import { Organization } from '../organizations/organization.entity';
import { forSystem, forTenant, type TForkable } from '../tenancy/tenant-context';
import { AppError } from '../../lib/errors';
import { Invoice } from './invoice.entity';

/** The sent-log key of an invoice's email: one per invoice, however often sending is retried. */
export const invoiceEmailKey = (invoiceId: string): string => `invoice:${invoiceId}:email`;

/**
 * Emails an invoice to the client's billing contact (the first contact with portal access, as the
 * payments customer is chosen) with the link where it is paid, exactly once per invoice (sent-log).
 * The local payments adapter calls this when an invoice is sent; Stripe emails its own invoices.
 */
export async function sendInvoiceEmail(
  orm: TForkable,
  mailer: Mailer,
  input: { invoiceId: string; payUrl: string },
): Promise<TSendEmailOnceResult> {
  const found = await forSystem(orm, 'invoice email: the firm is the invoice’s own').findOne(
    Invoice,
    { id: input.invoiceId },
    { fields: ['id', 'organization'] },
  );
  if (!found) throw new AppError('not_found', 'Invoice not found.', { reason: 'invoice_not_found' });
  const organizationId = found.organization.id;
  const em = forTenant(orm, organizationId);
  const invoice = await em.findOneOrFail(Invoice, { id: input.invoiceId, organization: organizationId });
  const [contact] = await em.find(
    Contact,
    { client: invoice.client.id, organization: organizationId },
    { orderBy: { portalAccess: 'desc', createdAt: 'asc' }, limit: 1 },
  );
  if (!contact) {
    throw new AppError('invalid_input', 'The client has no contact with an email address to bill.', {
      reason: 'no_billing_contact',
    });
  }
  const firm = await em.findOneOrFail(Organization, { id: organizationId }, { fields: ['name'] });
  return sendEmailOnce({
    em,
    mailer,
    organizationId,
    idempotencyKey: invoiceEmailKey(invoice.id),
    to: contact.email,
    template: {
      template: 'invoice',
      firmName: firm.name,
      contactName: contact.name,
      invoiceNumber: invoice.number,
      amountCents: invoice.amountDueMinor - invoice.amountPaidMinor,
      currency: invoice.currency,
      ...(invoice.dueAt ? { dueDate: invoice.dueAt } : {}),
      payUrl: input.payUrl,
    },
    relatedTo: { type: 'invoice', id: invoice.id },
  });
}
