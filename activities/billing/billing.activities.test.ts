/**
 * Billing activities on a real database, through the local adapter and through the Stripe adapter
 * against stripe-mock (with a recording proxy standing in for the invoice states and failures
 * stripe-mock cannot produce). Activities are called directly, as a worker would, attempt by attempt.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/activity';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AuditEvent } from '../../db/audit/audit-event.entity';
import { Invoice } from '../../db/billing/invoice.entity';
import { recordPayment } from '../../db/billing/record-payment';
import { Client } from '../../db/clients/client.entity';
import { createClient } from '../../db/clients/create-client';
import { startEngagementRecord } from '../../db/engagements/start-engagement-record';
import { Organization, defaultOrganizationSettings } from '../../db/organizations/organization.entity';
import { createOrm, type Orm } from '../../db/orm';
import { forSystem, forTenant } from '../../db/tenancy/tenant-context';
import {
  createLocalPayments,
  localPaymentIds,
  localPaymentKey,
} from '../../integrations/payments/local-payments';
import { createStripePayments } from '../../integrations/payments/stripe-payments';
import {
  startStripeRecorder,
  stripeErrorBody,
  type StripeRecorder,
} from '../../integrations/payments/testing/stripe-recorder';
import type { Payments } from '../../integrations/payments/payments';
import { createTestDatabase, dropTestDatabase } from '../../tests/support/databases';
import type { TIssueInvoiceInput } from '../../workflows/shared/payments.contracts';
import { createBillingActivities } from './billing.activities';

const stripeMockUrl = process.env.STRIPE_MOCK_URL;
if (!stripeMockUrl) throw new Error('STRIPE_MOCK_URL is not set: is the test global setup running?');

const webhookSecret = randomBytes(32).toString('hex');
const publicUrl = 'http://localhost:3999';
let url: string;
let orm: Orm;
let firmId: string;
let recorder: StripeRecorder;

beforeAll(async () => {
  url = await createTestDatabase('billing activities');
  orm = await createOrm({ databaseUrl: url, poolMax: 3 });
  const em = forSystem(orm, 'test setup: create the firm');
  const firm = em.create(Organization, {
    name: 'Ledger & Co',
    slug: 'ledger-co',
    settings: defaultOrganizationSettings,
  });
  await em.flush();
  firmId = firm.id;
  recorder = await startStripeRecorder(stripeMockUrl);
});

afterAll(async () => {
  await recorder?.close();
  await orm?.close(true);
  if (url) await dropTestDatabase(url);
});

beforeEach(() => recorder.reset());

const local = () =>
  createBillingActivities({ orm, payments: createLocalPayments({ publicUrl, webhookSecret }) });
const stripe = (
  payments: Payments = createStripePayments({
    secretKey: 'sk_test_cpaplatform',
    apiBase: recorder.url,
    maxNetworkRetries: 0,
  }),
) => createBillingActivities({ orm, payments });

/** A client with a contact and an engagement of this firm. */
async function clientWithEngagement() {
  const clientId = randomUUID();
  const engagementId = randomUUID();
  const em = forTenant(orm, firmId);
  await createClient(em, {
    organizationId: firmId,
    clientId,
    kind: 'individual',
    displayName: `Nora Quinn ${clientId.slice(0, 4)}`,
    contact: { id: randomUUID(), name: 'Nora Quinn', email: `nora.${clientId.slice(0, 8)}@example.test` },
    actor: { type: 'system' },
  });
  await startEngagementRecord(em, {
    organizationId: firmId,
    engagementId,
    clientId,
    type: 'tax_return',
    title: 'Tax return 2025',
    workflowId: `tax-return:${engagementId}`,
    runId: randomUUID(),
    stage: 'invoicing',
    progress: 90,
    actor: { type: 'system' },
  });
  return { clientId, engagementId };
}

async function invoiceInput(overrides: Partial<TIssueInvoiceInput> = {}): Promise<TIssueInvoiceInput> {
  const { clientId, engagementId } = await clientWithEngagement();
  return {
    organizationId: firmId,
    invoiceId: randomUUID(),
    clientId,
    engagementId,
    description: 'Tax preparation 2025',
    lines: [
      { description: '2025 individual tax return', amountMinor: 45_000 },
      { description: 'State return (CA)', amountMinor: 12_500 },
    ],
    currency: 'usd',
    dueDate: '2026-12-31T00:00:00.000Z',
    ...overrides,
  };
}

const invoiceRow = (invoiceId: string) => forTenant(orm, firmId).findOneOrFail(Invoice, { id: invoiceId });
const auditActions = async (targetId: string) =>
  (await forTenant(orm, firmId).find(AuditEvent, { targetId }, { orderBy: { occurredAt: 'asc' } })).map(
    (e) => e.action,
  );

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ApplicationFailure);
  return error as ApplicationFailure;
}

/** stripe-mock's answer with the fields a real invoice would have at this point. */
function invoiceAnswer(fields: Record<string, unknown>) {
  return async (_request: unknown, upstream: () => Promise<unknown>) => ({
    status: 200,
    body: { ...((await upstream()) as object), ...fields },
  });
}

describe('issueInvoice through the local adapter', () => {
  it('creates, numbers, finalizes and sends the invoice, payable on the local payment page', async () => {
    const input = await invoiceInput();
    const issued = await local().issueInvoice(input);

    const year = new Date().getUTCFullYear();
    expect(issued).toMatchObject({
      invoiceId: input.invoiceId,
      status: 'open',
      stripeInvoiceId: localPaymentIds.invoice(input.invoiceId),
      amountDueMinor: 57_500,
      currency: 'usd',
      hostedUrl: `${publicUrl}/pay/${input.invoiceId}?key=${localPaymentKey(webhookSecret, input.invoiceId)}`,
    });
    expect(issued.number).toMatch(new RegExp(`^INV-${year}-\\d{5}$`));
    const row = await invoiceRow(input.invoiceId);
    expect(row).toMatchObject({
      status: 'open',
      stripeCustomerId: localPaymentIds.customer(input.clientId),
      engagement: { id: input.engagementId },
      lines: input.lines,
      dueAt: new Date('2026-12-31T00:00:00Z'),
    });
    expect(row.sentAt).toBeInstanceOf(Date);
    const client = await forTenant(orm, firmId).findOneOrFail(Client, { id: input.clientId });
    expect(client.stripeCustomerId).toBe(localPaymentIds.customer(input.clientId));
    expect(await auditActions(input.invoiceId)).toEqual([
      'invoice.created',
      'invoice.issued',
      'invoice.sent',
    ]);
  });

  it('issues each invoice once however often the activity runs, and numbers invoices in sequence', async () => {
    const input = await invoiceInput();
    const first = await local().issueInvoice(input);
    const again = await local().issueInvoice(input);
    expect(again).toEqual(first);
    expect(await forTenant(orm, firmId).count(Invoice, { id: input.invoiceId })).toBe(1);
    expect(await auditActions(input.invoiceId)).toEqual([
      'invoice.created',
      'invoice.issued',
      'invoice.sent',
    ]);

    const next = await local().issueInvoice(await invoiceInput());
    const sequence = (number: string) => Number(number.split('-')[2]);
    expect(sequence(next.number)).toBe(sequence(first.number) + 1);
  });

  it('refuses an invalid invoice at once, creating nothing', async () => {
    const input = await invoiceInput({ lines: [] });
    const failure = await failureOf(local().issueInvoice(input));
    expect(failure).toMatchObject({ nonRetryable: true, type: 'AppError:invalid_input' });
    expect(failure.message).toMatch(/^The invoice is not valid: lines/);
    expect(await forTenant(orm, firmId).count(Invoice, { id: input.invoiceId })).toBe(0);
  });

  it("refuses to bill another firm's client", async () => {
    const input = await invoiceInput();
    const otherFirm = forSystem(orm, 'test setup: a second firm');
    const other = otherFirm.create(Organization, {
      name: 'Other',
      slug: `other-${randomUUID().slice(0, 6)}`,
      settings: defaultOrganizationSettings,
    });
    await otherFirm.flush();
    const failure = await failureOf(
      local().issueInvoice({ ...input, organizationId: other.id, engagementId: null }),
    );
    expect(failure).toMatchObject({
      nonRetryable: true,
      type: 'AppError:not_found',
      message: 'Client not found.',
    });
  });
});

describe('issueInvoice through Stripe (stripe-mock)', () => {
  it('sends every write with a key derived from the invoice ID, and a retry after a failure repeats nothing that succeeded', async () => {
    const input = await invoiceInput();
    recorder.stub(
      (r) => r.method === 'POST' && r.path.endsWith('/finalize'),
      invoiceAnswer({ status: 'open', hosted_invoice_url: 'https://invoice.stripe.test/i/1' }),
      2,
    );
    recorder.stub(
      (r) => r.method === 'POST' && r.path.endsWith('/send'),
      () => ({ status: 503, body: stripeErrorBody('api_error', 'Service unavailable.') }),
    );

    const failure = await failureOf(stripe().issueInvoice(input));
    expect(failure).toMatchObject({ nonRetryable: false, type: 'PaymentsError:unavailable' });
    expect(failure.message).toBe('Stripe had a problem while sending the Stripe invoice; retrying.');
    const afterFirst = await invoiceRow(input.invoiceId);
    expect(afterFirst).toMatchObject({
      status: 'open',
      hostedUrl: 'https://invoice.stripe.test/i/1',
      sentAt: null,
    });
    expect(afterFirst.stripeInvoiceId).toMatch(/^in_/);
    expect(recorder.writes().map((r) => r.idempotencyKey)).toEqual([
      `customer:${input.clientId}:create`,
      `invoice:${input.invoiceId}:create`,
      `invoice:${input.invoiceId}:line:0`,
      `invoice:${input.invoiceId}:line:1`,
      `invoice:${input.invoiceId}:finalize`,
      `invoice:${input.invoiceId}:send`,
    ]);

    recorder.reset();
    recorder.stub((r) => r.method === 'POST' && r.path.endsWith('/send'), invoiceAnswer({ status: 'open' }));
    const issued = await stripe().issueInvoice(input);
    expect(issued).toMatchObject({ status: 'open', stripeInvoiceId: afterFirst.stripeInvoiceId });
    expect(recorder.writes().map((r) => r.idempotencyKey)).toEqual([`invoice:${input.invoiceId}:send`]);
    expect((await invoiceRow(input.invoiceId)).sentAt).toBeInstanceOf(Date);

    recorder.reset();
    await stripe().issueInvoice(input);
    expect(recorder.requests).toEqual([]);
  });

  it('bills the customer already on file for the client', async () => {
    const input = await invoiceInput();
    await stripe().ensureBillingCustomer({ organizationId: firmId, clientId: input.clientId });
    const { stripeCustomerId } = await forTenant(orm, firmId).findOneOrFail(Client, { id: input.clientId });
    expect(stripeCustomerId).toMatch(/^cus_/);
    recorder.reset();
    recorder.stub(
      (r) => r.method === 'POST' && r.path.endsWith('/finalize'),
      invoiceAnswer({ status: 'open' }),
    );
    await stripe().issueInvoice(input);
    expect(recorder.writes().some((r) => r.path === '/v1/customers')).toBe(false);
    expect(
      recorder
        .writes()
        .find((r) => r.path === '/v1/invoices')
        ?.params.get('customer'),
    ).toBe(stripeCustomerId);
  });

  it.each([
    [
      400,
      stripeErrorBody('invalid_request_error', 'Invalid currency: usx', { param: 'currency' }),
      'PaymentsError:invalid_request',
      true,
      /^Stripe refused the request while creating the invoice in Stripe: Invalid currency: usx$/,
    ],
    [
      401,
      stripeErrorBody('invalid_request_error', 'Invalid API Key provided'),
      'PaymentsError:authentication',
      true,
      /check STRIPE_SECRET_KEY/,
    ],
    [
      402,
      stripeErrorBody('card_error', 'Your card was declined.', { code: 'card_declined' }),
      'PaymentsError:declined',
      true,
      /declined.*Your card was declined\./,
    ],
    [
      429,
      stripeErrorBody('invalid_request_error', 'Too many requests', { code: 'rate_limit' }),
      'PaymentsError:rate_limited',
      false,
      /rate limiting/,
    ],
    [500, stripeErrorBody('api_error', 'Internal error'), 'PaymentsError:unavailable', false, /retrying/],
  ] as const)(
    'turns a Stripe %i into %s (non-retryable: %s) with a readable message',
    async (status, body, type, nonRetryable, message) => {
      const input = await invoiceInput();
      recorder.stub(
        (r) => r.method === 'POST' && r.path === '/v1/invoices',
        () => ({ status, body }),
      );
      const failure = await failureOf(stripe().issueInvoice(input));
      expect(failure).toMatchObject({ type, nonRetryable });
      expect(failure.message).toMatch(message);
      if (status === 429) expect(failure.nextRetryDelay).toBe('30 seconds');
      const row = await invoiceRow(input.invoiceId);
      expect(row).toMatchObject({ status: 'draft', stripeInvoiceId: null });
    },
  );
});

describe('voidInvoice (compensation)', () => {
  it('voids an open invoice once and says so on later attempts', async () => {
    const input = await invoiceInput();
    await local().issueInvoice(input);
    expect(
      await local().voidInvoice({
        organizationId: firmId,
        invoiceId: input.invoiceId,
        reason: 'engagement_cancelled',
      }),
    ).toEqual({ outcome: 'voided' });
    const row = await invoiceRow(input.invoiceId);
    expect(row.status).toBe('void');
    expect(row.voidedAt).toBeInstanceOf(Date);
    expect(
      await local().voidInvoice({
        organizationId: firmId,
        invoiceId: input.invoiceId,
        reason: 'engagement_cancelled',
      }),
    ).toEqual({ outcome: 'already_void' });
    const voided = await forTenant(orm, firmId).find(AuditEvent, {
      targetId: input.invoiceId,
      action: 'invoice.voided',
    });
    expect(voided).toHaveLength(1);
    expect(voided[0]?.details).toMatchObject({ from: 'open', to: 'void', reason: 'engagement_cancelled' });
  });

  it('leaves a paid invoice paid and reports it', async () => {
    const input = await invoiceInput();
    await local().issueInvoice(input);
    await recordPayment(forTenant(orm, firmId), {
      organizationId: firmId,
      invoiceId: input.invoiceId,
      amountMinor: 57_500,
      currency: 'usd',
      stripePaymentIntentId: localPaymentIds.paymentIntent(input.invoiceId),
      paidAt: new Date(),
      actor: { type: 'system' },
    });
    expect(
      await local().voidInvoice({
        organizationId: firmId,
        invoiceId: input.invoiceId,
        reason: 'engagement_cancelled',
      }),
    ).toEqual({ outcome: 'paid' });
    expect((await invoiceRow(input.invoiceId)).status).toBe('paid');
  });

  it('has nothing to undo for an invoice that was never created', async () => {
    expect(
      await local().voidInvoice({
        organizationId: firmId,
        invoiceId: randomUUID(),
        reason: 'engagement_cancelled',
      }),
    ).toEqual({ outcome: 'not_found' });
  });

  it('voids the Stripe invoice with its void key, or leaves it when Stripe says it was just paid', async () => {
    const input = await invoiceInput();
    recorder.stub(
      (r) => r.method === 'POST' && r.path.endsWith('/finalize'),
      invoiceAnswer({ status: 'open' }),
    );
    recorder.stub((r) => r.method === 'POST' && r.path.endsWith('/send'), invoiceAnswer({ status: 'open' }));
    const issued = await stripe().issueInvoice(input);

    recorder.reset();
    recorder.stub(
      (r) => r.method === 'GET' && r.path === `/v1/invoices/${issued.stripeInvoiceId}`,
      invoiceAnswer({ status: 'paid' }),
    );
    expect(
      await stripe().voidInvoice({
        organizationId: firmId,
        invoiceId: input.invoiceId,
        reason: 'engagement_cancelled',
      }),
    ).toEqual({ outcome: 'paid' });
    expect(recorder.writes()).toEqual([]);
    expect((await invoiceRow(input.invoiceId)).status).toBe('open');

    recorder.reset();
    recorder.stub(
      (r) => r.method === 'GET' && r.path === `/v1/invoices/${issued.stripeInvoiceId}`,
      invoiceAnswer({ status: 'open' }),
    );
    expect(
      await stripe().voidInvoice({
        organizationId: firmId,
        invoiceId: input.invoiceId,
        reason: 'engagement_cancelled',
      }),
    ).toEqual({ outcome: 'voided' });
    expect(recorder.writes().map((r) => [r.path, r.idempotencyKey])).toEqual([
      [`/v1/invoices/${issued.stripeInvoiceId}/void`, `invoice:${input.invoiceId}:void`],
    ]);
    expect((await invoiceRow(input.invoiceId)).status).toBe('void');
  });

  it('retries a void Stripe could not take, with a readable reason', async () => {
    const input = await invoiceInput();
    await local().issueInvoice(input);
    const failing = stripe({
      ...createLocalPayments({ publicUrl, webhookSecret }),
      voidInvoice: () =>
        createStripePayments({
          secretKey: 'sk_test_cpaplatform',
          apiBase: 'http://127.0.0.1:9',
          maxNetworkRetries: 0,
        }).voidInvoice({ invoiceId: input.invoiceId, providerInvoiceId: 'in_unreachable' }),
    });
    const failure = await failureOf(
      failing.voidInvoice({
        organizationId: firmId,
        invoiceId: input.invoiceId,
        reason: 'engagement_cancelled',
      }),
    );
    expect(failure).toMatchObject({ nonRetryable: false, type: 'PaymentsError:unavailable' });
    expect(failure.message).toMatch(/^Could not reach Stripe while reading the invoice from Stripe/);
    expect((await invoiceRow(input.invoiceId)).status).toBe('open');
  });
});
