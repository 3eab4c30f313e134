/**
 * The local adapter of the payments port, for development and offline firms. It keeps no state of
 * its own: our Invoice rows in Postgres are the invoices (the activities write them as they do with
 * Stripe), IDs are derived from ours, and the "hosted invoice page" is the platform's local payment
 * page (`/pay/<invoiceId>?key=…`). When the client presses Pay there, the page delivers a correctly
 * signed `invoice.paid` event to the platform's own `/webhooks/stripe`, so payment is recorded by the
 * same code as in production. No money moves.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import Stripe from 'stripe';
import { isUuid } from '../../lib/ids';
import { invoiceMetadataKeys, type Payments, type TInvoiceRef, type TProviderInvoice } from './payments';
import { signStripeWebhook } from './stripe-webhooks';

export interface LocalPaymentsOptions {
  /** Base URL of the web app: the payment page lives there. */
  publicUrl: string;
  /** Signs the payment links and the webhooks the payment page delivers (STRIPE_WEBHOOK_SECRET). */
  webhookSecret: string;
}

const hex = (uuid: string) => uuid.replaceAll('-', '').toLowerCase();
const uuidOfHex = (value: string) =>
  `${value.slice(0, 8)}-${value.slice(8, 12)}-${value.slice(12, 16)}-${value.slice(16, 20)}-${value.slice(20)}`;

/** The IDs the local adapter gives provider objects: Stripe's prefixes, then ours. */
export const localPaymentIds = {
  customer: (clientId: string) => `cus_local_${hex(clientId)}`,
  invoice: (invoiceId: string) => `in_local_${hex(invoiceId)}`,
  /** One payment per invoice: paying twice is recognised as the same payment. */
  paymentIntent: (invoiceId: string) => `pi_local_${hex(invoiceId)}`,
  invoicePayment: (invoiceId: string) => `inpay_local_${hex(invoiceId)}`,
};

/** Our invoice ID inside a local provider invoice ID, or null for any other ID. */
export function invoiceIdOfLocalInvoice(providerInvoiceId: string): string | null {
  const match = /^in_local_([0-9a-f]{32})$/.exec(providerInvoiceId);
  if (!match?.[1]) return null;
  const id = uuidOfHex(match[1]);
  return isUuid(id) ? id : null;
}

/**
 * The key in a payment link: an HMAC of the invoice ID, so links cannot be guessed or forged and
 * the page needs no stored token (Stripe's hosted invoice URLs are likewise unguessable).
 */
export function localPaymentKey(webhookSecret: string, invoiceId: string): string {
  return createHmac('sha256', webhookSecret).update(`local-payment:${invoiceId}`).digest('base64url');
}

export function isLocalPaymentKey(webhookSecret: string, invoiceId: string, key: string | null): boolean {
  if (!key) return false;
  const expected = Buffer.from(localPaymentKey(webhookSecret, invoiceId));
  const given = Buffer.from(key);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

export function localPaymentUrl(options: LocalPaymentsOptions, invoiceId: string): string {
  const base = options.publicUrl.replace(/\/+$/, '');
  return `${base}/pay/${invoiceId}?key=${localPaymentKey(options.webhookSecret, invoiceId)}`;
}

export function createLocalPayments(options: LocalPaymentsOptions): Payments {
  const invoiceOf = (ref: TInvoiceRef, status: TProviderInvoice['status']): TProviderInvoice => ({
    providerInvoiceId: ref.providerInvoiceId,
    customerId: null,
    status,
    // Our own number is the invoice's number; nothing else numbers it.
    number: null,
    hostedUrl: status === 'draft' ? null : localPaymentUrl(options, ref.invoiceId),
  });
  const checkRef = (ref: TInvoiceRef) => {
    if (invoiceIdOfLocalInvoice(ref.providerInvoiceId) !== ref.invoiceId) {
      throw new Error(`${ref.providerInvoiceId} is not the local invoice of ${ref.invoiceId}`);
    }
  };

  return {
    provider: 'local',
    ensureCustomer: (input) =>
      settle(() => {
        const customerId = localPaymentIds.customer(input.clientId);
        return { customerId, created: input.existingCustomerId !== customerId };
      }),
    createInvoice: (input) =>
      settle(() => {
        const providerInvoiceId = input.existingProviderInvoiceId ?? localPaymentIds.invoice(input.invoiceId);
        const ref = { invoiceId: input.invoiceId, providerInvoiceId };
        checkRef(ref);
        return { ...invoiceOf(ref, 'draft'), customerId: input.customerId };
      }),
    finalizeInvoice: (ref) => settle(() => (checkRef(ref), invoiceOf(ref, 'open'))),
    // The platform emails its own invoice with the payment link; locally nobody else sends one.
    sendInvoice: (ref) => settle(() => (checkRef(ref), invoiceOf(ref, 'open'))),
    getHostedPaymentUrl: (ref) => settle(() => (checkRef(ref), localPaymentUrl(options, ref.invoiceId))),
    // Whether money has moved is known from our Invoice row, which the caller checks first.
    voidInvoice: (ref) => settle(() => (checkRef(ref), { outcome: 'voided' as const })),
    // Local payments travel inside the `invoice.paid` event itself (see buildLocalInvoicePaidEvent).
    listInvoicePayments: () => Promise.resolve([]),
  };
}

/** Runs `body` and settles a promise with its result, or its exception as a rejection. */
function settle<T>(body: () => T): Promise<T> {
  return new Promise((resolve) => resolve(body()));
}

export interface TLocalPaidInvoice {
  invoiceId: string;
  organizationId: string;
  clientId: string;
  engagementId: string | null;
  providerInvoiceId: string;
  customerId: string | null;
  number: string;
  amountMinor: number;
  currency: string;
  hostedUrl: string | null;
}

/**
 * The `invoice.paid` event Stripe would send when this invoice is paid in full, shaped by the pinned
 * API version: the invoice (status `paid`) with its payments included as a list of InvoicePayment
 * objects, whose PaymentIntent is derived from the invoice ID. Returns the body and its signature.
 */
export function buildLocalInvoicePaidEvent(
  invoice: TLocalPaidInvoice,
  { webhookSecret, paidAt = new Date() }: { webhookSecret: string; paidAt?: Date },
): { eventId: string; payload: string; signature: string } {
  const seconds = Math.floor(paidAt.getTime() / 1000);
  const eventId = `evt_local_${randomBytes(12).toString('hex')}`;
  const metadata: Record<string, string> = {
    [invoiceMetadataKeys.organizationId]: invoice.organizationId,
    [invoiceMetadataKeys.invoiceId]: invoice.invoiceId,
    [invoiceMetadataKeys.clientId]: invoice.clientId,
    ...(invoice.engagementId ? { [invoiceMetadataKeys.engagementId]: invoice.engagementId } : {}),
  };
  const event = {
    id: eventId,
    object: 'event',
    api_version: Stripe.API_VERSION,
    created: seconds,
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type: 'invoice.paid',
    data: {
      object: {
        id: invoice.providerInvoiceId,
        object: 'invoice',
        status: 'paid',
        customer: invoice.customerId,
        collection_method: 'send_invoice',
        currency: invoice.currency,
        amount_due: invoice.amountMinor,
        amount_paid: invoice.amountMinor,
        amount_remaining: 0,
        number: invoice.number,
        hosted_invoice_url: invoice.hostedUrl,
        livemode: false,
        metadata,
        status_transitions: { paid_at: seconds },
        payments: {
          object: 'list',
          url: '/v1/invoice_payments',
          has_more: false,
          data: [
            {
              id: localPaymentIds.invoicePayment(invoice.invoiceId),
              object: 'invoice_payment',
              amount_paid: invoice.amountMinor,
              amount_requested: invoice.amountMinor,
              created: seconds,
              currency: invoice.currency,
              invoice: invoice.providerInvoiceId,
              is_default: true,
              livemode: false,
              payment: {
                type: 'payment_intent',
                payment_intent: localPaymentIds.paymentIntent(invoice.invoiceId),
              },
              status: 'paid',
              status_transitions: { canceled_at: null, paid_at: seconds },
            },
          ],
        },
      },
    },
  };
  const payload = JSON.stringify(event);
  return { eventId, payload, signature: signStripeWebhook({ payload, secret: webhookSecret }) };
}
