/**
 * Durable deadline timers that signals can re-plan: each deadline is a timer in its own cancellation
 * scope, so planning it again (an extension filed, a K-1 awaited) cancels the old timer and starts a
 * new one. Runs inside workflows only.
 */
import { CancellationScope, isCancellation, sleep } from '@temporalio/workflow';

/** One deadline as plain data (carry the list through continue-as-new). */
export interface TDeadline {
  key: string;
  label: string;
  /** ISO time. */
  at: string;
  /** Whether its timer fired. */
  due: boolean;
  /** Whether it is on hold (no timer runs): e.g. "waiting on K-1" suspends the filing deadline. */
  held: boolean;
}

interface TRunning {
  deadline: TDeadline;
  scope: CancellationScope | null;
}

/**
 * A set of named deadlines. `onDue(deadline)` is called (synchronously) when a timer fires: set a
 * flag or push to a queue there and let the workflow's main loop react (e.g.
 * `await condition(() => deadlines.isDue('filing'))`). Deadlines planned in a cancelled scope (the
 * engagement was cancelled) stop with it.
 */
export class Deadlines {
  private readonly running = new Map<string, TRunning>();
  private readonly onDue: (deadline: TDeadline) => void;

  /** `carried`: deadlines from the previous run (continue-as-new); pending ones are planned again. */
  constructor(onDue: (deadline: TDeadline) => void = () => undefined, carried: TDeadline[] = []) {
    this.onDue = onDue;
    for (const deadline of carried) {
      if (deadline.due || deadline.held)
        this.running.set(deadline.key, { deadline: { ...deadline }, scope: null });
      else this.plan(deadline.key, deadline.label, deadline.at);
    }
  }

  /** Plans (or re-plans) a deadline: any timer already running for `key` is cancelled first. */
  plan(key: string, label: string, at: Date | string): TDeadline {
    this.clear(key);
    const iso = typeof at === 'string' ? new Date(at).toISOString() : at.toISOString();
    const deadline: TDeadline = { key, label, at: iso, due: false, held: false };
    this.start(deadline);
    return { ...deadline };
  }

  /** Puts a deadline on hold (its timer stops) until `resume` or a new `plan`. */
  hold(key: string): void {
    const entry = this.running.get(key);
    if (!entry || entry.deadline.due) return;
    entry.scope?.cancel();
    entry.scope = null;
    entry.deadline.held = true;
  }

  /** Restarts a held deadline, optionally at a new time. */
  resume(key: string, at?: Date | string): void {
    const entry = this.running.get(key);
    if (!entry || !entry.deadline.held) return;
    this.plan(key, entry.deadline.label, at ?? entry.deadline.at);
  }

  /** Removes a deadline (its timer is cancelled). */
  clear(key: string): void {
    const entry = this.running.get(key);
    entry?.scope?.cancel();
    this.running.delete(key);
  }

  isDue(key: string): boolean {
    return this.running.get(key)?.deadline.due ?? false;
  }

  get(key: string): TDeadline | null {
    const entry = this.running.get(key);
    return entry ? { ...entry.deadline } : null;
  }

  /** The earliest deadline still ahead (not due, not held), for `getStatus`'s `nextDeadline`. */
  next(): { label: string; at: string } | null {
    let best: TDeadline | null = null;
    for (const { deadline } of this.running.values()) {
      if (deadline.due || deadline.held) continue;
      if (!best || deadline.at < best.at) best = deadline;
    }
    return best ? { label: best.label, at: best.at } : null;
  }

  /** Every deadline as plain data. */
  state(): TDeadline[] {
    return [...this.running.values()].map(({ deadline }) => ({ ...deadline }));
  }

  private start(deadline: TDeadline): void {
    const scope = new CancellationScope({ cancellable: true });
    const entry: TRunning = { deadline, scope };
    this.running.set(deadline.key, entry);
    const ms = Math.max(1, new Date(deadline.at).getTime() - Date.now());
    void scope
      .run(() => sleep(ms))
      .then(
        () => {
          if (this.running.get(deadline.key) !== entry) return;
          entry.deadline.due = true;
          entry.scope = null;
          this.onDue({ ...entry.deadline });
        },
        (error: unknown) => {
          if (!isCancellation(error)) throw error;
        },
      );
  }
}
