/**
 * Stripe emails the invoices it sends; the local adapter has nobody to do that. This wraps a local
 * payments adapter so that `sendInvoice` also emails the client the invoice with its payment link
 * (`/pay/<invoiceId>?key=…`). `deliver` must send at most once per invoice (the composition root
 * gives it the sent-log, `db/billing/send-invoice-email.ts`), since the billing activity may call
 * `sendInvoice` again when it is retried. Other providers are returned unchanged.
 */
import type { Payments } from './payments';

export type TDeliverLocalInvoice = (invoice: { invoiceId: string; payUrl: string }) => Promise<unknown>;

export function withLocalInvoiceEmails(payments: Payments, deliver: TDeliverLocalInvoice): Payments {
  if (payments.provider !== 'local') return payments;
  return {
    ...payments,
    async sendInvoice(ref) {
      const sent = await payments.sendInvoice(ref);
      const payUrl = sent.hostedUrl ?? (await payments.getHostedPaymentUrl(ref));
      if (!payUrl) throw new Error(`The local invoice ${ref.providerInvoiceId} has no payment link`);
      await deliver({ invoiceId: ref.invoiceId, payUrl });
      return sent;
    },
  };
}
