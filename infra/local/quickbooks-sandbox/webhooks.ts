/**
 * Webhook delivery as Intuit does it: changes are gathered for a short window, then POSTed as JSON
 * with `intuit-signature: base64(HMAC-SHA256(verifier token, body))`, in the CloudEvents format
 * (an array of events) or the legacy one (`eventNotifications` per realm). A delivery that does not
 * get a 2xx is retried a few times.
 */
import { createHmac, randomUUID } from 'node:crypto';
import type { TChange } from './books';

export type TWebhookFormat = 'cloudevents' | 'legacy';

export interface TWebhookTarget {
  url: string;
  format: TWebhookFormat;
}

export interface TDelivery {
  id: string;
  url: string;
  format: TWebhookFormat;
  body: string;
  signature: string;
  attempts: number;
  /** HTTP status of the last attempt, or the network error. */
  lastResult: number | string | null;
  delivered: boolean;
  at: string;
}

const cloudEventVerbs: Record<TChange['operation'], string> = {
  Create: 'created',
  Update: 'updated',
  Delete: 'deleted',
};

export function cloudEventsBody(changes: TChange[]): string {
  return JSON.stringify(
    changes.map((change) => ({
      specversion: '1.0',
      id: randomUUID(),
      source: 'intuit.quickbooks-sandbox',
      type: `qbo.${change.entity.toLowerCase()}.${cloudEventVerbs[change.operation]}.v1`,
      datacontenttype: 'application/json',
      time: change.at,
      intuitentityid: change.id,
      intuitaccountid: change.realmId,
      data: {},
    })),
  );
}

export function legacyBody(changes: TChange[]): string {
  const byRealm = new Map<string, TChange[]>();
  for (const change of changes) byRealm.set(change.realmId, [...(byRealm.get(change.realmId) ?? []), change]);
  return JSON.stringify({
    eventNotifications: [...byRealm].map(([realmId, list]) => ({
      realmId,
      dataChangeEvent: {
        entities: list.map((change) => ({
          name: change.entity,
          id: change.id,
          operation: change.operation,
          lastUpdated: change.at,
        })),
      },
    })),
  });
}

export function sign(body: string, verifierToken: string): string {
  return createHmac('sha256', verifierToken).update(body, 'utf8').digest('base64');
}

export interface WebhookSenderOptions {
  verifierToken: () => string;
  batchWindowMs: number;
  retryDelaysMs: number[];
  onWarning: (message: string) => void;
}

export class WebhookSender {
  readonly deliveries: TDelivery[] = [];
  private pending = new Map<string, { target: TWebhookTarget; changes: TChange[] }>();
  private timer: NodeJS.Timeout | undefined;
  private inFlight = new Set<Promise<void>>();
  private stopped = false;

  constructor(private readonly options: WebhookSenderOptions) {}

  enqueue(target: TWebhookTarget, change: TChange): void {
    if (this.stopped) return;
    const key = `${target.format} ${target.url}`;
    const batch = this.pending.get(key) ?? { target, changes: [] };
    batch.changes.push(change);
    this.pending.set(key, batch);
    this.timer ??= setTimeout(() => void this.flush(), this.options.batchWindowMs);
  }

  /** Sends what is waiting now and resolves when every delivery (with its retries) has finished. */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batches = [...this.pending.values()];
    this.pending.clear();
    for (const { target, changes } of batches) {
      const body = target.format === 'cloudevents' ? cloudEventsBody(changes) : legacyBody(changes);
      this.track(this.deliver(target, body));
    }
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /** Sends one body now (signed), with retries; resolves with the delivery record. */
  async send(target: TWebhookTarget, body: string): Promise<TDelivery> {
    const delivery = this.deliver(target, body);
    this.track(delivery.then(() => undefined));
    return delivery;
  }

  private track(promise: Promise<unknown>): void {
    const tracked = promise.then(
      () => undefined,
      () => undefined,
    );
    this.inFlight.add(tracked);
    void tracked.finally(() => this.inFlight.delete(tracked));
  }

  private async deliver(target: TWebhookTarget, body: string): Promise<TDelivery> {
    const delivery: TDelivery = {
      id: randomUUID(),
      url: target.url,
      format: target.format,
      body,
      signature: sign(body, this.options.verifierToken()),
      attempts: 0,
      lastResult: null,
      delivered: false,
      at: new Date().toISOString(),
    };
    this.deliveries.push(delivery);
    if (this.deliveries.length > 500) this.deliveries.splice(0, this.deliveries.length - 500);
    const delays = [0, ...this.options.retryDelaysMs];
    for (const delay of delays) {
      if (this.stopped) break;
      if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay).unref());
      delivery.attempts += 1;
      try {
        const response = await fetch(target.url, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'intuit-signature': delivery.signature },
          body,
          signal: AbortSignal.timeout(10_000),
        });
        await response.arrayBuffer();
        delivery.lastResult = response.status;
        if (response.ok) {
          delivery.delivered = true;
          return delivery;
        }
      } catch (error) {
        delivery.lastResult = error instanceof Error ? error.message : String(error);
      }
    }
    this.options.onWarning(
      `webhook to ${target.url} not delivered after ${delivery.attempts} attempts (last: ${String(delivery.lastResult)})`,
    );
    return delivery;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.pending.clear();
    await Promise.allSettled([...this.inFlight]);
  }
}
