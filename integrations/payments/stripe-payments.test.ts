/**
 * The Stripe adapter against stripe-mock (started by the test global setup). stripe-mock answers
 * with canned objects, so these tests look at what the adapter sends (paths, parameters, idempotency
 * keys, API version) and how it maps answers and failures; a recording proxy stands in for states
 * and failures stripe-mock cannot produce.
 */
import { randomUUID } from 'node:crypto';
import Stripe from 'stripe';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PaymentsError, invoiceMetadataKeys, type Payments, type TCreateInvoiceInput } from './payments';
import { createStripePayments, toProviderInvoicePayment } from './stripe-payments';
import { startStripeRecorder, stripeErrorBody, type StripeRecorder } from './testing/stripe-recorder';

const stripeMockUrl = process.env.STRIPE_MOCK_URL;
if (!stripeMockUrl) throw new Error('STRIPE_MOCK_URL is not set: is the test global setup running?');

let recorder: StripeRecorder;
let payments: Payments;

beforeAll(async () => {
  recorder = await startStripeRecorder(stripeMockUrl);
  payments = createStripePayments({
    secretKey: 'sk_test_cpaplatform',
    apiBase: recorder.url,
    maxNetworkRetries: 0,
  });
});

afterAll(async () => {
  await recorder?.close();
});

beforeEach(() => recorder.reset());

function invoiceInput(overrides: Partial<TCreateInvoiceInput> = {}): TCreateInvoiceInput {
  const invoiceId = overrides.invoiceId ?? randomUUID();
  return {
    invoiceId,
    number: 'INV-2026-00042',
    customerId: 'cus_test_harbor',
    currency: 'usd',
    lines: [
      { description: '2025 individual tax return', amountMinor: 45_000 },
      { description: 'State return (CA)', amountMinor: 12_500 },
    ],
    dueDate: new Date('2026-12-31T00:00:00Z'),
    description: 'Tax preparation 2025',
    metadata: {
      [invoiceMetadataKeys.organizationId]: randomUUID(),
      [invoiceMetadataKeys.invoiceId]: invoiceId,
    },
    ...overrides,
  };
}

const unix = (date: Date) => String(Math.floor(date.getTime() / 1000));

async function failureOf(promise: Promise<unknown>): Promise<PaymentsError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(PaymentsError);
  return error as PaymentsError;
}

describe('Stripe payments adapter', () => {
  it('pins the API version the stripe library ships and sends it on every request', async () => {
    await payments.ensureCustomer({
      organizationId: randomUUID(),
      clientId: randomUUID(),
      email: 'ava@example.test',
      name: 'Ava Client',
    });
    expect(recorder.requests.length).toBeGreaterThan(0);
    for (const request of recorder.requests) expect(request.stripeVersion).toBe(Stripe.API_VERSION);
  });

  it('creates a customer for a client once, with a key derived from the client ID and our IDs in metadata', async () => {
    const organizationId = randomUUID();
    const clientId = randomUUID();
    const input = { organizationId, clientId, email: ' Ava@Example.TEST ', name: 'Ava Client' };

    const customer = await payments.ensureCustomer(input);

    expect(customer.customerId).toMatch(/^cus_/);
    expect(customer.created).toBe(true);
    // An earlier attempt's customer would have been found by email before creating.
    expect(recorder.requests[0]).toMatchObject({ method: 'GET', path: '/v1/customers' });
    expect(recorder.requests[0]?.query.get('email')).toBe('ava@example.test');
    const [create] = recorder.writes();
    expect(create).toMatchObject({
      method: 'POST',
      path: '/v1/customers',
      idempotencyKey: `customer:${clientId}:create`,
    });
    expect(Object.fromEntries(create!.params)).toMatchObject({
      email: 'ava@example.test',
      name: 'Ava Client',
      [`metadata[${invoiceMetadataKeys.clientId}]`]: clientId,
      [`metadata[${invoiceMetadataKeys.organizationId}]`]: organizationId,
    });

    recorder.reset();
    await payments.ensureCustomer(input);
    expect(recorder.writes().map((request) => request.idempotencyKey)).toEqual([
      `customer:${clientId}:create`,
    ]);
  });

  it('reuses the customer on file and updates it only when the email or name changed', async () => {
    const clientId = randomUUID();
    recorder.stub(
      (request) => request.method === 'GET' && request.path === '/v1/customers/cus_on_file',
      async (_request, upstream) => ({
        status: 200,
        body: {
          ...((await upstream()) as object),
          id: 'cus_on_file',
          email: 'ava@example.test',
          name: 'Ava Client',
        },
      }),
      2,
    );

    const same = await payments.ensureCustomer({
      organizationId: randomUUID(),
      clientId,
      email: 'ava@example.test',
      name: 'Ava Client',
      existingCustomerId: 'cus_on_file',
    });
    expect(same).toEqual({ customerId: 'cus_on_file', created: false });
    expect(recorder.writes()).toEqual([]);

    const renamed = await payments.ensureCustomer({
      organizationId: randomUUID(),
      clientId,
      email: 'ava.new@example.test',
      name: 'Ava Client',
      existingCustomerId: 'cus_on_file',
    });
    expect(renamed).toEqual({ customerId: 'cus_on_file', created: false });
    const [update] = recorder.writes();
    expect(update).toMatchObject({ method: 'POST', path: '/v1/customers/cus_on_file' });
    expect(update?.idempotencyKey).toMatch(new RegExp(`^customer:${clientId}:update:[0-9a-f]{16}$`));
    expect(update?.params.get('email')).toBe('ava.new@example.test');
  });

  it('creates an invoice as a send_invoice draft with one item per line, every POST keyed by our invoice ID', async () => {
    const input = invoiceInput();

    const invoice = await payments.createInvoice(input);

    expect(invoice.providerInvoiceId).toMatch(/^in_/);
    expect(['draft', 'open', 'paid', 'void', 'uncollectible']).toContain(invoice.status);
    const writes = recorder.writes();
    expect(writes.map((request) => [request.path, request.idempotencyKey])).toEqual([
      ['/v1/invoices', `invoice:${input.invoiceId}:create`],
      ['/v1/invoiceitems', `invoice:${input.invoiceId}:line:0`],
      ['/v1/invoiceitems', `invoice:${input.invoiceId}:line:1`],
    ]);
    expect(Object.fromEntries(writes[0]!.params)).toMatchObject({
      customer: 'cus_test_harbor',
      currency: 'usd',
      collection_method: 'send_invoice',
      due_date: unix(input.dueDate),
      description: 'Tax preparation 2025',
      auto_advance: 'false',
      pending_invoice_items_behavior: 'exclude',
      'custom_fields[0][name]': 'Invoice',
      'custom_fields[0][value]': 'INV-2026-00042',
      [`metadata[${invoiceMetadataKeys.invoiceId}]`]: input.invoiceId,
    });
    expect(Object.fromEntries(writes[1]!.params)).toMatchObject({
      invoice: invoice.providerInvoiceId,
      customer: 'cus_test_harbor',
      amount: '45000',
      currency: 'usd',
      description: '2025 individual tax return',
      'metadata[cpa_line]': '0',
    });
    expect(writes[2]?.params.get('amount')).toBe('12500');
  });

  it('sends the same idempotency keys when an activity retries the same invoice', async () => {
    const input = invoiceInput();
    await payments.createInvoice(input);
    const first = recorder.writes().map((request) => request.idempotencyKey);
    recorder.reset();
    await payments.createInvoice(input);
    expect(recorder.writes().map((request) => request.idempotencyKey)).toEqual(first);
    expect(new Set(first).size).toBe(first.length);
  });

  it('completes the invoice an earlier attempt created instead of creating another, adding only missing lines', async () => {
    const input = invoiceInput({ existingProviderInvoiceId: 'in_from_earlier_attempt' });
    recorder.stub(
      (request) => request.method === 'GET' && request.path === '/v1/invoices/in_from_earlier_attempt/lines',
      () => ({
        status: 200,
        body: {
          object: 'list',
          url: '/v1/invoices/in_from_earlier_attempt/lines',
          has_more: false,
          data: [{ id: 'il_1', object: 'line_item', metadata: { cpa_line: '0' } }],
        },
      }),
    );

    await payments.createInvoice(input);

    expect(recorder.writes().map((request) => [request.path, request.idempotencyKey])).toEqual([
      ['/v1/invoiceitems', `invoice:${input.invoiceId}:line:1`],
    ]);
  });

  it('finalizes a draft once (without auto-advance) and leaves a finalized invoice alone', async () => {
    const invoiceId = randomUUID();
    const finalized = await payments.finalizeInvoice({ invoiceId, providerInvoiceId: 'in_draft' });
    expect(finalized.providerInvoiceId).toMatch(/^in_/);
    expect(recorder.writes()).toMatchObject([
      {
        method: 'POST',
        path: '/v1/invoices/in_draft/finalize',
        idempotencyKey: `invoice:${invoiceId}:finalize`,
      },
    ]);
    expect(recorder.writes()[0]?.params.get('auto_advance')).toBe('false');

    recorder.reset();
    recorder.stub(
      (request) => request.method === 'GET' && request.path === '/v1/invoices/in_open',
      async (_request, upstream) => ({
        status: 200,
        body: {
          ...((await upstream()) as object),
          id: 'in_open',
          status: 'open',
          number: 'HARBOR-0007',
          hosted_invoice_url: 'https://invoice.stripe.test/i/in_open',
        },
      }),
    );
    const already = await payments.finalizeInvoice({ invoiceId, providerInvoiceId: 'in_open' });
    expect(already).toMatchObject({
      providerInvoiceId: 'in_open',
      status: 'open',
      number: 'HARBOR-0007',
      hostedUrl: 'https://invoice.stripe.test/i/in_open',
    });
    expect(recorder.writes()).toEqual([]);
  });

  it('sends an invoice with its send key', async () => {
    const invoiceId = randomUUID();
    await payments.sendInvoice({ invoiceId, providerInvoiceId: 'in_open' });
    expect(recorder.writes()).toMatchObject([
      { method: 'POST', path: '/v1/invoices/in_open/send', idempotencyKey: `invoice:${invoiceId}:send` },
    ]);
  });

  it.each([
    ['open', 'voided', [['POST', '/v1/invoices/in_x/void']]],
    ['uncollectible', 'voided', [['POST', '/v1/invoices/in_x/void']]],
    ['draft', 'deleted', [['DELETE', '/v1/invoices/in_x']]],
    ['void', 'already_void', []],
    ['paid', 'not_voidable', []],
  ] as const)('voids an %s invoice by looking at its state first (%s)', async (status, outcome, writes) => {
    const invoiceId = randomUUID();
    recorder.stub(
      (request) => request.method === 'GET' && request.path === '/v1/invoices/in_x',
      async (_request, upstream) => ({
        status: 200,
        body: { ...((await upstream()) as object), id: 'in_x', status },
      }),
    );
    const result = await payments.voidInvoice({ invoiceId, providerInvoiceId: 'in_x' });
    expect(result.outcome).toBe(outcome);
    expect(recorder.writes().map((request) => [request.method, request.path])).toEqual(writes);
    if (status === 'open') expect(recorder.writes()[0]?.idempotencyKey).toBe(`invoice:${invoiceId}:void`);
  });

  it("reads an invoice's payments from the InvoicePayment list of the pinned API version", async () => {
    recorder.stub(
      (request) => request.method === 'GET' && request.path === '/v1/invoice_payments',
      () => ({
        status: 200,
        body: {
          object: 'list',
          url: '/v1/invoice_payments',
          has_more: false,
          data: [
            invoicePayment({ id: 'inpay_1', payment: { type: 'payment_intent', payment_intent: 'pi_123' } }),
            invoicePayment({
              id: 'inpay_2',
              status: 'open',
              amount_paid: null,
              payment: { type: 'payment_intent', payment_intent: 'pi_open' },
            }),
            invoicePayment({
              id: 'inpay_3',
              amount_paid: 500,
              payment: { type: 'payment_record', payment_record: 'pr_cash' },
            }),
          ],
        },
      }),
    );

    const paid = await payments.listInvoicePayments('in_paid');

    expect(recorder.requests[0]?.query.get('invoice')).toBe('in_paid');
    expect(recorder.requests[0]?.query.get('status')).toBe('paid');
    expect(paid).toEqual([
      { paymentId: 'pi_123', amountMinor: 57_500, currency: 'usd', paidAt: new Date(1_790_000_000_000) },
      { paymentId: 'pr_cash', amountMinor: 500, currency: 'usd', paidAt: new Date(1_790_000_000_000) },
    ]);
  });

  it('gives the hosted payment page of the invoice', async () => {
    recorder.stub(
      (request) => request.method === 'GET' && request.path === '/v1/invoices/in_hosted',
      async (_request, upstream) => ({
        status: 200,
        body: {
          ...((await upstream()) as object),
          id: 'in_hosted',
          hosted_invoice_url: 'https://invoice.stripe.test/i/abc',
        },
      }),
    );
    expect(
      await payments.getHostedPaymentUrl({ invoiceId: randomUUID(), providerInvoiceId: 'in_hosted' }),
    ).toBe('https://invoice.stripe.test/i/abc');
  });
});

describe('Stripe payments adapter failures', () => {
  it('reports a request stripe-mock refuses as invalid (400), not retryable, with a readable message', async () => {
    const error = await failureOf(
      payments.createInvoice(invoiceInput({ lines: [{ description: 'Half a cent', amountMinor: 12.5 }] })),
    );
    expect(error).toMatchObject({ kind: 'invalid_request', retryable: false, statusCode: 400 });
    expect(error.userMessage).toMatch(
      /^Stripe refused the request while adding a line to the Stripe invoice: /,
    );
    expect(error.userMessage).toContain('amount');
  });

  it('reports a key Stripe does not accept as an authentication failure, not retryable', async () => {
    const liveKeyAtMock = createStripePayments({
      secretKey: 'sk_live_notacceptedhere',
      apiBase: recorder.url,
      maxNetworkRetries: 0,
    });
    const error = await failureOf(
      liveKeyAtMock.ensureCustomer({
        organizationId: randomUUID(),
        clientId: randomUUID(),
        email: 'a@b.test',
        name: 'A',
      }),
    );
    expect(error).toMatchObject({ kind: 'authentication', retryable: false, statusCode: 401 });
    expect(error.userMessage).toContain('STRIPE_SECRET_KEY');
  });

  it.each([
    [
      402,
      'declined',
      false,
      stripeErrorBody('card_error', 'Your card was declined.', {
        code: 'card_declined',
        decline_code: 'generic_decline',
      }),
    ],
    [
      403,
      'authentication',
      false,
      stripeErrorBody('invalid_request_error', 'The provided key does not have access.'),
    ],
    [
      404,
      'not_found',
      false,
      stripeErrorBody('invalid_request_error', 'No such invoice', { code: 'resource_missing' }),
    ],
    [
      409,
      'conflict',
      true,
      stripeErrorBody(
        'invalid_request_error',
        'Keys for idempotent requests can only be used once at a time.',
        { code: 'idempotency_key_in_use' },
      ),
    ],
    [
      429,
      'rate_limited',
      true,
      stripeErrorBody('invalid_request_error', 'Too many requests', { code: 'rate_limit' }),
    ],
    [500, 'unavailable', true, stripeErrorBody('api_error', 'Something went wrong on our end.')],
    [503, 'unavailable', true, stripeErrorBody('api_error', 'Service unavailable.')],
  ] as const)('classifies HTTP %i as %s (retryable: %s)', async (status, kind, retryable, body) => {
    recorder.stub(
      (request) => request.method === 'POST' && request.path.endsWith('/send'),
      () => ({ status, body }),
    );
    const error = await failureOf(
      payments.sendInvoice({ invoiceId: randomUUID(), providerInvoiceId: 'in_1' }),
    );
    expect(error).toMatchObject({ kind, retryable, statusCode: status, providerRequestId: 'req_recorded' });
    expect(error.userMessage.length).toBeGreaterThan(20);
    if (kind === 'declined') expect(error.userMessage).toContain('Your card was declined.');
  });

  it("classifies a dropped connection as unavailable and retryable, after the library's one retry with the same key", async () => {
    // The library retries a closed connection once even with retries off; both attempts carry one key.
    recorder.stub(
      (request) => request.path.endsWith('/finalize'),
      () => 'drop-connection',
      2,
    );
    const invoiceId = randomUUID();
    const error = await failureOf(payments.finalizeInvoice({ invoiceId, providerInvoiceId: 'in_1' }));
    expect(error).toMatchObject({ kind: 'unavailable', retryable: true });
    expect(error.userMessage).toMatch(/Could not reach Stripe/);
    expect(recorder.writes().map((request) => request.idempotencyKey)).toEqual([
      `invoice:${invoiceId}:finalize`,
      `invoice:${invoiceId}:finalize`,
    ]);
  });

  it('lets the library retry a 5xx with the same idempotency key, so the retry cannot act twice', async () => {
    const retrying = createStripePayments({
      secretKey: 'sk_test_cpaplatform',
      apiBase: recorder.url,
      maxNetworkRetries: 1,
    });
    recorder.stub(
      (request) => request.method === 'POST' && request.path.endsWith('/send'),
      () => ({ status: 500, body: stripeErrorBody('api_error', 'Try again.') }),
    );
    const invoiceId = randomUUID();
    await retrying.sendInvoice({ invoiceId, providerInvoiceId: 'in_1' });
    expect(recorder.writes().map((request) => request.idempotencyKey)).toEqual([
      `invoice:${invoiceId}:send`,
      `invoice:${invoiceId}:send`,
    ]);
  });
});

describe('InvoicePayment mapping', () => {
  it('ignores payments that have not moved money', () => {
    expect(
      toProviderInvoicePayment(invoicePayment({ status: 'canceled' }) as unknown as Stripe.InvoicePayment),
    ).toBeNull();
    expect(
      toProviderInvoicePayment(
        invoicePayment({
          status_transitions: { paid_at: null, canceled_at: null },
        }) as unknown as Stripe.InvoicePayment,
      ),
    ).toBeNull();
  });
});

function invoicePayment(overrides: Record<string, unknown>) {
  return {
    id: 'inpay_x',
    object: 'invoice_payment',
    amount_paid: 57_500,
    amount_requested: 57_500,
    created: 1_790_000_000,
    currency: 'usd',
    invoice: 'in_paid',
    is_default: true,
    livemode: false,
    payment: { type: 'payment_intent', payment_intent: 'pi_x' },
    status: 'paid',
    status_transitions: { canceled_at: null, paid_at: 1_790_000_000 },
    ...overrides,
  };
}
