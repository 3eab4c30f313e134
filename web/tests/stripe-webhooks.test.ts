/**
 * POST /webhooks/stripe on the real web server, database and Temporal: signature checks on the raw
 * body, dedupe by event ID, processing by object state (out of order is harmless), the firm taken
 * from our invoice row, the engagement's workflow signalled; and the background processor's retry,
 * sweep and Stripe-API paths, driven directly.
 */
import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInvoiceDraft } from '../../db/billing/create-invoice-draft';
import { Invoice } from '../../db/billing/invoice.entity';
import { linkStripeInvoice } from '../../db/billing/link-stripe-invoice';
import { Payment } from '../../db/billing/payment.entity';
import { storeStripeEvent } from '../../db/billing/store-stripe-event';
import { recordBillingCustomer } from '../../db/billing/record-billing-customer';
import { forSystem, forTenant } from '../../db/tenancy/tenant-context';
import { WebhookEvent } from '../../db/webhooks/webhook-event.entity';
import { createStripePayments } from '../../integrations/payments/stripe-payments';
import {
  startStripeRecorder,
  type StripeRecorder,
} from '../../integrations/payments/testing/stripe-recorder';
import { createStripeEventProcessor } from '../app/payments/stripe-events.server';
import {
  billableEngagement,
  deliver,
  invoicePaidSignals,
  invoicePaymentObject,
  issueLocalInvoice,
  settledEvent,
  sign,
  startSignalCollector,
  stripeEvent,
  stripeInvoiceObject,
  type TBillableEngagement,
} from './support/payments';
import { startTestPlatform, type TestPlatform } from './support/test-platform';

let platform: TestPlatform;
let recorder: StripeRecorder;
const collectors: WorkflowHandle[] = [];

beforeAll(async () => {
  platform = await startTestPlatform({
    name: 'stripe webhooks',
    reminders: { intervalsSeconds: [86_400], followUpAfterSeconds: 86_400 },
  });
  recorder = await startStripeRecorder(process.env.STRIPE_MOCK_URL!);
  // The development server compiles a route on its first request: do that before anything is timed.
  const warmUp = stripeEvent('balance.available', { object: 'balance' });
  expect((await deliver(platform.web.url, warmUp.payload)).status).toBe(200);
  await settledEvent(platform.orm, warmUp.id);
}, 120_000);

afterAll(async () => {
  for (const handle of collectors) await handle.terminate('test finished').catch(() => undefined);
  await recorder?.close();
  await platform?.stop();
});

const tenant = () => forTenant(platform.orm, platform.demoFirmId);
const invoiceRow = (id: string) => tenant().findOneOrFail(Invoice, { id });
const paymentsOf = (invoiceId: string) => tenant().find(Payment, { invoice: invoiceId });
const storedEvents = () =>
  forSystem(platform.orm, 'test assertions').count(WebhookEvent, { provider: 'stripe' });

/** An engagement with a running workflow and an open invoice issued through the local adapter. */
async function openInvoice(amounts?: number[]) {
  const engagement = await billableEngagement(platform.orm, platform.demoFirmId);
  const workflow = await startSignalCollector(platform.temporal, engagement.workflowId);
  collectors.push(workflow);
  const issued = await issueLocalInvoice(platform.orm, platform.web.url, engagement, amounts);
  const invoice = await invoiceRow(issued.invoiceId);
  return { engagement, workflow, invoice };
}

function paidEvent(
  invoice: {
    id: string;
    stripeInvoiceId?: string | null;
    stripeCustomerId?: string | null;
    amountDueMinor: number;
  },
  options: {
    paymentIntentId?: string;
    includePayments?: boolean;
    organizationId?: string;
    type?: string;
    created?: Date;
  } = {},
) {
  const paidAt = new Date();
  return stripeEvent(
    options.type ?? 'invoice.paid',
    stripeInvoiceObject({
      stripeInvoiceId: invoice.stripeInvoiceId!,
      customerId: invoice.stripeCustomerId ?? null,
      organizationId: options.organizationId ?? platform.demoFirmId,
      invoiceId: invoice.id,
      status: 'paid',
      amountMinor: invoice.amountDueMinor,
      paidAt,
      payments:
        options.includePayments === false
          ? undefined
          : [
              {
                paymentIntentId: options.paymentIntentId ?? `pi_${randomUUID().replaceAll('-', '')}`,
                amountMinor: invoice.amountDueMinor,
                paidAt,
              },
            ],
    }),
    options.created,
  );
}

describe('POST /webhooks/stripe', () => {
  it('answers a signed invoice.paid at once, then records the payment, marks the invoice paid and signals the workflow', async () => {
    const { engagement, workflow, invoice } = await openInvoice();
    const event = paidEvent(invoice, { paymentIntentId: 'pi_signal_test_1' });

    const started = Date.now();
    const answer = await deliver(platform.web.url, event.payload);
    expect(answer).toEqual({ status: 200, body: { received: true } });
    expect(Date.now() - started).toBeLessThan(1_000);

    const stored = await settledEvent(platform.orm, event.id);
    expect(stored).toMatchObject({
      status: 'processed',
      type: 'invoice.paid',
      error: null,
      organization: { id: platform.demoFirmId },
    });
    const paid = await invoiceRow(invoice.id);
    expect(paid).toMatchObject({ status: 'paid', amountPaidMinor: 57_500 });
    expect(await paymentsOf(invoice.id)).toMatchObject([
      {
        stripePaymentIntentId: 'pi_signal_test_1',
        amountMinor: 57_500,
        currency: 'usd',
        status: 'succeeded',
      },
    ]);
    expect(await invoicePaidSignals(workflow)).toEqual([
      {
        organizationId: platform.demoFirmId,
        invoiceId: invoice.id,
        engagementId: engagement.engagementId,
        amountPaidMinor: 57_500,
        currency: 'usd',
        paidAt: paid.paidAt!.toISOString(),
      },
    ]);
  });

  it('refuses a missing, wrong or stale signature with 400, storing and changing nothing', async () => {
    const { invoice } = await openInvoice();
    const event = paidEvent(invoice);
    const before = await storedEvents();

    const missing = await deliver(platform.web.url, event.payload, null);
    expect(missing).toEqual({ status: 400, body: { error: 'The Stripe-Signature header is missing.' } });
    const wrongSecret = await deliver(
      platform.web.url,
      event.payload,
      sign(event.payload, { secret: 'whsec_not_ours' }),
    );
    expect(wrongSecret).toEqual({ status: 400, body: { error: 'The signature does not match the body.' } });
    const tampered = event.payload.replace('"amount_paid":57500', '"amount_paid":1');
    expect(tampered).not.toBe(event.payload);
    expect((await deliver(platform.web.url, tampered, sign(event.payload))).status).toBe(400);
    const stale = await deliver(
      platform.web.url,
      event.payload,
      sign(event.payload, { timestamp: new Date(Date.now() - 301_000) }),
    );
    expect(stale).toEqual({
      status: 400,
      body: { error: 'The signature is too old: the delivery was refused as a possible replay.' },
    });

    expect(await storedEvents()).toBe(before);
    expect((await invoiceRow(invoice.id)).status).toBe('open');
    expect(await paymentsOf(invoice.id)).toEqual([]);
  });

  it('answers a repeated delivery 200 and does nothing more: one row, one payment, one signal', async () => {
    const { workflow, invoice } = await openInvoice();
    const event = paidEvent(invoice);

    // Two deliveries racing: one stores the event, the other finds it taken.
    const answers = await Promise.all([
      deliver(platform.web.url, event.payload),
      deliver(platform.web.url, event.payload),
    ]);
    expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
    expect(answers.map((answer) => answer.body.duplicate === true).sort()).toEqual([false, true]);
    await settledEvent(platform.orm, event.id);
    // Stripe's retry: the same body with a new signature.
    expect(await deliver(platform.web.url, event.payload, sign(event.payload))).toEqual({
      status: 200,
      body: { received: true, duplicate: true },
    });

    expect(
      await forSystem(platform.orm, 'test assertions').count(WebhookEvent, { providerEventId: event.id }),
    ).toBe(1);
    expect(await paymentsOf(invoice.id)).toHaveLength(1);
    expect(await invoicePaidSignals(workflow)).toHaveLength(1);
  });

  it('is harmless when events arrive out of order: paid before finalized, payment events twice', async () => {
    // The activity created and linked the invoice at Stripe, then stopped before recording it as issued.
    const engagement = await billableEngagement(platform.orm, platform.demoFirmId);
    const workflow = await startSignalCollector(platform.temporal, engagement.workflowId);
    collectors.push(workflow);
    const draft = await linkedDraft(engagement);
    const paidAt = new Date();
    const payment = {
      paymentIntentId: `pi_${randomUUID().replaceAll('-', '')}`,
      amountMinor: 30_000,
      paidAt,
    };

    const paymentFirst = stripeEvent(
      'invoice_payment.paid',
      invoicePaymentObject({ stripeInvoiceId: draft.stripeInvoiceId!, ...payment }),
    );
    const paid = stripeEvent(
      'invoice.paid',
      stripeInvoiceObject({
        ...ids(draft),
        status: 'paid',
        amountMinor: 30_000,
        paidAt,
        payments: [payment],
      }),
    );
    const succeeded = stripeEvent(
      'invoice.payment_succeeded',
      stripeInvoiceObject({
        ...ids(draft),
        status: 'paid',
        amountMinor: 30_000,
        paidAt,
        payments: [payment],
      }),
    );
    const finalizedLate = stripeEvent(
      'invoice.finalized',
      stripeInvoiceObject({ ...ids(draft), status: 'open', amountMinor: 30_000 }),
      new Date(Date.now() - 60_000),
    );

    for (const event of [paymentFirst, paid, succeeded, finalizedLate]) {
      expect((await deliver(platform.web.url, event.payload)).status).toBe(200);
      expect((await settledEvent(platform.orm, event.id)).status).toBe('processed');
    }
    const invoice = await invoiceRow(draft.id);
    expect(invoice).toMatchObject({
      status: 'paid',
      amountPaidMinor: 30_000,
      hostedUrl: `https://invoice.stripe.test/i/${draft.stripeInvoiceId}`,
    });
    expect(await paymentsOf(draft.id)).toHaveLength(1);
    // Each event that found the invoice paid told the workflow; a repeat is a no-op for its handler.
    const signals = await invoicePaidSignals(workflow);
    expect(signals.length).toBeGreaterThanOrEqual(1);
    expect(new Set(signals.map((signal) => signal.invoiceId))).toEqual(new Set([draft.id]));
  });

  it('ignores event types it does not act on, answering 200', async () => {
    const event = stripeEvent('customer.created', { id: 'cus_123', object: 'customer' });
    expect(await deliver(platform.web.url, event.payload)).toEqual({ status: 200, body: { received: true } });
    expect(await settledEvent(platform.orm, event.id)).toMatchObject({
      status: 'ignored',
      error: 'customer.created is not an event the platform acts on',
      organization: null,
    });
  });

  it('ignores an invoice that is not ours, and refuses metadata that names another firm', async () => {
    const unknown = stripeEvent(
      'invoice.paid',
      stripeInvoiceObject({
        stripeInvoiceId: 'in_someone_else',
        customerId: 'cus_x',
        organizationId: randomUUID(),
        invoiceId: randomUUID(),
        status: 'paid',
        amountMinor: 100,
      }),
    );
    await deliver(platform.web.url, unknown.payload);
    expect(await settledEvent(platform.orm, unknown.id)).toMatchObject({
      status: 'ignored',
      organization: null,
    });

    const { invoice } = await openInvoice();
    const otherFirm = paidEvent(invoice, { organizationId: randomUUID() });
    await deliver(platform.web.url, otherFirm.payload);
    const refused = await settledEvent(platform.orm, otherFirm.id);
    expect(refused.status).toBe('failed');
    expect(refused.error).toMatch(/^refused: the metadata names another firm/);
    expect((await invoiceRow(invoice.id)).status).toBe('open');
    expect(await paymentsOf(invoice.id)).toEqual([]);
  });

  it('matches an event that arrives before the invoice was linked by its metadata, only for the same customer', async () => {
    const engagement = await billableEngagement(platform.orm, platform.demoFirmId);
    const draft = await unlinkedDraft(engagement, 'cus_race_customer');
    const stripeInvoiceId = `in_race_${randomUUID().slice(0, 8)}`;

    const wrongCustomer = stripeEvent(
      'invoice.finalized',
      stripeInvoiceObject({
        stripeInvoiceId,
        customerId: 'cus_somebody_else',
        organizationId: platform.demoFirmId,
        invoiceId: draft.id,
        status: 'open',
        amountMinor: 20_000,
      }),
    );
    await deliver(platform.web.url, wrongCustomer.payload);
    expect(await settledEvent(platform.orm, wrongCustomer.id)).toMatchObject({
      status: 'failed',
      error: `refused: invoice ${draft.id} bills another customer`,
    });
    expect((await invoiceRow(draft.id)).stripeInvoiceId).toBeNull();

    const finalized = stripeEvent(
      'invoice.finalized',
      stripeInvoiceObject({
        stripeInvoiceId,
        customerId: 'cus_race_customer',
        organizationId: platform.demoFirmId,
        invoiceId: draft.id,
        status: 'open',
        amountMinor: 20_000,
      }),
    );
    await deliver(platform.web.url, finalized.payload);
    expect((await settledEvent(platform.orm, finalized.id)).status).toBe('processed');
    expect(await invoiceRow(draft.id)).toMatchObject({ status: 'open', stripeInvoiceId });
  });

  it("records the payment and notes it when the engagement's workflow is not running", async () => {
    const engagement = await billableEngagement(platform.orm, platform.demoFirmId);
    const issued = await issueLocalInvoice(platform.orm, platform.web.url, engagement);
    const event = paidEvent(await invoiceRow(issued.invoiceId));
    await deliver(platform.web.url, event.payload);
    const stored = await settledEvent(platform.orm, event.id);
    expect(stored.status).toBe('processed');
    expect(stored.error).toBe(
      `the engagement's workflow (${engagement.workflowId}) is not running: the payment is recorded, no signal was sent`,
    );
    expect((await invoiceRow(issued.invoiceId)).status).toBe('paid');
  });

  it('answers 405 to anything but a POST', async () => {
    const response = await fetch(`${platform.web.url}/webhooks/stripe`);
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
  });
});

describe('Stripe event processor', () => {
  it('reads the payments from the Stripe API when an invoice.paid does not include them', async () => {
    const { invoice } = await openInvoice();
    const processor = createStripeEventProcessor({
      orm: () => Promise.resolve(platform.orm),
      temporal: () => Promise.resolve(platform.temporal),
      payments: () =>
        createStripePayments({
          secretKey: 'sk_test_cpaplatform',
          apiBase: recorder.url,
          maxNetworkRetries: 0,
        }),
    });
    recorder.stub(
      (request) => request.path === '/v1/invoice_payments',
      () => ({
        status: 200,
        body: {
          object: 'list',
          url: '/v1/invoice_payments',
          has_more: false,
          data: [
            invoicePaymentObject({
              stripeInvoiceId: invoice.stripeInvoiceId!,
              paymentIntentId: 'pi_from_api',
              amountMinor: 57_500,
              paidAt: new Date(),
            }),
          ],
        },
      }),
    );
    try {
      const event = paidEvent(invoice, { includePayments: false });
      const stored = await storeStripeEvent(forSystem(platform.orm, 'test'), {
        eventId: event.id,
        type: 'invoice.paid',
        payload: JSON.parse(event.payload) as Record<string, unknown>,
      });
      expect(await processor.process(stored.webhookEventId!)).toEqual({ status: 'processed' });
      expect(recorder.requests.find((r) => r.path === '/v1/invoice_payments')?.query.get('invoice')).toBe(
        invoice.stripeInvoiceId,
      );
      expect(await paymentsOf(invoice.id)).toMatchObject([
        { stripePaymentIntentId: 'pi_from_api', amountMinor: 57_500 },
      ]);
      expect(await processor.process(stored.webhookEventId!)).toEqual({ status: 'not_pending' });
    } finally {
      await processor.close();
    }
  });

  it('keeps an event whose processing failed for a passing reason, and finishes it on a later attempt or sweep', async () => {
    const { workflow, invoice } = await openInvoice();
    let temporalUp = false;
    const warnings: string[] = [];
    const processor = createStripeEventProcessor({
      orm: () => Promise.resolve(platform.orm),
      temporal: () =>
        temporalUp
          ? Promise.resolve(platform.temporal)
          : Promise.reject(new Error('Temporal is unavailable')),
      payments: () => createStripePayments({ secretKey: 'sk_test_cpaplatform', apiBase: recorder.url }),
      staleAfterMs: 0,
      log: { warn: (message: string) => warnings.push(message) },
    });
    try {
      const event = paidEvent(invoice);
      const stored = await storeStripeEvent(forSystem(platform.orm, 'test'), {
        eventId: event.id,
        type: 'invoice.paid',
        payload: JSON.parse(event.payload) as Record<string, unknown>,
      });
      expect(await processor.process(stored.webhookEventId!)).toEqual({
        status: 'retry',
        note: 'Error: Temporal is unavailable',
      });
      const waiting = await forSystem(platform.orm, 'test').findOneOrFail(WebhookEvent, {
        id: stored.webhookEventId!,
      });
      expect(waiting).toMatchObject({ status: 'received', error: 'Error: Temporal is unavailable' });
      // The payment is recorded already; only the signal is missing.
      expect((await invoiceRow(invoice.id)).status).toBe('paid');
      expect(warnings.some((warning) => warning.includes('will be retried'))).toBe(true);

      temporalUp = true;
      expect(await processor.sweep()).toBeGreaterThanOrEqual(1);
      const done = await forSystem(platform.orm, 'test').findOneOrFail(WebhookEvent, {
        id: stored.webhookEventId!,
      });
      expect(done).toMatchObject({ status: 'processed', error: null });
      expect(await paymentsOf(invoice.id)).toHaveLength(1);
      expect(await invoicePaidSignals(workflow)).toHaveLength(1);
    } finally {
      await processor.close();
    }
  });
});

function ids(invoice: { id: string; stripeInvoiceId?: string | null; stripeCustomerId?: string | null }) {
  return {
    stripeInvoiceId: invoice.stripeInvoiceId!,
    customerId: invoice.stripeCustomerId ?? null,
    organizationId: platform.demoFirmId,
    invoiceId: invoice.id,
  };
}

/** A draft invoice with its customer on file but no provider invoice yet. */
async function unlinkedDraft(engagement: TBillableEngagement, customerId: string) {
  await recordBillingCustomer(tenant(), {
    organizationId: engagement.organizationId,
    clientId: engagement.clientId,
    stripeCustomerId: customerId,
    actor: { type: 'system' },
  });
  return createInvoiceDraft(tenant(), {
    organizationId: engagement.organizationId,
    invoiceId: randomUUID(),
    clientId: engagement.clientId,
    engagementId: engagement.engagementId,
    description: 'Bookkeeping, October',
    lines: [{ description: 'Bookkeeping', amountMinor: 20_000 }],
    currency: 'usd',
    dueAt: new Date(Date.now() + 86_400_000),
    actor: { type: 'system' },
  });
}

/** A draft invoice linked to a provider invoice, as an activity leaves it when it stops after creating it. */
async function linkedDraft(engagement: TBillableEngagement) {
  const customerId = `cus_${randomUUID().slice(0, 8)}`;
  await recordBillingCustomer(tenant(), {
    organizationId: engagement.organizationId,
    clientId: engagement.clientId,
    stripeCustomerId: customerId,
    actor: { type: 'system' },
  });
  const draft = await createInvoiceDraft(tenant(), {
    organizationId: engagement.organizationId,
    invoiceId: randomUUID(),
    clientId: engagement.clientId,
    engagementId: engagement.engagementId,
    description: 'Payroll setup',
    lines: [{ description: 'Payroll setup', amountMinor: 30_000 }],
    currency: 'usd',
    dueAt: new Date(Date.now() + 86_400_000),
    actor: { type: 'system' },
  });
  return linkStripeInvoice(tenant(), {
    organizationId: engagement.organizationId,
    invoiceId: draft.id,
    stripeInvoiceId: `in_${randomUUID().replaceAll('-', '').slice(0, 20)}`,
    stripeCustomerId: customerId,
  });
}
