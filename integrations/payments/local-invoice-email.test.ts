/**
 * The local adapter's invoice email hook, without a mail server: which failures stop the send.
 * (The email itself, sent once through the sent-log, is tested in activities/maintenance.)
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { EmailDeliveryError } from '../email/mailer';
import { withLocalInvoiceEmails } from './local-invoice-email';
import { createLocalPayments, isLocalPaymentKey, localPaymentIds } from './local-payments';

const webhookSecret = randomBytes(32).toString('hex');
const local = () => createLocalPayments({ publicUrl: 'http://localhost:3000', webhookSecret });
const refOf = (invoiceId: string) => ({ invoiceId, providerInvoiceId: localPaymentIds.invoice(invoiceId) });

describe('local invoice emails', () => {
  it('hands each sent invoice to the email with its signed /pay/ link', async () => {
    const delivered: { invoiceId: string; payUrl: string }[] = [];
    const payments = withLocalInvoiceEmails(local(), (invoice) => Promise.resolve(delivered.push(invoice)));
    const invoiceId = randomUUID();
    const sent = await payments.sendInvoice(refOf(invoiceId));
    expect(sent.status).toBe('open');
    expect(delivered).toHaveLength(1);
    const url = new URL(delivered[0]!.payUrl);
    expect(url.pathname).toBe(`/pay/${invoiceId}`);
    expect(isLocalPaymentKey(webhookSecret, invoiceId, url.searchParams.get('key'))).toBe(true);
  });

  it('fails the send when the mail server cannot be reached, so the activity retries it', async () => {
    const payments = withLocalInvoiceEmails(local(), () =>
      Promise.reject(new EmailDeliveryError('connection refused', { retryable: true })),
    );
    await expect(payments.sendInvoice(refOf(randomUUID()))).rejects.toThrow(/connection refused/);
  });

  it('still issues the invoice when the address is refused for good, and says so', async () => {
    const warnings: string[] = [];
    const payments = withLocalInvoiceEmails(
      local(),
      () => Promise.reject(new EmailDeliveryError('550 mailbox unavailable', { retryable: false })),
      { warn: (message: string) => warnings.push(message) },
    );
    expect((await payments.sendInvoice(refOf(randomUUID()))).status).toBe('open');
    expect(warnings).toEqual([expect.stringContaining('550 mailbox unavailable')]);
  });

  it('leaves other providers as they are', () => {
    const stripeLike = { ...local(), provider: 'stripe' as const };
    expect(withLocalInvoiceEmails(stripeLike, () => Promise.resolve())).toBe(stripeLike);
  });
});
