/**
 * Processes stored Stripe events after the webhook endpoint has answered (see
 * routes/webhooks.stripe.ts): the fast path. Durable: an event stays `received` in webhook_event
 * until it is processed, so what a crash, an outage or a failed attempt leaves behind is retried:
 * soon (with backoff) by this process, and after that by the platform maintenance workflow's sweep
 * (activities/maintenance), which runs on a Temporal Schedule whether or not a webhook arrives.
 * The processing itself is shared with that sweep: db/billing/process-stripe-event.ts.
 */
import { WorkflowNotFoundError, type Client as TemporalClient } from '@temporalio/client';
import { createStripeEventHandler, type TStripeEventOutcome } from '../../../db/billing/process-stripe-event';
import type { Orm } from '../../../db/orm';
import type { Payments } from '../../../integrations/payments/payments';
import { invoicePaidSignal, ZInvoicePaid } from '../../../workflows/shared/payments.contracts';

export {
  handledInvoiceEvents,
  handledInvoicePaymentEvents,
  isFinalProcessingError,
  type TStripeEventOutcome,
} from '../../../db/billing/process-stripe-event';

export interface StripeEventProcessorDeps {
  orm: () => Promise<Orm>;
  temporal: () => Promise<TemporalClient>;
  payments: () => Payments;
  /** Delays of the attempts after a failed one; after the last, the maintenance sweep takes over. */
  retryDelaysMs?: number[];
  /** How old a `received` event must be for `sweep()` (60 s unless given). */
  staleAfterMs?: number;
  log?: Pick<Console, 'warn'>;
}

export interface StripeEventProcessor {
  /** Processes one stored event now. */
  process(webhookEventId: string): Promise<TStripeEventOutcome>;
  /** Processes it as soon as the current request is answered, retrying with backoff. */
  enqueue(webhookEventId: string): void;
  /** Processes events left `received` for longer than staleAfterMs now; returns how many it tried. */
  sweep(): Promise<number>;
  /** Stops the timers and waits for work in progress. */
  close(): Promise<void>;
}

/** Signals an engagement's workflow that its invoice is paid, through a Temporal client. */
export function invoicePaidSignaller(temporal: () => Promise<TemporalClient>) {
  return async (workflowId: string, signal: unknown): Promise<'signalled' | 'not_running'> => {
    const payload = ZInvoicePaid.parse(signal);
    try {
      await (await temporal()).workflow.getHandle(workflowId).signal(invoicePaidSignal, payload);
      return 'signalled';
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return 'not_running';
      throw error;
    }
  };
}

export function createStripeEventProcessor(deps: StripeEventProcessorDeps): StripeEventProcessor {
  const retryDelaysMs = deps.retryDelaysMs ?? [1_000, 5_000, 30_000, 120_000];
  const staleAfterMs = deps.staleAfterMs ?? 60_000;
  const log = deps.log ?? console;
  const handler = createStripeEventHandler({
    orm: deps.orm,
    payments: deps.payments,
    signalInvoicePaid: invoicePaidSignaller(deps.temporal),
    log,
  });
  const timers = new Set<NodeJS.Timeout>();
  const running = new Set<Promise<unknown>>();
  let closed = false;

  const track = <T>(work: Promise<T>): Promise<T> => {
    running.add(work);
    void work.finally(() => running.delete(work)).catch(() => undefined);
    return work;
  };

  function enqueue(webhookEventId: string, attempt = 0): void {
    if (closed) return;
    const delay = attempt === 0 ? 0 : retryDelaysMs[attempt - 1];
    if (delay === undefined) return; // The maintenance sweep picks it up from here.
    const timer = setTimeout(() => {
      timers.delete(timer);
      void track(
        handler.process(webhookEventId).then(
          (outcome) => {
            if (outcome.status === 'retry') enqueue(webhookEventId, attempt + 1);
          },
          (error: unknown) => {
            log.warn(`stripe event ${webhookEventId} could not be processed: ${handler.describe(error)}`);
            enqueue(webhookEventId, attempt + 1);
          },
        ),
      );
    }, delay);
    timer.unref();
    timers.add(timer);
  }

  return {
    process: (id) => track(handler.process(id)),
    enqueue: (id) => enqueue(id),
    sweep: () => track(handler.sweep({ staleAfterMs, limit: 50, stop: () => closed })).then((r) => r.tried),
    async close() {
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await Promise.allSettled([...running]);
    },
  };
}
