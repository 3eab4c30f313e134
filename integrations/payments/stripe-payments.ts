/**
 * The Stripe adapter of the payments port, on the `stripe` library with the API version it pins
 * (Stripe.API_VERSION; we never override it, so requests, responses and webhook payloads share one
 * model). In that model an invoice no longer names its PaymentIntent: payments are InvoicePayment
 * objects (`GET /v1/invoice_payments?invoice=…`), and webhooks announce them as `invoice.paid`,
 * `invoice.payment_succeeded` (the invoice) and `invoice_payment.paid` (the InvoicePayment).
 *
 * Every POST carries an idempotency key derived from our business IDs, and every step first looks at
 * the object's state, so an activity retried after Stripe's 24-hour idempotency window still creates,
 * finalizes or sends nothing twice.
 */
import { createHash } from 'node:crypto';
import Stripe from 'stripe';
import {
  invoiceMetadataKeys,
  paymentIdempotencyKeys as keys,
  PaymentsError,
  type Payments,
  type TCreateInvoiceInput,
  type TEnsureCustomerInput,
  type TInvoiceRef,
  type TProviderInvoice,
  type TProviderInvoicePayment,
  type TProviderInvoiceStatus,
} from './payments';

export interface StripePaymentsOptions {
  /** A secret (sk_…) or restricted (rk_…) API key. */
  secretKey: string;
  /** Another API base URL, e.g. stripe-mock's `http://127.0.0.1:12111` in tests. */
  apiBase?: string;
  /** The library retries network failures and 409/429/5xx with the same idempotency key (2 unless given). */
  maxNetworkRetries?: number;
  /** Per-request timeout (20 s unless given); the activity's retry policy takes over after it. */
  timeoutMs?: number;
}

/** The metadata key on each invoice item that records which of our lines it is. */
const LINE_METADATA_KEY = 'cpa_line';

export function createStripePayments(options: StripePaymentsOptions): Payments {
  const stripe = createStripeClient(options);

  /** Runs one Stripe call and turns its failure into a classified PaymentsError. */
  async function call<T>(what: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      throw toPaymentsError(error, what);
    }
  }

  const retrieveInvoice = (id: string) =>
    call('reading the invoice from Stripe', () => stripe.invoices.retrieve(id));

  return {
    provider: 'stripe',

    async ensureCustomer(input: TEnsureCustomerInput) {
      const wanted = { email: input.email.trim().toLowerCase(), name: input.name.trim() };
      const metadata = {
        [invoiceMetadataKeys.organizationId]: input.organizationId,
        [invoiceMetadataKeys.clientId]: input.clientId,
      };
      let existing: Stripe.Customer | undefined;
      if (input.existingCustomerId) {
        const found = await call('reading the customer from Stripe', () =>
          stripe.customers.retrieve(input.existingCustomerId!),
        );
        if (!found.deleted) existing = found;
      } else {
        // A customer an earlier attempt created (after its idempotency key expired) is found by email.
        const sameEmail = await call('looking up the customer in Stripe', () =>
          stripe.customers.list({ email: wanted.email, limit: 100 }),
        );
        existing = sameEmail.data.find(
          (customer) => customer.metadata?.[invoiceMetadataKeys.clientId] === input.clientId,
        );
      }
      if (existing) {
        if (existing.email !== wanted.email || existing.name !== wanted.name) {
          const version = createHash('sha256')
            .update(`${wanted.email}\n${wanted.name}`)
            .digest('hex')
            .slice(0, 16);
          await call('updating the customer in Stripe', () =>
            stripe.customers.update(
              existing.id,
              { ...wanted, metadata },
              { idempotencyKey: keys.customerUpdate(input.clientId, version) },
            ),
          );
        }
        return { customerId: existing.id, created: false };
      }
      // A deleted customer is replaced by a new one: its key names the deleted one, so it is not a replay.
      const idempotencyKey = input.existingCustomerId
        ? `${keys.customerCreate(input.clientId)}:replacing:${input.existingCustomerId}`
        : keys.customerCreate(input.clientId);
      const created = await call('creating the customer in Stripe', () =>
        stripe.customers.create({ ...wanted, metadata }, { idempotencyKey }),
      );
      return { customerId: created.id, created: true };
    },

    async createInvoice(input: TCreateInvoiceInput) {
      let invoice = input.existingProviderInvoiceId
        ? await retrieveInvoice(input.existingProviderInvoiceId)
        : await call('creating the invoice in Stripe', () =>
            stripe.invoices.create(
              {
                customer: input.customerId,
                currency: input.currency,
                collection_method: 'send_invoice',
                due_date: Math.floor(input.dueDate.getTime() / 1000),
                description: input.description,
                // Our number on the invoice; Stripe numbers it too, uniquely across every firm.
                custom_fields: [{ name: 'Invoice', value: input.number }],
                // Only the lines added below, never another invoice's pending items.
                pending_invoice_items_behavior: 'exclude',
                auto_advance: false,
                metadata: input.metadata,
              },
              { idempotencyKey: keys.invoiceCreate(input.invoiceId) },
            ),
          );
      const invoiceId = invoice.id;
      if (invoice.status === 'draft') {
        const present = new Set<string>();
        for await (const line of stripe.invoices.listLineItems(invoiceId, { limit: 100 })) {
          const index = line.metadata?.[LINE_METADATA_KEY];
          if (index !== undefined) present.add(index);
        }
        let added = false;
        for (const [index, line] of input.lines.entries()) {
          if (present.has(String(index))) continue;
          await call('adding a line to the Stripe invoice', () =>
            stripe.invoiceItems.create(
              {
                customer: input.customerId,
                invoice: invoiceId,
                amount: line.amountMinor,
                currency: input.currency,
                description: line.description,
                metadata: {
                  [invoiceMetadataKeys.invoiceId]: input.invoiceId,
                  [LINE_METADATA_KEY]: String(index),
                },
              },
              { idempotencyKey: keys.invoiceLine(input.invoiceId, index) },
            ),
          );
          added = true;
        }
        if (added) invoice = await retrieveInvoice(invoiceId);
      }
      return toProviderInvoice(invoice);
    },

    async finalizeInvoice(ref: TInvoiceRef) {
      const current = await retrieveInvoice(ref.providerInvoiceId);
      if (current.status !== 'draft') return toProviderInvoice(current);
      const finalized = await call('finalizing the Stripe invoice', () =>
        stripe.invoices.finalizeInvoice(
          ref.providerInvoiceId,
          { auto_advance: false },
          { idempotencyKey: keys.invoiceFinalize(ref.invoiceId) },
        ),
      );
      return toProviderInvoice(finalized);
    },

    async sendInvoice(ref: TInvoiceRef) {
      const sent = await call('sending the Stripe invoice', () =>
        stripe.invoices.sendInvoice(
          ref.providerInvoiceId,
          {},
          { idempotencyKey: keys.invoiceSend(ref.invoiceId) },
        ),
      );
      return toProviderInvoice(sent);
    },

    async getHostedPaymentUrl(ref: TInvoiceRef) {
      return (await retrieveInvoice(ref.providerInvoiceId)).hosted_invoice_url ?? null;
    },

    async voidInvoice(ref: TInvoiceRef) {
      const current = await retrieveInvoice(ref.providerInvoiceId);
      const status = invoiceStatusOf(current);
      if (status === 'void') return { outcome: 'already_void' };
      if (status === 'paid') return { outcome: 'not_voidable', status };
      if (status === 'draft') {
        await call('deleting the draft Stripe invoice', () => stripe.invoices.del(ref.providerInvoiceId));
        return { outcome: 'deleted' };
      }
      await call('voiding the Stripe invoice', () =>
        stripe.invoices.voidInvoice(
          ref.providerInvoiceId,
          {},
          { idempotencyKey: keys.invoiceVoid(ref.invoiceId) },
        ),
      );
      return { outcome: 'voided' };
    },

    async listInvoicePayments(providerInvoiceId: string) {
      const payments: TProviderInvoicePayment[] = [];
      await call('listing the payments of the Stripe invoice', async () => {
        for await (const payment of stripe.invoicePayments.list({
          invoice: providerInvoiceId,
          status: 'paid',
          limit: 100,
        })) {
          const mapped = toProviderInvoicePayment(payment);
          if (mapped) payments.push(mapped);
        }
      });
      return payments;
    },
  };
}

/** A Stripe client on the library's pinned API version, pointed at `apiBase` when given. */
export function createStripeClient(options: StripePaymentsOptions): Stripe {
  const base = options.apiBase ? new URL(options.apiBase) : undefined;
  return new Stripe(options.secretKey, {
    maxNetworkRetries: options.maxNetworkRetries ?? 2,
    timeout: options.timeoutMs ?? 20_000,
    appInfo: { name: 'cpa-platform' },
    // Stripe's telemetry header reports request latencies to Stripe; nothing here needs it.
    telemetry: false,
    ...(base
      ? {
          protocol: base.protocol === 'http:' ? ('http' as const) : ('https' as const),
          host: base.hostname,
          port: base.port ? Number(base.port) : base.protocol === 'http:' ? 80 : 443,
        }
      : {}),
  });
}

const knownStatuses: ReadonlySet<string> = new Set(['draft', 'open', 'paid', 'void', 'uncollectible']);

function invoiceStatusOf(invoice: Pick<Stripe.Invoice, 'status'>): TProviderInvoiceStatus {
  const status = invoice.status ?? 'draft';
  return knownStatuses.has(status) ? (status as TProviderInvoiceStatus) : 'draft';
}

const idOf = (value: string | { id: string } | null | undefined): string | null =>
  value == null ? null : typeof value === 'string' ? value : value.id;

/** Maps a Stripe invoice to the port's view of it. */
export function toProviderInvoice(invoice: Stripe.Invoice): TProviderInvoice {
  return {
    providerInvoiceId: invoice.id,
    customerId: idOf(invoice.customer),
    status: invoiceStatusOf(invoice),
    number: invoice.number ?? null,
    hostedUrl: invoice.hosted_invoice_url ?? null,
  };
}

/**
 * Maps a paid InvoicePayment to the port's payment, or null when it has not (yet) moved money.
 * The payment is identified by its PaymentIntent, else its Charge or PaymentRecord.
 */
export function toProviderInvoicePayment(payment: Stripe.InvoicePayment): TProviderInvoicePayment | null {
  const paymentId =
    idOf(payment.payment.payment_intent) ??
    idOf(payment.payment.charge) ??
    idOf(payment.payment.payment_record);
  const paidAt = payment.status_transitions.paid_at;
  if (payment.status !== 'paid' || !paymentId || !payment.amount_paid || !paidAt) return null;
  return {
    paymentId,
    amountMinor: payment.amount_paid,
    currency: payment.currency.toLowerCase(),
    paidAt: new Date(paidAt * 1000),
  };
}

/**
 * Classifies a failure of the Stripe library: a declined card, a refused request and a bad key are
 * final; rate limits, network failures, lock conflicts and 5xx may succeed on a retry.
 */
export function toPaymentsError(error: unknown, what: string): unknown {
  if (!(error instanceof Stripe.errors.StripeError)) return error;
  const details = {
    providerCode: error.code ?? error.rawType,
    providerRequestId: error.requestId,
    statusCode: error.statusCode,
    cause: error,
  };
  const reason = error.message?.trim() || 'no reason given';
  if (error instanceof Stripe.errors.StripeCardError) {
    return new PaymentsError('declined', `The payment was declined while ${what}: ${reason}`, details);
  }
  if (error instanceof Stripe.errors.StripeAuthenticationError) {
    return new PaymentsError(
      'authentication',
      `Stripe did not accept the API key while ${what}: check STRIPE_SECRET_KEY.`,
      details,
    );
  }
  if (error instanceof Stripe.errors.StripePermissionError) {
    return new PaymentsError(
      'authentication',
      `The Stripe API key may not do this (${what}): give the key the permission or use another key.`,
      details,
    );
  }
  if (error instanceof Stripe.errors.StripeRateLimitError) {
    return new PaymentsError(
      'rate_limited',
      `Stripe is rate limiting requests (${what}); retrying.`,
      details,
    );
  }
  if (error instanceof Stripe.errors.StripeConnectionError) {
    return new PaymentsError('unavailable', `Could not reach Stripe while ${what}; retrying.`, details);
  }
  if (error instanceof Stripe.errors.StripeIdempotencyError) {
    return new PaymentsError(
      'invalid_request',
      `Stripe refused a repeated request with different details while ${what}: ${reason}`,
      details,
    );
  }
  const status = error.statusCode ?? 0;
  if (status === 409 || error.code === 'idempotency_key_in_use' || error.code === 'lock_timeout') {
    return new PaymentsError('conflict', `Stripe is busy with the same object (${what}); retrying.`, details);
  }
  if (status === 429) {
    return new PaymentsError(
      'rate_limited',
      `Stripe is rate limiting requests (${what}); retrying.`,
      details,
    );
  }
  if (status >= 500 || error instanceof Stripe.errors.StripeAPIError) {
    return new PaymentsError('unavailable', `Stripe had a problem while ${what}; retrying.`, details);
  }
  if (status === 404 || error.code === 'resource_missing') {
    return new PaymentsError('not_found', `Stripe does not know this object (${what}): ${reason}`, details);
  }
  if (error instanceof Stripe.errors.StripeInvalidRequestError || status === 400) {
    return new PaymentsError(
      'invalid_request',
      `Stripe refused the request while ${what}: ${reason}`,
      details,
    );
  }
  // Anything else Stripe reports (an unexpected status, a new error type): retried, with its message.
  return new PaymentsError('unavailable', `Stripe failed while ${what}: ${reason}`, details);
}
