/**
 * Client reminders as durable timers: the firm's cadence (with backoff), a pause with a reason, one
 * sent-log key per reminder, and escalation to staff after the last one. Runs inside workflows only.
 */
import { condition } from '@temporalio/workflow';
import {
  reminderIdempotencyKey,
  reminderIntervals,
  type TReminderCadence,
  type TReminderStatus,
} from './engagement.contracts';

/** What the send step reports: sent, or why not (e.g. "no portal contact", "email bounced"). */
export interface TReminderOutcome {
  sent: boolean;
  notSentReason?: string | null;
}

/** Where a reminder sequence stands, as plain data (carry it through continue-as-new). */
export interface TReminderProgress {
  /** Reminder slots used so far (sent or not), so a resumed run goes on with the next one. */
  slotsUsed: number;
  /** Whether the escalation ran. */
  escalated: boolean;
}

export interface TRemindOptions {
  workflowId: string;
  /** Names the reminder sequence in its sent-log keys, e.g. `documents`. */
  kind: string;
  cadence: TReminderCadence;
  /** The status object `getStatus` shows (`tracker.reminders`); updated in place. */
  status: TReminderStatus;
  /** Where to resume (after continue-as-new); updated in place. */
  progress: TReminderProgress;
  /** True once nothing is awaited any more: ends the sequence. */
  done: () => boolean;
  /** A reason reminders are on hold right now ("paused while waiting on K-1"), or null. */
  pausedReason?: () => string | null;
  /**
   * Sends reminder `number` (1-based) through the sent-log under `idempotencyKey`. Must be idempotent:
   * a retried activity with the same key never emails twice.
   */
  send: (reminder: { number: number; idempotencyKey: string }) => Promise<TReminderOutcome>;
  /** After the last reminder and the cadence's escalation wait: give staff a follow-up task. */
  escalate: (summary: { sent: number; planned: number }) => Promise<void>;
}

export function newReminderProgress(): TReminderProgress {
  return { slotsUsed: 0, escalated: false };
}

/**
 * Runs the reminder sequence until `done()` or until it escalated. Returns `'done'` when the wait ended,
 * `'escalated'` after the follow-up task (the caller keeps waiting for `done()`).
 *
 * Each reminder waits its interval on a durable timer. While `pausedReason()` names a reason, no
 * reminder goes out: `status.notSentReason` shows it and the interval starts over when the pause ends.
 */
export async function remindUntilDone(options: TRemindOptions): Promise<'done' | 'escalated'> {
  const { status, progress, cadence } = options;
  const intervals = reminderIntervals(cadence);
  const paused = options.pausedReason ?? (() => null);
  status.planned = intervals.length;

  /** Waits `seconds` unless done or paused first. Resolves to true when the full wait passed. */
  const waitOut = async (seconds: number): Promise<'elapsed' | 'done'> => {
    for (;;) {
      if (options.done()) return 'done';
      const reason = paused();
      if (reason) {
        status.notSentReason = reason;
        status.nextAt = null;
        await condition(() => options.done() || paused() === null);
        if (options.done()) return 'done';
        status.notSentReason = null;
        continue;
      }
      status.nextAt = new Date(Date.now() + seconds * 1000).toISOString();
      const interrupted = await condition(() => options.done() || paused() !== null, seconds * 1000);
      if (!interrupted) return 'elapsed';
    }
  };

  try {
    while (progress.slotsUsed < intervals.length) {
      const seconds = intervals[progress.slotsUsed] ?? cadence.firstAfterSeconds;
      if ((await waitOut(seconds)) === 'done') return 'done';
      progress.slotsUsed += 1;
      status.nextAt = null;
      const outcome = await options.send({
        number: progress.slotsUsed,
        idempotencyKey: reminderIdempotencyKey(options.workflowId, options.kind, progress.slotsUsed),
      });
      if (outcome.sent) {
        status.sent += 1;
        status.notSentReason = null;
      } else {
        status.notSentReason = outcome.notSentReason ?? 'not sent';
      }
    }
    if (progress.escalated) return 'escalated';
    if ((await waitOut(cadence.escalateAfterSeconds)) === 'done') return 'done';
    status.nextAt = null;
    await options.escalate({ sent: status.sent, planned: intervals.length });
    progress.escalated = true;
    status.escalated = true;
    return 'escalated';
  } finally {
    status.nextAt = null;
  }
}
