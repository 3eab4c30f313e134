import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../lib/errors';
import type { TActor } from '../audit/actor';
import { recordAuditEvent } from '../audit/record-audit-event';
import { Invoice, type IInvoice } from './invoice.entity';
import { Payment, type IPayment } from './payment.entity';

/**
 * Records money received against an invoice. Idempotent by the payment processor's ID, so a
 * redelivered webhook records nothing twice. The invoice is paid once the amount due is covered.
 */
export async function recordPayment(
  em: EntityManager,
  input: {
    organizationId: string;
    invoiceId: string;
    amountMinor: number;
    currency: string;
    stripePaymentIntentId: string;
    paidAt: Date;
    actor: TActor;
  },
): Promise<{ invoice: IInvoice; payment: IPayment; alreadyRecorded: boolean }> {
  if (!Number.isInteger(input.amountMinor) || input.amountMinor <= 0) {
    throw new AppError('invalid_input', 'A payment must be a positive amount.', { reason: 'invalid_amount' });
  }
  return em.transactional(async (tx) => {
    const invoice = await tx.findOne(Invoice, { id: input.invoiceId, organization: input.organizationId });
    if (!invoice) throw new AppError('not_found', 'Invoice not found.');
    const existing = await tx.findOne(Payment, { stripePaymentIntentId: input.stripePaymentIntentId });
    if (existing) return { invoice, payment: existing, alreadyRecorded: true };
    // Stripe takes payments on open invoices and on ones marked uncollectible.
    if (invoice.status !== 'open' && invoice.status !== 'uncollectible') {
      throw new AppError('conflict', `A ${invoice.status} invoice cannot take a payment.`, {
        reason: 'invalid_status_transition',
      });
    }
    if (input.currency.toLowerCase() !== invoice.currency) {
      throw new AppError('invalid_input', 'The payment is in a different currency from the invoice.', {
        reason: 'currency_mismatch',
      });
    }
    const payment = tx.create(Payment, {
      organization: input.organizationId,
      invoice,
      stripePaymentIntentId: input.stripePaymentIntentId,
      amountMinor: input.amountMinor,
      currency: invoice.currency,
      status: 'succeeded',
      paidAt: input.paidAt,
    });
    invoice.amountPaidMinor += input.amountMinor;
    if (invoice.amountPaidMinor >= invoice.amountDueMinor) {
      invoice.status = 'paid';
      invoice.paidAt = input.paidAt;
    }
    recordAuditEvent(tx, {
      organizationId: input.organizationId,
      actor: input.actor,
      action: 'invoice.payment_recorded',
      target: { type: 'invoice', id: invoice.id },
      details: { paymentId: payment.id, amountMinor: input.amountMinor, status: invoice.status },
    });
    return { invoice, payment, alreadyRecorded: false };
  });
}
