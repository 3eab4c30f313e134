/**
 * QuickBooks Online allows each app, per company (realm), at most 10 requests in flight and 500
 * requests a minute; beyond that it answers 429. This limiter keeps one process inside both limits
 * per realm: callers wait in FIFO order for a free slot, and a start is counted in a sliding
 * one-minute window.
 *
 * It is in-process: with several worker processes each gets its own budget. To share one budget,
 * keep the same two structures in Redis per realm: a sorted set of request start times trimmed to
 * the last minute (ZREMRANGEBYSCORE + ZCARD + ZADD in one Lua script) for the rate, and a sorted set
 * of leases with expiry times (ZADD lease, ZREMRANGEBYSCORE expired, ZCARD < 10) for concurrency,
 * each lease removed when its request ends. Until workers scale out, routing the `integrations` task
 * queue to one worker process keeps this limiter exact.
 */

export interface TRealmLimits {
  /** Requests in flight per realm (QuickBooks: 10). */
  maxConcurrent: number;
  /** Requests started per realm in any 60 seconds (QuickBooks: 500). */
  perMinute: number;
}

export const quickbooksRealmLimits: TRealmLimits = { maxConcurrent: 10, perMinute: 500 };

const windowMs = 60_000;

interface RealmState {
  active: number;
  /** Start times inside the current window, oldest first. */
  starts: number[];
  waiting: (() => void)[];
  timer: NodeJS.Timeout | undefined;
}

export class RealmLimiter {
  private readonly realms = new Map<string, RealmState>();
  private acquired = 0;

  constructor(
    readonly limits: TRealmLimits = quickbooksRealmLimits,
    private readonly now: () => number = Date.now,
  ) {
    if (limits.maxConcurrent < 1 || limits.perMinute < 1) throw new Error('realm limits must be at least 1');
  }

  /** Runs `task` once the realm has a free slot and budget, and frees the slot when it settles. */
  async run<T>(realmId: string, task: () => Promise<T>): Promise<T> {
    await this.acquire(realmId);
    try {
      return await task();
    } finally {
      this.release(realmId);
    }
  }

  /** Requests in flight and waiting for a realm (for tests and diagnostics). */
  stats(realmId: string): { active: number; waiting: number; startedLastMinute: number } {
    const state = this.realms.get(realmId);
    if (!state) return { active: 0, waiting: 0, startedLastMinute: 0 };
    this.trim(state);
    return { active: state.active, waiting: state.waiting.length, startedLastMinute: state.starts.length };
  }

  private state(realmId: string): RealmState {
    let state = this.realms.get(realmId);
    if (!state) {
      state = { active: 0, starts: [], waiting: [], timer: undefined };
      this.realms.set(realmId, state);
    }
    return state;
  }

  private trim(state: RealmState): void {
    const cutoff = this.now() - windowMs;
    while (state.starts.length > 0 && (state.starts[0] ?? 0) <= cutoff) state.starts.shift();
  }

  private canStart(state: RealmState): boolean {
    this.trim(state);
    return state.active < this.limits.maxConcurrent && state.starts.length < this.limits.perMinute;
  }

  private start(state: RealmState): void {
    state.active += 1;
    state.starts.push(this.now());
  }

  private acquire(realmId: string): Promise<void> {
    if (++this.acquired % 1000 === 0) this.sweep();
    const state = this.state(realmId);
    if (state.waiting.length === 0 && this.canStart(state)) {
      this.start(state);
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      state.waiting.push(resolve);
      this.pump(realmId, state);
    });
  }

  private release(realmId: string): void {
    const state = this.realms.get(realmId);
    if (!state) return;
    state.active -= 1;
    this.pump(realmId, state);
  }

  /** Forgets realms that are idle and have no start inside the window, so memory stays bounded. */
  private sweep(): void {
    for (const [realmId, state] of this.realms) {
      this.trim(state);
      if (state.active === 0 && state.waiting.length === 0 && !state.timer && state.starts.length === 0) {
        this.realms.delete(realmId);
      }
    }
  }

  /** Starts as many waiters as the limits allow; when only the rate blocks, wakes up when it frees. */
  private pump(realmId: string, state: RealmState): void {
    while (state.waiting.length > 0 && this.canStart(state)) {
      this.start(state);
      state.waiting.shift()?.();
    }
    if (state.waiting.length > 0 && state.active < this.limits.maxConcurrent && !state.timer) {
      const oldest = state.starts[0] ?? this.now();
      const wait = Math.max(1, oldest + windowMs - this.now() + 1);
      state.timer = setTimeout(() => {
        state.timer = undefined;
        this.pump(realmId, state);
      }, wait);
      state.timer.unref();
    }
    if (state.active === 0 && state.waiting.length === 0 && !state.timer && state.starts.length === 0) {
      this.realms.delete(realmId);
    }
  }
}
