/**
 * Processing of one stored Stripe event (webhook_event, provider `stripe`), shared by the web app's
 * fast path right after a webhook is answered (web/app/payments/stripe-events.server.ts) and the
 * maintenance sweep of events left `received` (activities/maintenance). Each event is claimed while
 * it is processed (SKIP LOCKED), so two processes never work on the same event at once.
 *
 * Processing looks at the object's state, never at the order events arrive in: an `invoice.paid`
 * that comes before `invoice.finalized` finalizes our invoice and records the payment; the late
 * `invoice.finalized` then changes nothing (statuses only move forward). The firm is always the
 * one of our invoice row, found by the provider's invoice ID; metadata only has to agree with it.
 * Telling the engagement's workflow is the caller's (`signalInvoicePaid`): db/ stays free of Temporal.
 */
import { z } from 'zod';
import { systemActor } from '../audit/actor';
import { claimStripeEvent, type TClaimedStripeEvent } from './claim-stripe-event';
import { findInvoiceForStripeEvent } from './find-invoice-for-stripe-event';
import { Invoice, type IInvoice } from './invoice.entity';
import { linkStripeInvoice } from './link-stripe-invoice';
import { listPendingStripeEvents } from './list-pending-stripe-events';
import { recordInvoiceStatus } from './record-invoice-status';
import { recordPayment } from './record-payment';
import { recordStripeEventOutcome } from './record-stripe-event-outcome';
import { Engagement } from '../engagements/engagement.entity';
import type { Orm } from '../orm';
import { forSystem, forTenant } from '../tenancy/tenant-context';
import type { EntityManager } from '../types';
import {
  invoiceMetadataKeys,
  isPaymentsError,
  type Payments,
  type TProviderInvoicePayment,
} from '../../integrations/payments/payments';
import { isAppError } from '../../lib/errors';
import { isUuid } from '../../lib/ids';
import type { TInvoicePaid } from '../../workflows/shared/payments.contracts';

/** The invoice events whose object we reconcile (any other type is stored and ignored). */
export const handledInvoiceEvents = new Set([
  'invoice.finalized',
  'invoice.paid',
  'invoice.payment_succeeded',
  'invoice.voided',
  'invoice.marked_uncollectible',
  'invoice.updated',
]);
/** The pinned API version announces each payment of an invoice as an InvoicePayment too. */
export const handledInvoicePaymentEvents = new Set(['invoice_payment.paid']);

export type TStripeEventOutcome =
  | { status: 'processed' | 'ignored' | 'failed'; note?: string }
  /** Failed for a reason that may pass (database, Temporal or Stripe unavailable): tried again later. */
  | { status: 'retry'; note: string }
  /** Already processed, or another process holds it. */
  | { status: 'not_pending' };

export interface StripeEventHandlerDeps {
  orm: () => Promise<Orm>;
  payments: () => Payments;
  /**
   * Tells the engagement's workflow that its invoice is paid: `not_running` when there is no such
   * workflow (the payment stays recorded); throws when that cannot be known now (retried later).
   */
  signalInvoicePaid: (workflowId: string, signal: TInvoicePaid) => Promise<'signalled' | 'not_running'>;
  log?: Pick<Console, 'warn'>;
}

/** What a sweep of old `received` events did. */
export interface TStripeSweepResult {
  /** Events it tried. */
  tried: number;
  processed: number;
  /** Ignored or failed for good (recorded on the event). */
  settled: number;
  /** Still `received`: tried again later. */
  retry: number;
}

export interface StripeEventHandler {
  /** Processes one stored event now. */
  process(webhookEventId: string): Promise<TStripeEventOutcome>;
  /** Processes up to `limit` events left `received` for longer than `staleAfterMs`, oldest first. */
  sweep(options: { staleAfterMs: number; limit: number; stop?: () => boolean }): Promise<TStripeSweepResult>;
  describe(error: unknown): string;
}

const ZId = z
  .union([z.string(), z.object({ id: z.string() })])
  .transform((v) => (typeof v === 'string' ? v : v.id));

const ZInvoicePaymentObject = z.object({
  id: z.string(),
  object: z.literal('invoice_payment'),
  invoice: ZId,
  status: z.string(),
  amount_paid: z.number().int().nullable(),
  currency: z.string(),
  payment: z.object({
    payment_intent: ZId.nullish(),
    charge: ZId.nullish(),
    payment_record: ZId.nullish(),
  }),
  status_transitions: z.object({ paid_at: z.number().nullish() }),
});
type TInvoicePaymentObject = z.infer<typeof ZInvoicePaymentObject>;

const ZInvoiceObject = z.object({
  id: z.string().min(3),
  object: z.literal('invoice'),
  status: z.string().nullish(),
  customer: ZId.nullish(),
  currency: z.string().nullish(),
  metadata: z.record(z.string(), z.string()).nullish(),
  hosted_invoice_url: z.url().nullish(),
  status_transitions: z.object({ paid_at: z.number().nullish() }).partial().nullish(),
  /** Present when the payments were included (the local payment page always includes them). */
  payments: z.object({ data: z.array(ZInvoicePaymentObject) }).nullish(),
});

const ZEventEnvelope = z.object({
  id: z.string(),
  type: z.string(),
  created: z.number(),
  data: z.object({ object: z.record(z.string(), z.unknown()) }),
});

function paymentOf(object: TInvoicePaymentObject): TProviderInvoicePayment | null {
  const paymentId = object.payment.payment_intent ?? object.payment.charge ?? object.payment.payment_record;
  const paidAt = object.status_transitions.paid_at;
  if (object.status !== 'paid' || !paymentId || !object.amount_paid || !paidAt) return null;
  return {
    paymentId,
    amountMinor: object.amount_paid,
    currency: object.currency.toLowerCase(),
    paidAt: new Date(paidAt * 1000),
  };
}

/** A finished outcome, for errors that are final (business rules, refusals by the provider). */
class FinalOutcome extends Error {
  constructor(readonly outcome: { status: 'ignored' | 'failed'; note: string }) {
    super(outcome.note);
  }
}

export function createStripeEventHandler(deps: StripeEventHandlerDeps): StripeEventHandler {
  const log = deps.log ?? console;

  async function process(webhookEventId: string): Promise<TStripeEventOutcome> {
    const orm = await deps.orm();
    const em = forSystem(orm, 'stripe webhook: the firm is known once the event is matched to an invoice');
    let failure: string | undefined;
    const outcome = await em.transactional(async (tx): Promise<TStripeEventOutcome> => {
      const event = await claimStripeEvent(tx, webhookEventId);
      if (!event) return { status: 'not_pending' };
      let organizationId: string | null = null;
      try {
        const result = await handle(orm, tx, event, (id) => (organizationId = id));
        await recordStripeEventOutcome(tx, { webhookEventId, ...result, organizationId });
        return result;
      } catch (error) {
        const final =
          error instanceof FinalOutcome
            ? error.outcome
            : isFinalProcessingError(error)
              ? { status: 'failed' as const, note: describe(error) }
              : undefined;
        if (final) {
          await recordStripeEventOutcome(tx, { webhookEventId, ...final, organizationId });
          return final;
        }
        failure = describe(error);
        await recordStripeEventOutcome(tx, {
          webhookEventId,
          status: 'received',
          note: failure,
          organizationId,
        });
        return { status: 'retry', note: failure };
      }
    });
    if (failure) log.warn(`stripe event ${webhookEventId} will be retried: ${failure}`);
    return outcome;
  }

  /** Reconciles one event; returns the outcome to record, or throws (FinalOutcome, or to retry). */
  async function handle(
    orm: Orm,
    tx: EntityManager,
    event: TClaimedStripeEvent,
    matched: (organizationId: string) => void,
  ): Promise<{ status: 'processed' | 'ignored'; note?: string }> {
    const envelope = ZEventEnvelope.safeParse(event.payload);
    if (!envelope.success)
      throw new FinalOutcome({ status: 'failed', note: 'the stored payload is not a Stripe event' });
    const { type } = envelope.data;
    const eventAt = new Date(envelope.data.created * 1000);
    const source = `stripe:${event.providerEventId}`;

    if (handledInvoicePaymentEvents.has(type)) {
      const parsed = ZInvoicePaymentObject.safeParse(envelope.data.data.object);
      if (!parsed.success)
        throw new FinalOutcome({ status: 'failed', note: `${type} does not carry an InvoicePayment` });
      const payment = paymentOf(parsed.data);
      if (!payment) return { status: 'ignored', note: 'the invoice payment has not moved money' };
      // An InvoicePayment carries no metadata: only an invoice we already linked can match it. Its
      // invoice.paid event (which does carry our IDs) records the same payment otherwise.
      const match = await findInvoiceForStripeEvent(tx, {
        stripeInvoiceId: parsed.data.invoice,
        customerId: null,
        metadataInvoiceId: null,
        metadataOrganizationId: null,
      });
      if (match.kind !== 'matched') return { status: 'ignored', note: match.reason };
      matched(match.invoice.organization.id);
      const tenant = forTenant(orm, match.invoice.organization.id);
      await openIfDraft(tenant, match.invoice, eventAt, null, source);
      const invoice = await recordPayments(tenant, match.invoice, [payment]);
      return finish(tenant, invoice);
    }

    if (!handledInvoiceEvents.has(type))
      return { status: 'ignored', note: `${type} is not an event the platform acts on` };
    const parsed = ZInvoiceObject.safeParse(envelope.data.data.object);
    if (!parsed.success)
      throw new FinalOutcome({ status: 'failed', note: `${type} does not carry an invoice` });
    const object = parsed.data;
    const metadata = object.metadata ?? {};
    const metadataInvoiceId = metadata[invoiceMetadataKeys.invoiceId];
    const metadataOrganizationId = metadata[invoiceMetadataKeys.organizationId];
    const match = await findInvoiceForStripeEvent(tx, {
      stripeInvoiceId: object.id,
      customerId: object.customer ?? null,
      metadataInvoiceId: isUuid(metadataInvoiceId) ? metadataInvoiceId : null,
      metadataOrganizationId: isUuid(metadataOrganizationId) ? metadataOrganizationId : null,
    });
    if (match.kind === 'none') return { status: 'ignored', note: match.reason };
    if (match.kind === 'mismatch') {
      log.warn(`stripe event ${event.providerEventId} refused: ${match.reason}`);
      throw new FinalOutcome({ status: 'failed', note: `refused: ${match.reason}` });
    }
    const organizationId = match.invoice.organization.id;
    matched(organizationId);
    const tenant = forTenant(orm, organizationId);
    if (match.needsLink) {
      await linkStripeInvoice(tenant, {
        organizationId,
        invoiceId: match.invoice.id,
        stripeInvoiceId: object.id,
        stripeCustomerId: object.customer ?? null,
      });
    }

    const status = object.status ?? 'draft';
    let invoice = match.invoice;
    if (status === 'open' || status === 'paid' || status === 'uncollectible') {
      invoice = await openIfDraft(tenant, invoice, eventAt, object.hosted_invoice_url ?? null, source);
    }
    if (status === 'paid') {
      const included = object.payments?.data
        .map(paymentOf)
        .filter((p): p is TProviderInvoicePayment => p !== null);
      const payments = included?.length ? included : await deps.payments().listInvoicePayments(object.id);
      invoice = await recordPayments(tenant, invoice, payments);
      if (invoice.status !== 'paid') {
        // Stripe says paid (e.g. partly out of band): its word settles the status.
        const paidAt = object.status_transitions?.paid_at;
        invoice = (
          await recordInvoiceStatus(tenant, {
            organizationId,
            invoiceId: invoice.id,
            status: 'paid',
            at: paidAt ? new Date(paidAt * 1000) : eventAt,
            actor: systemActor,
            source,
          })
        ).invoice;
      }
      return finish(tenant, invoice);
    }
    if (status === 'void' || status === 'uncollectible') {
      await recordInvoiceStatus(tenant, {
        organizationId,
        invoiceId: invoice.id,
        status,
        at: eventAt,
        actor: systemActor,
        source,
      });
    }
    return { status: 'processed' };
  }

  /** An invoice the provider has finalized is open here too (the activity may not have said so yet). */
  async function openIfDraft(
    tenant: EntityManager,
    invoice: IInvoice,
    at: Date,
    hostedUrl: string | null,
    source: string,
  ): Promise<IInvoice> {
    const { invoice: updated } = await recordInvoiceStatus(tenant, {
      organizationId: invoice.organization.id,
      invoiceId: invoice.id,
      status: 'open',
      at,
      hostedUrl,
      actor: systemActor,
      source,
    });
    return updated;
  }

  /** Records each payment once (recordPayment is idempotent by the payment's ID). */
  async function recordPayments(
    tenant: EntityManager,
    invoice: IInvoice,
    payments: TProviderInvoicePayment[],
  ): Promise<IInvoice> {
    let current = invoice;
    for (const payment of payments) {
      const result = await recordPayment(tenant, {
        organizationId: invoice.organization.id,
        invoiceId: invoice.id,
        amountMinor: payment.amountMinor,
        currency: payment.currency,
        stripePaymentIntentId: payment.paymentId,
        paidAt: payment.paidAt,
        actor: systemActor,
      });
      current = result.invoice;
    }
    return current;
  }

  /** Tells the engagement's workflow that its invoice is paid (if it is, and it has one). */
  async function finish(
    tenant: EntityManager,
    invoice: IInvoice,
  ): Promise<{ status: 'processed'; note?: string }> {
    const fresh = await tenant.fork().findOneOrFail(Invoice, { id: invoice.id });
    if (fresh.status !== 'paid' || !fresh.engagement) return { status: 'processed' };
    const engagement = await tenant.fork().findOneOrFail(Engagement, { id: fresh.engagement.id });
    const signal: TInvoicePaid = {
      organizationId: fresh.organization.id,
      invoiceId: fresh.id,
      engagementId: engagement.id,
      amountPaidMinor: fresh.amountPaidMinor,
      currency: fresh.currency,
      paidAt: (fresh.paidAt ?? new Date()).toISOString(),
    };
    const sent = await deps.signalInvoicePaid(engagement.workflowId, signal);
    if (sent === 'not_running') {
      return {
        status: 'processed',
        note: `the engagement's workflow (${engagement.workflowId}) is not running: the payment is recorded, no signal was sent`,
      };
    }
    return { status: 'processed' };
  }

  function describe(error: unknown): string {
    if (isPaymentsError(error)) return error.userMessage;
    if (isAppError(error)) return error.message;
    return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  }

  async function sweep(options: {
    staleAfterMs: number;
    limit: number;
    stop?: () => boolean;
  }): Promise<TStripeSweepResult> {
    const orm = await deps.orm();
    const ids = await listPendingStripeEvents(forSystem(orm, 'sweep of unprocessed stripe webhooks'), {
      receivedBefore: new Date(Date.now() - options.staleAfterMs),
      limit: options.limit,
    });
    const result: TStripeSweepResult = { tried: 0, processed: 0, settled: 0, retry: 0 };
    for (const id of ids) {
      if (options.stop?.()) break;
      result.tried += 1;
      const outcome = await process(id).catch((error: unknown): TStripeEventOutcome => {
        log.warn(`stripe event ${id} could not be processed: ${describe(error)}`);
        return { status: 'retry', note: describe(error) };
      });
      if (outcome.status === 'processed') result.processed += 1;
      else if (outcome.status === 'retry') result.retry += 1;
      else if (outcome.status !== 'not_pending') result.settled += 1;
    }
    return result;
  }

  return { process, sweep, describe };
}

/** Business rules (a payment for a void invoice, another currency) fail the event for good. */
export function isFinalProcessingError(error: unknown): boolean {
  return isAppError(error) || (isPaymentsError(error) && !error.retryable);
}
