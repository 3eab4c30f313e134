/**
 * Processes stored Stripe events after the webhook endpoint has answered (see
 * routes/webhooks.stripe.ts). Durable: an event stays `received` in webhook_event until it is
 * processed, so what a crash, an outage or a failed attempt leaves behind is retried: soon (with
 * backoff) by this process, and by a sweep of old `received` events. Each event is locked while it
 * is processed (SKIP LOCKED), so several web processes never work on the same event at once.
 *
 * Processing looks at the object's state, never at the order events arrive in: an `invoice.paid`
 * that comes before `invoice.finalized` finalizes our invoice and records the payment; the late
 * `invoice.finalized` then changes nothing (statuses only move forward). The firm is always the
 * one of our invoice row, found by the provider's invoice ID; metadata only has to agree with it.
 */
import { WorkflowNotFoundError, type Client as TemporalClient } from '@temporalio/client';
import { z } from 'zod';
import { systemActor } from '../../../db/audit/actor';
import { claimStripeEvent, type TClaimedStripeEvent } from '../../../db/billing/claim-stripe-event';
import { findInvoiceForStripeEvent } from '../../../db/billing/find-invoice-for-stripe-event';
import { Invoice, type IInvoice } from '../../../db/billing/invoice.entity';
import { linkStripeInvoice } from '../../../db/billing/link-stripe-invoice';
import { listPendingStripeEvents } from '../../../db/billing/list-pending-stripe-events';
import { recordInvoiceStatus } from '../../../db/billing/record-invoice-status';
import { recordPayment } from '../../../db/billing/record-payment';
import { recordStripeEventOutcome } from '../../../db/billing/record-stripe-event-outcome';
import { Engagement } from '../../../db/engagements/engagement.entity';
import type { Orm } from '../../../db/orm';
import { forSystem, forTenant } from '../../../db/tenancy/tenant-context';
import type { EntityManager } from '../../../db/types';
import {
  invoiceMetadataKeys,
  isPaymentsError,
  type Payments,
  type TProviderInvoicePayment,
} from '../../../integrations/payments/payments';
import { isAppError } from '../../../lib/errors';
import { isUuid } from '../../../lib/ids';
import { invoicePaidSignal, ZInvoicePaid } from '../../../workflows/shared/payments.contracts';

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

export interface StripeEventProcessorDeps {
  orm: () => Promise<Orm>;
  temporal: () => Promise<TemporalClient>;
  payments: () => Payments;
  /** Delays of the attempts after a failed one; after the last, the sweep takes over. */
  retryDelaysMs?: number[];
  /** How often old `received` events are swept, and how old they must be (60 s each unless given). */
  sweepIntervalMs?: number;
  staleAfterMs?: number;
  log?: Pick<Console, 'warn'>;
}

export interface StripeEventProcessor {
  /** Processes one stored event now. */
  process(webhookEventId: string): Promise<TStripeEventOutcome>;
  /** Processes it as soon as the current request is answered, retrying with backoff. */
  enqueue(webhookEventId: string): void;
  /** Processes events left `received` for longer than staleAfterMs; returns how many it tried. */
  sweep(): Promise<number>;
  /** Stops the timers and waits for work in progress. */
  close(): Promise<void>;
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

export function createStripeEventProcessor(deps: StripeEventProcessorDeps): StripeEventProcessor {
  const retryDelaysMs = deps.retryDelaysMs ?? [1_000, 5_000, 30_000, 120_000];
  const staleAfterMs = deps.staleAfterMs ?? 60_000;
  const log = deps.log ?? console;
  const timers = new Set<NodeJS.Timeout>();
  const running = new Set<Promise<unknown>>();
  let closed = false;

  const track = <T>(work: Promise<T>): Promise<T> => {
    running.add(work);
    void work.finally(() => running.delete(work)).catch(() => undefined);
    return work;
  };

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
    const signal = ZInvoicePaid.parse({
      organizationId: fresh.organization.id,
      invoiceId: fresh.id,
      engagementId: engagement.id,
      amountPaidMinor: fresh.amountPaidMinor,
      currency: fresh.currency,
      paidAt: (fresh.paidAt ?? new Date()).toISOString(),
    });
    try {
      const temporal = await deps.temporal();
      await temporal.workflow.getHandle(engagement.workflowId).signal(invoicePaidSignal, signal);
      return { status: 'processed' };
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) {
        return {
          status: 'processed',
          note: `the engagement's workflow (${engagement.workflowId}) is not running: the payment is recorded, no signal was sent`,
        };
      }
      throw error;
    }
  }

  function describe(error: unknown): string {
    if (isPaymentsError(error)) return error.userMessage;
    if (isAppError(error)) return error.message;
    return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  }

  function enqueue(webhookEventId: string, attempt = 0): void {
    if (closed) return;
    const delay = attempt === 0 ? 0 : retryDelaysMs[attempt - 1];
    if (delay === undefined) return; // The sweep picks it up from here.
    const timer = setTimeout(() => {
      timers.delete(timer);
      void track(
        process(webhookEventId).then(
          (outcome) => {
            if (outcome.status === 'retry') enqueue(webhookEventId, attempt + 1);
          },
          (error: unknown) => {
            log.warn(`stripe event ${webhookEventId} could not be processed: ${describe(error)}`);
            enqueue(webhookEventId, attempt + 1);
          },
        ),
      );
    }, delay);
    timer.unref();
    timers.add(timer);
  }

  async function sweep(): Promise<number> {
    const orm = await deps.orm();
    const ids = await listPendingStripeEvents(forSystem(orm, 'sweep of unprocessed stripe webhooks'), {
      receivedBefore: new Date(Date.now() - staleAfterMs),
      limit: 50,
    });
    for (const id of ids) {
      if (closed) break;
      await track(process(id)).catch((error: unknown) =>
        log.warn(`stripe event ${id} could not be processed: ${describe(error)}`),
      );
    }
    return ids.length;
  }

  const sweeper = setInterval(() => {
    void track(sweep()).catch((error: unknown) =>
      log.warn(`sweeping stripe events failed: ${describe(error)}`),
    );
  }, deps.sweepIntervalMs ?? 60_000);
  sweeper.unref();

  return {
    process: (id) => track(process(id)),
    enqueue: (id) => enqueue(id),
    sweep: () => track(sweep()),
    async close() {
      closed = true;
      clearInterval(sweeper);
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await Promise.allSettled([...running]);
    },
  };
}

/** Business rules (a payment for a void invoice, another currency) fail the event for good. */
export function isFinalProcessingError(error: unknown): boolean {
  return isAppError(error) || (isPaymentsError(error) && !error.retryable);
}
