/**
 * The payments port: what the platform asks of a payment provider. Two adapters implement it:
 * Stripe (stripe-payments.ts, production) and a local one (local-payments.ts) that keeps no state of
 * its own and lets the platform's local payment page stand in for Stripe's hosted invoice page, so
 * the whole pay flow works offline. Activities call it; every write is idempotent by a key derived
 * from our business IDs (see paymentIdempotencyKeys), so a retried activity changes nothing twice.
 */

export const paymentsProviders = ['local', 'stripe'] as const;
export type TPaymentsProvider = (typeof paymentsProviders)[number];

/** The provider's invoice states, as Stripe names them; they map one to one onto our Invoice.status. */
export type TProviderInvoiceStatus = 'draft' | 'open' | 'paid' | 'void' | 'uncollectible';

export interface TEnsureCustomerInput {
  organizationId: string;
  clientId: string;
  email: string;
  name: string;
  /** The customer already on file for this client, if any: reused (and its email/name kept current). */
  existingCustomerId?: string | null;
}

export interface TPaymentsCustomer {
  customerId: string;
  /** True when this call created the customer at the provider. */
  created: boolean;
}

/** One line of an invoice: a description and an amount in minor units (cents), quantity one. */
export interface TInvoiceLine {
  description: string;
  amountMinor: number;
}

export interface TCreateInvoiceInput {
  /** Our invoice ID (a UUID): every idempotency key of this invoice derives from it. */
  invoiceId: string;
  /** Our invoice number, shown on the provider's invoice. */
  number: string;
  customerId: string;
  currency: string;
  lines: TInvoiceLine[];
  dueDate: Date;
  description: string;
  /** Our IDs, stored on the provider's invoice and echoed in its webhooks (see invoiceMetadataKeys). */
  metadata: Record<string, string>;
  /** The provider invoice created by an earlier attempt: completed rather than created again. */
  existingProviderInvoiceId?: string | null;
}

/** The provider's view of one invoice, mapped to our vocabulary. */
export interface TProviderInvoice {
  providerInvoiceId: string;
  customerId: string | null;
  status: TProviderInvoiceStatus;
  /** The provider's invoice number (Stripe numbers invoices when it finalizes them). */
  number: string | null;
  /** Where the client pays: Stripe's hosted invoice page, or the local payment page. */
  hostedUrl: string | null;
}

/** One payment applied to an invoice (Stripe's InvoicePayment). */
export interface TProviderInvoicePayment {
  /**
   * The ID of the money movement: the PaymentIntent, else the Charge or out-of-band PaymentRecord.
   * Unique per payment, so recording it twice is recognised.
   */
  paymentId: string;
  amountMinor: number;
  currency: string;
  paidAt: Date;
}

export interface TInvoiceRef {
  /** Our invoice ID, for idempotency keys. */
  invoiceId: string;
  providerInvoiceId: string;
}

export type TVoidInvoiceResult =
  /** A finalized invoice voided, or a draft deleted (a draft cannot be voided). */
  | { outcome: 'voided' | 'deleted' | 'already_void' }
  /** Money has moved: the invoice stays as it is. */
  | { outcome: 'not_voidable'; status: TProviderInvoiceStatus };

export interface Payments {
  readonly provider: TPaymentsProvider;
  /** Finds or creates the provider's customer for one of our clients. Idempotent by client ID. */
  ensureCustomer(input: TEnsureCustomerInput): Promise<TPaymentsCustomer>;
  /** Creates the invoice as a draft with its lines (or completes one an earlier attempt created). */
  createInvoice(input: TCreateInvoiceInput): Promise<TProviderInvoice>;
  /** Finalizes a draft so it can be paid; an invoice already finalized is returned as it is. */
  finalizeInvoice(ref: TInvoiceRef): Promise<TProviderInvoice>;
  /** Asks the provider to email the invoice to the customer. */
  sendInvoice(ref: TInvoiceRef): Promise<TProviderInvoice>;
  getHostedPaymentUrl(ref: TInvoiceRef): Promise<string | null>;
  /** Cancels an invoice (a compensation): voids it, or deletes it while it is a draft. */
  voidInvoice(ref: TInvoiceRef): Promise<TVoidInvoiceResult>;
  /** The payments that have succeeded against an invoice. */
  listInvoicePayments(providerInvoiceId: string): Promise<TProviderInvoicePayment[]>;
}

/** The metadata keys that tie a provider object to our rows; webhooks carry them back. */
export const invoiceMetadataKeys = {
  organizationId: 'cpa_organization_id',
  invoiceId: 'cpa_invoice_id',
  clientId: 'cpa_client_id',
  engagementId: 'cpa_engagement_id',
} as const;

/** Idempotency keys sent with every write, derived from business IDs (never random). */
export const paymentIdempotencyKeys = {
  customerCreate: (clientId: string) => `customer:${clientId}:create`,
  /** `version` distinguishes different updates (a hash of what is set). */
  customerUpdate: (clientId: string, version: string) => `customer:${clientId}:update:${version}`,
  invoiceCreate: (invoiceId: string) => `invoice:${invoiceId}:create`,
  invoiceLine: (invoiceId: string, index: number) => `invoice:${invoiceId}:line:${index}`,
  invoiceFinalize: (invoiceId: string) => `invoice:${invoiceId}:finalize`,
  invoiceSend: (invoiceId: string) => `invoice:${invoiceId}:send`,
  invoiceVoid: (invoiceId: string) => `invoice:${invoiceId}:void`,
} as const;

export const paymentsErrorKinds = [
  /** The card or bank declined: asking again will not help. */
  'declined',
  /** The provider refused the request as malformed or not allowed in the object's state. */
  'invalid_request',
  /** The object does not exist at the provider. */
  'not_found',
  /** The API key is wrong, revoked or lacks permission. */
  'authentication',
  /** Too many requests: retry later. */
  'rate_limited',
  /** A network failure, a timeout or a 5xx: retry later. */
  'unavailable',
  /** A concurrent request holds the same object or idempotency key: retry shortly. */
  'conflict',
] as const;
export type TPaymentsErrorKind = (typeof paymentsErrorKinds)[number];

const retryableKinds: ReadonlySet<TPaymentsErrorKind> = new Set(['rate_limited', 'unavailable', 'conflict']);

/**
 * A failure of the payment provider, classified: `retryable` says whether the same call may succeed
 * later. `userMessage` is readable by staff (it ends up in the engagement's status); `message` adds
 * what helps an engineer (the provider's code and request ID), never a secret.
 */
export class PaymentsError extends Error {
  override name = 'PaymentsError';
  readonly kind: TPaymentsErrorKind;
  readonly retryable: boolean;
  readonly userMessage: string;
  readonly providerCode: string | undefined;
  readonly providerRequestId: string | undefined;
  readonly statusCode: number | undefined;

  constructor(
    kind: TPaymentsErrorKind,
    userMessage: string,
    details: {
      providerCode?: string;
      providerRequestId?: string;
      statusCode?: number;
      cause?: unknown;
    } = {},
  ) {
    const extra = [
      details.statusCode !== undefined ? `HTTP ${details.statusCode}` : undefined,
      details.providerCode ? `code ${details.providerCode}` : undefined,
      details.providerRequestId ? `request ${details.providerRequestId}` : undefined,
    ].filter(Boolean);
    super(extra.length > 0 ? `${userMessage} (${extra.join(', ')})` : userMessage, { cause: details.cause });
    this.kind = kind;
    this.retryable = retryableKinds.has(kind);
    this.userMessage = userMessage;
    this.providerCode = details.providerCode;
    this.providerRequestId = details.providerRequestId;
    this.statusCode = details.statusCode;
  }
}

export function isPaymentsError(error: unknown): error is PaymentsError {
  return error instanceof PaymentsError;
}
