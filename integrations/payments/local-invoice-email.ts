/**
 * Stripe emails the invoices it sends; the local adapter has nobody to do that. This wraps a local
 * payments adapter so that `sendInvoice` also emails the client the invoice with its payment link
 * (`/pay/<invoiceId>?key=…`). `deliver` must send at most once per invoice (the composition root
 * gives it the sent-log, `db/billing/send-invoice-email.ts`), since the billing activity may call
 * `sendInvoice` again when it is retried. Other providers are returned unchanged.
 *
 * A mail server that cannot be reached fails the send (the activity is retried and the email goes
 * out once). One that refuses the address for good does not: the invoice is issued and shown in
 * the portal as Stripe's would be, and the refusal stays on the email's sent-log row for staff.
 */
import { isEmailDeliveryError } from '../email/mailer';
import type { Payments } from './payments';

export type TDeliverLocalInvoice = (invoice: { invoiceId: string; payUrl: string }) => Promise<unknown>;

export function withLocalInvoiceEmails(
  payments: Payments,
  deliver: TDeliverLocalInvoice,
  log: Pick<Console, 'warn'> = console,
): Payments {
  if (payments.provider !== 'local') return payments;
  return {
    ...payments,
    async sendInvoice(ref) {
      const sent = await payments.sendInvoice(ref);
      const payUrl = sent.hostedUrl ?? (await payments.getHostedPaymentUrl(ref));
      if (!payUrl) throw new Error(`The local invoice ${ref.providerInvoiceId} has no payment link`);
      try {
        await deliver({ invoiceId: ref.invoiceId, payUrl });
      } catch (error) {
        if (!isEmailDeliveryError(error) || error.retryable) throw error;
        log.warn(`invoice ${ref.invoiceId}: the invoice email was refused: ${error.reason}`);
      }
      return sent;
    },
  };
}
