/**
 * What every engagement workflow shares with the web app and the activities: the status shape its
 * `getStatus` query returns, the firm's reminder cadence, the projection an activity writes to the
 * read model, the generic cancel update, and how a staff update says "no".
 *
 * The web app imports this module (and each workflow's own `*.contracts.ts`), never the helpers in
 * `engagement-mechanics.ts`, which run inside workflows only.
 */
import { ApplicationFailure, defineQuery, defineUpdate } from '@temporalio/workflow';
import { z } from 'zod';

/** Who an engagement waits for. */
export type TWaitingFrom = 'client' | 'staff' | 'system';

export interface TWaitingFor {
  /** In words, e.g. "3 documents from the checklist". */
  what: string;
  from: TWaitingFrom;
  /** ISO time the wait began. */
  since: string;
}

export interface TReminderStatus {
  /** Reminders emailed so far. */
  sent: number;
  /** Reminders the cadence plans in all. */
  planned: number;
  /** ISO time of the next reminder; null when none is scheduled. */
  nextAt: string | null;
  /**
   * Why the last reminder did not go out (or why reminders are on hold), in words a person reads:
   * "no portal contact", "email bounced", "paused while waiting on K-1". Null when nothing stopped one.
   */
  notSentReason: string | null;
  /** Whether the last reminder passed without an answer and staff were given a follow-up task. */
  escalated: boolean;
}

export type TTaskAssigneeRole = 'owner' | 'admin' | 'manager' | 'preparer' | 'reviewer';

export interface TOpenTaskView {
  taskId: string;
  title: string;
  /** The role the task is meant for (the person may be unassigned). */
  assigneeRole: TTaskAssigneeRole | null;
}

export interface TLastErrorView {
  /** The activity that failed, e.g. `sendEngagementEmail`. */
  activity: string;
  /** The failure's message (activities keep PII out of their messages). */
  message: string;
  /** How many times the workflow has tried the step. */
  attempt: number;
  /** ISO time of the failure. */
  at: string;
  /**
   * ISO time the workflow tries the step again (staff may retry sooner); null when it is not waiting
   * to retry: the step is running again, or it gave up (a business error, or its attempts used up).
   */
  retryAt: string | null;
}

export type TEngagementLifecycle = 'active' | 'completed' | 'cancelled' | 'failed';

/**
 * The common answer of every engagement workflow's `getStatus` query. Times are ISO strings.
 * Workflows may add their own fields by extending it (intake adds its checklist).
 */
export interface TEngagementStatusView {
  engagementId: string;
  workflowId: string;
  /** Engagement type, e.g. `document_intake`. */
  type: string;
  stage: string;
  stageLabel: string;
  /** 0 to 100. */
  progress: number;
  status: TEngagementLifecycle;
  waitingFor: TWaitingFor | null;
  nextDeadline: { label: string; at: string } | null;
  reminders: TReminderStatus;
  openTasks: TOpenTaskView[];
  /** The last activity failure the workflow observed and is still working around; null after a success. */
  lastError: TLastErrorView | null;
  /** Set once the engagement is cancelled. */
  cancellation: { reason: string; byUserId: string | null; at: string } | null;
}

/** The generic status query; each workflow's contracts re-export it under its own type. */
export const getEngagementStatusQuery = defineQuery<TEngagementStatusView>('getStatus');

/** Stage label and progress (0-100) of one stage; each workflow defines a table of these. */
export interface TStageInfo {
  label: string;
  progress: number;
}

/**
 * How often a client is reminded: wait `firstAfterSeconds` after the request, then each wait is the
 * previous one times `backoffCoefficient` (at most `maxIntervalSeconds`), `maxReminders` times. After
 * the last reminder and `escalateAfterSeconds` more, staff get a follow-up task. An explicit
 * `intervalsSeconds` list overrides the computed waits (firms that want "3, 4, 7 days").
 */
export const ZReminderCadence = z
  .object({
    firstAfterSeconds: z.number().int().min(1),
    backoffCoefficient: z.number().min(1).max(10).default(1.5),
    maxIntervalSeconds: z
      .number()
      .int()
      .min(1)
      .default(14 * 86_400),
    maxReminders: z.number().int().min(0).max(20),
    escalateAfterSeconds: z.number().int().min(1),
    intervalsSeconds: z.array(z.number().int().min(1)).max(20).optional(),
  })
  .refine((c) => c.maxIntervalSeconds >= c.firstAfterSeconds, {
    message: 'The longest wait must be at least the first wait',
    path: ['maxIntervalSeconds'],
  });
export type TReminderCadence = z.infer<typeof ZReminderCadence>;
export type TReminderCadenceInput = z.input<typeof ZReminderCadence>;

/** The waits before each reminder, in seconds (pure; same answer on every replay). */
export function reminderIntervals(cadence: TReminderCadence): number[] {
  if (cadence.intervalsSeconds) return [...cadence.intervalsSeconds];
  const waits: number[] = [];
  let wait = cadence.firstAfterSeconds;
  for (let i = 0; i < cadence.maxReminders; i += 1) {
    waits.push(Math.round(wait));
    wait = Math.min(wait * cadence.backoffCoefficient, cadence.maxIntervalSeconds);
  }
  return waits;
}

/**
 * The sent-log key of one reminder: the same reminder is emailed at most once, however often the
 * activity or the workflow task is retried.
 */
export function reminderIdempotencyKey(workflowId: string, kind: string, reminderNumber: number): string {
  return `reminder:${workflowId}:${kind}:${reminderNumber}`;
}

/**
 * What the projection activity writes: the engagement row (stage, progress, status, waiting-for,
 * due dates), one timeline event (unique key), and a Redis publish for open pages.
 */
export interface TEngagementProjection {
  organizationId: string;
  engagementId: string;
  workflowId: string;
  runId: string;
  stage: string;
  progress: number;
  status: TEngagementLifecycle;
  /** In words for lists, e.g. "3 documents (from the client)"; null when waiting for nothing. */
  waitingFor: string | null;
  /** Next deadline; undefined leaves the stored one alone, null clears it. */
  dueAt?: string | null;
  /** Extended due date (after an extension); undefined leaves it alone. */
  extendedDueAt?: string | null;
  event: { key: string; kind: string; message: string; occurredAt: string };
}

/** The `type` of an ApplicationFailure thrown by a staff update's validator. */
export const updateRejectedFailureType = 'UpdateRejected';

/**
 * Refuses a staff update from its validator with a message the web shows as is. The update is not
 * accepted, so nothing about it is written to the workflow's history.
 */
export function rejectUpdate(message: string, reason = 'rejected'): never {
  throw ApplicationFailure.create({
    type: updateRejectedFailureType,
    message,
    nonRetryable: true,
    details: [{ reason }],
  });
}

/**
 * The readable message of an update rejection (or failure), found on the error or its causes; null
 * when the error is something else (e.g. Temporal unreachable). For the web app's update helpers.
 */
export function updateRejectionMessage(error: unknown): string | null {
  for (let current: unknown = error, depth = 0; current && depth < 5; depth += 1) {
    if (current instanceof ApplicationFailure && current.type === updateRejectedFailureType) {
      return current.message;
    }
    current = current instanceof Error ? current.cause : undefined;
  }
  return null;
}

export const ZCancelEngagement = z.object({
  reason: z
    .string()
    .trim()
    .min(3, 'Say in a few words why the engagement is cancelled')
    .max(500, 'Use at most 500 characters'),
  byUserId: z.uuid(),
  /** Whether the client is emailed that the work stopped. */
  notifyClient: z.boolean().default(true),
});
export type TCancelEngagement = z.infer<typeof ZCancelEngagement>;
export type TCancelEngagementInput = z.input<typeof ZCancelEngagement>;

export interface TCancelEngagementResult {
  cancelledAt: string;
  /** Compensations that ran, in the order they ran (the reverse of the steps). */
  compensations: { name: string; ok: boolean; message?: string }[];
}

export const ZRetryFailedStep = z.object({ byUserId: z.uuid() });
export type TRetryFailedStep = z.infer<typeof ZRetryFailedStep>;

export interface TRetryFailedStepResult {
  /** The step tried again now. */
  activity: string;
}

/**
 * Staff try a failing step again now instead of waiting for the workflow's next attempt (shown as
 * `lastError.retryAt`). Refused when nothing is failing.
 */
export const retryFailedStepUpdate = defineUpdate<TRetryFailedStepResult, [TRetryFailedStep]>(
  'retryFailedStep',
);

/** Staff cancel the engagement: compensations run in reverse and the read model says cancelled. */
export const cancelEngagementUpdate = defineUpdate<TCancelEngagementResult, [TCancelEngagementInput]>(
  'cancelEngagement',
);
