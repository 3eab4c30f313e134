import { randomBytes, randomUUID } from 'node:crypto';
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import {
  buildLocalInvoicePaidEvent,
  createLocalPayments,
  invoiceIdOfLocalInvoice,
  isLocalPaymentKey,
  localPaymentIds,
  localPaymentKey,
} from './local-payments';
import { invoiceMetadataKeys } from './payments';
import { verifyStripeWebhook } from './stripe-webhooks';

const webhookSecret = randomBytes(32).toString('hex');
const options = { publicUrl: 'http://localhost:3000/', webhookSecret };
const payments = createLocalPayments(options);

describe('local payments adapter', () => {
  it('derives provider IDs from ours and finds our invoice ID in its invoice IDs', () => {
    const invoiceId = randomUUID();
    const providerInvoiceId = localPaymentIds.invoice(invoiceId);
    expect(providerInvoiceId).toMatch(/^in_local_[0-9a-f]{32}$/);
    expect(invoiceIdOfLocalInvoice(providerInvoiceId)).toBe(invoiceId);
    expect(invoiceIdOfLocalInvoice('in_1NqStripeInvoice')).toBeNull();
    expect(invoiceIdOfLocalInvoice(`in_local_${'z'.repeat(32)}`)).toBeNull();
  });

  it('gives a client the same customer every time', async () => {
    const clientId = randomUUID();
    const first = await payments.ensureCustomer({
      organizationId: randomUUID(),
      clientId,
      email: 'a@b.test',
      name: 'A',
    });
    expect(first).toEqual({ customerId: localPaymentIds.customer(clientId), created: true });
    const again = await payments.ensureCustomer({
      organizationId: randomUUID(),
      clientId,
      email: 'a@b.test',
      name: 'A',
      existingCustomerId: first.customerId,
    });
    expect(again).toEqual({ customerId: first.customerId, created: false });
  });

  it('issues invoices payable on the local payment page through an unguessable link', async () => {
    const invoiceId = randomUUID();
    const draft = await payments.createInvoice({
      invoiceId,
      number: 'INV-2026-00001',
      customerId: 'cus_local_x',
      currency: 'usd',
      lines: [{ description: 'Bookkeeping', amountMinor: 10_000 }],
      dueDate: new Date(),
      description: 'Bookkeeping',
      metadata: {},
    });
    expect(draft).toMatchObject({
      providerInvoiceId: localPaymentIds.invoice(invoiceId),
      status: 'draft',
      hostedUrl: null,
    });
    const ref = { invoiceId, providerInvoiceId: draft.providerInvoiceId };
    const open = await payments.finalizeInvoice(ref);
    const key = localPaymentKey(webhookSecret, invoiceId);
    expect(open).toMatchObject({
      status: 'open',
      hostedUrl: `http://localhost:3000/pay/${invoiceId}?key=${key}`,
    });
    expect(await payments.getHostedPaymentUrl(ref)).toBe(open.hostedUrl);
    expect((await payments.sendInvoice(ref)).status).toBe('open');
    expect(await payments.voidInvoice(ref)).toEqual({ outcome: 'voided' });
  });

  it('accepts only the key of this invoice under this secret', () => {
    const invoiceId = randomUUID();
    const key = localPaymentKey(webhookSecret, invoiceId);
    expect(isLocalPaymentKey(webhookSecret, invoiceId, key)).toBe(true);
    expect(isLocalPaymentKey(webhookSecret, randomUUID(), key)).toBe(false);
    expect(isLocalPaymentKey('another-secret-another-secret-12345', invoiceId, key)).toBe(false);
    expect(isLocalPaymentKey(webhookSecret, invoiceId, `${key.slice(0, -1)}A`)).toBe(key.endsWith('A'));
    expect(isLocalPaymentKey(webhookSecret, invoiceId, null)).toBe(false);
    expect(isLocalPaymentKey(webhookSecret, invoiceId, '')).toBe(false);
  });

  it('refuses a provider invoice ID that is not the local invoice of the given invoice', async () => {
    await expect(
      payments.finalizeInvoice({
        invoiceId: randomUUID(),
        providerInvoiceId: localPaymentIds.invoice(randomUUID()),
      }),
    ).rejects.toThrow(/is not the local invoice of/);
  });

  it('builds a signed invoice.paid event shaped like the pinned API version, with its InvoicePayment', () => {
    const invoiceId = randomUUID();
    const organizationId = randomUUID();
    const clientId = randomUUID();
    const paidAt = new Date('2026-11-26T10:00:00Z');
    const { eventId, payload, signature } = buildLocalInvoicePaidEvent(
      {
        invoiceId,
        organizationId,
        clientId,
        engagementId: null,
        providerInvoiceId: localPaymentIds.invoice(invoiceId),
        customerId: localPaymentIds.customer(clientId),
        number: 'INV-2026-00009',
        amountMinor: 57_500,
        currency: 'usd',
        hostedUrl: null,
      },
      { webhookSecret, paidAt },
    );
    // Signed now, so it passes the five-minute tolerance; paid at the given time.
    const event = verifyStripeWebhook({ rawBody: Buffer.from(payload), signature, secret: webhookSecret });
    expect(event).toMatchObject({
      id: eventId,
      type: 'invoice.paid',
      apiVersion: Stripe.API_VERSION,
      livemode: false,
    });
    expect(eventId).toMatch(/^evt_local_[0-9a-f]{24}$/);
    expect(event.object).toMatchObject({
      id: localPaymentIds.invoice(invoiceId),
      object: 'invoice',
      status: 'paid',
      amount_due: 57_500,
      amount_paid: 57_500,
      amount_remaining: 0,
      metadata: {
        [invoiceMetadataKeys.organizationId]: organizationId,
        [invoiceMetadataKeys.invoiceId]: invoiceId,
      },
      payments: {
        data: [
          {
            object: 'invoice_payment',
            status: 'paid',
            amount_paid: 57_500,
            payment: { type: 'payment_intent', payment_intent: localPaymentIds.paymentIntent(invoiceId) },
            status_transitions: { paid_at: paidAt.getTime() / 1000 },
          },
        ],
      },
    });
  });

  it('gives every delivery its own event ID but the same payment for the same invoice', () => {
    const invoiceId = randomUUID();
    const invoice = {
      invoiceId,
      organizationId: randomUUID(),
      clientId: randomUUID(),
      engagementId: randomUUID(),
      providerInvoiceId: localPaymentIds.invoice(invoiceId),
      customerId: null,
      number: 'INV-1',
      amountMinor: 100,
      currency: 'usd',
      hostedUrl: null,
    };
    const first = buildLocalInvoicePaidEvent(invoice, { webhookSecret });
    const second = buildLocalInvoicePaidEvent(invoice, { webhookSecret });
    expect(first.eventId).not.toBe(second.eventId);
    const paymentOf = (payload: string) =>
      (
        JSON.parse(payload) as {
          data: { object: { payments: { data: { payment: { payment_intent: string } }[] } } };
        }
      ).data.object.payments.data[0]?.payment.payment_intent;
    expect(paymentOf(first.payload)).toBe(paymentOf(second.payload));
  });
});
