/**
 * Test support for payments: a billable engagement (with a Temporal workflow that receives the
 * signals a real engagement workflow would), invoices issued through the real billing activities,
 * Stripe-shaped events signed with the library's test-header helper, and delivery to the platform's
 * webhook endpoint.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Client as TemporalClient, WorkflowHandle } from '@temporalio/client';
import Stripe from 'stripe';
import { expect } from 'vitest';
import { createBillingActivities, type TIssuedInvoice } from '../../../activities/billing/billing.activities';
import { createClient } from '../../../db/clients/create-client';
import { startEngagementRecord } from '../../../db/engagements/start-engagement-record';
import type { Orm } from '../../../db/orm';
import { forSystem, forTenant } from '../../../db/tenancy/tenant-context';
import { WebhookEvent, type IWebhookEvent } from '../../../db/webhooks/webhook-event.entity';
import { createLocalPayments } from '../../../integrations/payments/local-payments';
import { invoiceMetadataKeys } from '../../../integrations/payments/payments';
import type { TInvoicePaid } from '../../../workflows/shared/payments.contracts';
import { decodedHistoryOf } from '../../../tests/support/temporal';

export function webhookSecret(): string {
  const secret = process.env.STRIPE_WEBHOOK_SECRET;
  if (!secret) throw new Error('STRIPE_WEBHOOK_SECRET is not set: is the test global setup running?');
  return secret;
}

/** A task queue no worker polls: a workflow started there exists and records the signals it gets. */
const UNPOLLED_QUEUE = 'payments-tests-unpolled';

export interface TBillableEngagement {
  organizationId: string;
  clientId: string;
  engagementId: string;
  workflowId: string;
}

/** A new client with a contact and an engagement in `organizationId`; its workflow is not started. */
export async function billableEngagement(orm: Orm, organizationId: string): Promise<TBillableEngagement> {
  const clientId = randomUUID();
  const engagementId = randomUUID();
  const workflowId = `payments-test:${engagementId}`;
  const em = forTenant(orm, organizationId);
  const suffix = randomBytes(3).toString('hex');
  await createClient(em, {
    organizationId,
    clientId,
    kind: 'individual',
    displayName: `Jordan Ellis ${suffix}`,
    contact: { id: randomUUID(), name: 'Jordan Ellis', email: `jordan.${suffix}@example.test` },
    actor: { type: 'system' },
  });
  await startEngagementRecord(em, {
    organizationId,
    engagementId,
    clientId,
    type: 'tax_return',
    title: 'Tax return 2025',
    workflowId,
    runId: randomUUID(),
    stage: 'invoicing',
    progress: 90,
    actor: { type: 'system' },
  });
  return { organizationId, clientId, engagementId, workflowId };
}

/** Starts a workflow under the engagement's workflow ID that only collects signals. */
export function startSignalCollector(temporal: TemporalClient, workflowId: string): Promise<WorkflowHandle> {
  return temporal.workflow.start('engagementInTests', { taskQueue: UNPOLLED_QUEUE, workflowId, args: [] });
}

/** The `invoicePaid` signals a workflow has received, decoded. */
export async function invoicePaidSignals(handle: WorkflowHandle): Promise<TInvoicePaid[]> {
  const history = await decodedHistoryOf(handle);
  return (history.events ?? []).flatMap((event) => {
    const attributes = event.workflowExecutionSignaledEventAttributes;
    if (attributes?.signalName !== 'invoicePaid') return [];
    const data = attributes.input?.payloads?.[0]?.data;
    return data ? [JSON.parse(Buffer.from(data).toString('utf8')) as TInvoicePaid] : [];
  });
}

export async function issueLocalInvoice(
  orm: Orm,
  publicUrl: string,
  engagement: TBillableEngagement,
  amountsMinor: number[] = [45_000, 12_500],
): Promise<TIssuedInvoice> {
  const billing = createBillingActivities({
    orm,
    payments: createLocalPayments({ publicUrl, webhookSecret: webhookSecret() }),
  });
  return billing.issueInvoice({
    organizationId: engagement.organizationId,
    invoiceId: randomUUID(),
    clientId: engagement.clientId,
    engagementId: engagement.engagementId,
    description: 'Tax preparation 2025',
    lines: amountsMinor.map((amountMinor, index) => ({
      description: index === 0 ? '2025 individual tax return' : `Schedule ${String.fromCharCode(65 + index)}`,
      amountMinor,
    })),
    currency: 'usd',
    dueDate: new Date(Date.now() + 30 * 86_400_000).toISOString(),
  });
}

/** Signs a body as Stripe does (or with the given secret and time). */
export function sign(payload: string, options: { secret?: string; timestamp?: Date } = {}): string {
  return Stripe.webhooks.generateTestHeaderString({
    payload,
    secret: options.secret ?? webhookSecret(),
    timestamp: Math.floor((options.timestamp ?? new Date()).getTime() / 1000),
  });
}

/** POSTs a delivery to /webhooks/stripe, signed unless a signature (or null for none) is given. */
export async function deliver(
  baseUrl: string,
  payload: string,
  signature: string | null = sign(payload),
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${baseUrl}/webhooks/stripe`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      ...(signature === null ? {} : { 'Stripe-Signature': signature }),
    },
    body: payload,
  });
  const text = await response.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = { text };
  }
  return { status: response.status, body };
}

/** A Stripe event around `object`, as the pinned API version shapes it. */
export function stripeEvent(type: string, object: Record<string, unknown>, created = new Date()) {
  const id = `evt_test_${randomBytes(12).toString('hex')}`;
  const event = {
    id,
    object: 'event',
    api_version: Stripe.API_VERSION,
    created: Math.floor(created.getTime() / 1000),
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
    data: { object },
  };
  return { id, payload: JSON.stringify(event) };
}

/** A Stripe invoice object for our invoice. */
export function stripeInvoiceObject(input: {
  stripeInvoiceId: string;
  customerId: string | null;
  organizationId: string;
  invoiceId: string;
  status: string;
  amountMinor: number;
  paidAt?: Date;
  payments?: { paymentIntentId: string; amountMinor: number; paidAt: Date }[];
}): Record<string, unknown> {
  const seconds = (date: Date) => Math.floor(date.getTime() / 1000);
  return {
    id: input.stripeInvoiceId,
    object: 'invoice',
    status: input.status,
    customer: input.customerId,
    collection_method: 'send_invoice',
    currency: 'usd',
    amount_due: input.amountMinor,
    amount_paid: input.status === 'paid' ? input.amountMinor : 0,
    amount_remaining: input.status === 'paid' ? 0 : input.amountMinor,
    hosted_invoice_url: `https://invoice.stripe.test/i/${input.stripeInvoiceId}`,
    livemode: false,
    metadata: {
      [invoiceMetadataKeys.organizationId]: input.organizationId,
      [invoiceMetadataKeys.invoiceId]: input.invoiceId,
    },
    status_transitions: { paid_at: input.paidAt ? seconds(input.paidAt) : null },
    ...(input.payments
      ? {
          payments: {
            object: 'list',
            has_more: false,
            url: '/v1/invoice_payments',
            data: input.payments.map((payment) =>
              invoicePaymentObject({ ...payment, stripeInvoiceId: input.stripeInvoiceId }),
            ),
          },
        }
      : {}),
  };
}

export function invoicePaymentObject(input: {
  stripeInvoiceId: string;
  paymentIntentId: string;
  amountMinor: number;
  paidAt: Date;
}): Record<string, unknown> {
  const paidAt = Math.floor(input.paidAt.getTime() / 1000);
  return {
    id: `inpay_${input.paymentIntentId}`,
    object: 'invoice_payment',
    amount_paid: input.amountMinor,
    amount_requested: input.amountMinor,
    created: paidAt,
    currency: 'usd',
    invoice: input.stripeInvoiceId,
    is_default: true,
    livemode: false,
    payment: { type: 'payment_intent', payment_intent: input.paymentIntentId },
    status: 'paid',
    status_transitions: { canceled_at: null, paid_at: paidAt },
  };
}

/** The stored delivery of a Stripe event once processing has settled it (not `received` any more). */
export async function settledEvent(
  orm: Orm,
  providerEventId: string,
  timeoutMs = 15_000,
): Promise<IWebhookEvent> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const row = await forSystem(orm, 'test assertions').findOne(WebhookEvent, {
      provider: 'stripe',
      providerEventId,
    });
    if (row && row.status !== 'received') return row;
    if (Date.now() > deadline) {
      expect.fail(
        `event ${providerEventId} was not processed within ${timeoutMs} ms (row: ${JSON.stringify(row)})`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
