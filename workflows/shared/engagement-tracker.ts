/**
 * The process state every engagement workflow shows in `getStatus` and projects to the read model.
 * Runs inside workflows only (deterministic: time comes from the workflow clock).
 */
import {
  ActivityFailure,
  ApplicationFailure,
  ChildWorkflowFailure,
  condition,
  isCancellation,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Duration } from '@temporalio/common';
import { msToNumber } from '@temporalio/common/lib/time';
import { stageKey } from './search-attributes';
import type {
  TEngagementLifecycle,
  TEngagementProjection,
  TEngagementStatusView,
  TLastErrorView,
  TOpenTaskView,
  TReminderStatus,
  TStageInfo,
  TWaitingFor,
  TWaitingFrom,
} from './engagement.contracts';

/** Everything the tracker holds, as plain data: carry it through continue-as-new. */
export interface TTrackerState {
  stage: string;
  progress: number | null;
  status: TEngagementLifecycle;
  eventSeq: number;
  waitingFor: TWaitingFor | null;
  nextDeadline: { label: string; at: string } | null;
  reminders: TReminderStatus;
  openTasks: TOpenTaskView[];
  lastError: TLastErrorView | null;
  cancellation: TEngagementStatusView['cancellation'];
}

export interface TEngagementTrackerOptions<TStage extends string> {
  organizationId: string;
  engagementId: string;
  /** Engagement type, e.g. `document_intake`. */
  type: string;
  stages: Record<TStage, TStageInfo>;
  /** The stage a new run starts in (ignored when `carried` is given). */
  initialStage: TStage;
  /** The projection activity, e.g. `acts.projectEngagement` from `createEngagementActivities`. */
  project: (projection: TEngagementProjection) => Promise<void>;
  /** State carried from the previous run (continue-as-new). */
  carried?: TTrackerState;
}

export interface TAttemptOptions {
  /**
   * Give up (rethrow, `lastError` still shown) after this many failed attempts; default: keep trying,
   * so a step never stalls the engagement silently. Staff may cut any pause short (`retryNow`).
   */
  maxAttempts?: number;
  /** First pause after a failure; doubled after each failure up to `maxPause`. */
  pause?: Duration;
  maxPause?: Duration;
}

const emptyReminders: TReminderStatus = {
  sent: 0,
  planned: 0,
  nextAt: null,
  notSentReason: null,
  escalated: false,
};

/** Milliseconds of a Temporal Duration ("30 seconds", "2 days" or a number of milliseconds). */
export function durationMs(duration: Duration): number {
  return msToNumber(duration);
}

/** A deep copy of plain state (the workflow sandbox has no structuredClone guarantee). */
export function clonePlain<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** The failure's own message: an activity or child failure wraps the interesting one as its cause. */
export function failureMessage(error: unknown): string {
  let current: unknown = error;
  for (let depth = 0; depth < 5; depth += 1) {
    if ((current instanceof ActivityFailure || current instanceof ChildWorkflowFailure) && current.cause) {
      current = current.cause;
      continue;
    }
    break;
  }
  const message = current instanceof Error ? current.message : String(current);
  const line = message.split('\n', 1)[0]?.trim() ?? '';
  return line.length > 300 ? `${line.slice(0, 299)}…` : line;
}

/** Whether a failure is a business error a retry cannot fix (a non-retryable ApplicationFailure). */
export function isNonRetryable(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; current && depth < 5; depth += 1) {
    if (current instanceof ApplicationFailure && current.nonRetryable) return true;
    current = current instanceof Error ? current.cause : undefined;
  }
  return false;
}

/**
 * Holds an engagement's process state and projects its changes.
 *
 * - `status()` is the `getStatus` answer (register it with `setHandler(getStatusQuery, () => tracker.status())`).
 * - `moveTo(stage, kind, message)` changes stage (search attribute `CpaStage` too) and projects it;
 *   `note(kind, message)` adds a timeline event in the current stage; both await the projection activity.
 * - `waitFor`, `setDeadline`, `trackTask`, `reminders` change what the next projection and query say.
 * - `attempt(name, fn)` runs a step and, when its activity fails after its own retries, shows the
 *   failure as `lastError`, pauses and tries again (backing off), instead of failing the workflow.
 * - `state()` gives plain data to carry through continue-as-new (`carried` in the options).
 *
 * Timeline event keys are `<workflowId>:<firstRunId>:<n>`: unique per engagement run chain, stable
 * across activity retries and continue-as-new.
 */
export class EngagementTracker<TStage extends string> {
  private readonly options: TEngagementTrackerOptions<TStage>;
  private current: TTrackerState;
  /** Set by `retryNow()`: the step paused after a failure is tried again at once. */
  private retryRequested = false;

  constructor(options: TEngagementTrackerOptions<TStage>) {
    this.options = options;
    this.current = options.carried
      ? clonePlain(options.carried)
      : {
          stage: options.initialStage,
          progress: null,
          status: 'active',
          eventSeq: 0,
          waitingFor: null,
          nextDeadline: null,
          reminders: { ...emptyReminders },
          openTasks: [],
          lastError: null,
          cancellation: null,
        };
  }

  get stage(): TStage {
    return this.current.stage as TStage;
  }

  get lifecycle(): TEngagementLifecycle {
    return this.current.status;
  }

  /** The reminder part of the status; the reminder helper updates it in place. */
  get reminders(): TReminderStatus {
    return this.current.reminders;
  }

  get openTasks(): readonly TOpenTaskView[] {
    return this.current.openTasks;
  }

  status(): TEngagementStatusView {
    const info = this.options.stages[this.stage];
    return {
      engagementId: this.options.engagementId,
      workflowId: workflowInfo().workflowId,
      type: this.options.type,
      stage: this.stage,
      stageLabel: info.label,
      progress: this.progress(),
      status: this.current.status,
      waitingFor: this.current.waitingFor ? { ...this.current.waitingFor } : null,
      nextDeadline: this.current.nextDeadline ? { ...this.current.nextDeadline } : null,
      reminders: { ...this.current.reminders },
      openTasks: this.current.openTasks.map((t) => ({ ...t })),
      lastError: this.current.lastError ? { ...this.current.lastError } : null,
      cancellation: this.current.cancellation ? { ...this.current.cancellation } : null,
    };
  }

  state(): TTrackerState {
    return clonePlain(this.current);
  }

  private progress(): number {
    const value = this.current.progress ?? this.options.stages[this.stage].progress;
    return Math.max(0, Math.min(100, Math.round(value)));
  }

  /** Progress within a stage (e.g. share of checklist items done); null goes back to the stage's own. */
  setProgress(progress: number | null): void {
    this.current.progress = progress;
  }

  /** What the engagement waits for now; keeps `since` while the same wait continues. */
  waitFor(what: string, from: TWaitingFrom): void {
    const previous = this.current.waitingFor;
    if (previous && previous.what === what && previous.from === from) return;
    this.current.waitingFor = {
      what,
      from,
      since: previous && previous.from === from ? previous.since : new Date(Date.now()).toISOString(),
    };
  }

  stopWaiting(): void {
    this.current.waitingFor = null;
  }

  setDeadline(deadline: { label: string; at: Date | string } | null): void {
    this.current.nextDeadline = deadline
      ? {
          label: deadline.label,
          at: typeof deadline.at === 'string' ? deadline.at : deadline.at.toISOString(),
        }
      : null;
  }

  trackTask(task: TOpenTaskView): void {
    if (this.current.openTasks.some((t) => t.taskId === task.taskId)) return;
    this.current.openTasks.push({ ...task });
  }

  untrackTask(taskId: string): void {
    this.current.openTasks = this.current.openTasks.filter((t) => t.taskId !== taskId);
  }

  recordFailure(activity: string, error: unknown, attempt: number, retryAt: Date | null = null): void {
    this.current.lastError = {
      activity,
      message: failureMessage(error),
      attempt,
      at: new Date(Date.now()).toISOString(),
      retryAt: retryAt ? retryAt.toISOString() : null,
    };
  }

  /**
   * Staff asked to try the failed step again now (`retryFailedStepUpdate`). Returns the reason in
   * words when there is nothing to retry, or null when the paused step goes again at once.
   */
  retryNow(): string | null {
    const failure = this.current.lastError;
    if (!failure) return 'Nothing is failing right now, so there is nothing to retry.';
    if (!failure.retryAt) return `"${failure.activity}" is not waiting to be tried again.`;
    this.retryRequested = true;
    return null;
  }

  clearFailure(): void {
    this.current.lastError = null;
  }

  markCancelled(cancellation: { reason: string; byUserId: string | null }): void {
    this.current.cancellation = { ...cancellation, at: new Date(Date.now()).toISOString() };
    this.current.status = 'cancelled';
  }

  /** Changes stage and projects it (read model, timeline, live update). */
  async moveTo(
    stage: TStage,
    kind: string,
    message: string,
    options: { status?: TEngagementLifecycle; dueAt?: string | null; extendedDueAt?: string | null } = {},
  ): Promise<void> {
    if (stage !== this.current.stage) this.current.progress = null;
    this.current.stage = stage;
    if (options.status) this.current.status = options.status;
    upsertSearchAttributes([{ key: stageKey, value: stage }]);
    await this.project(kind, message, options);
  }

  /** Adds a timeline event in the current stage (and projects the current state with it). */
  async note(
    kind: string,
    message: string,
    options: { dueAt?: string | null; extendedDueAt?: string | null } = {},
  ): Promise<void> {
    await this.project(kind, message, options);
  }

  private async project(
    kind: string,
    message: string,
    options: { dueAt?: string | null; extendedDueAt?: string | null },
  ): Promise<void> {
    const info = workflowInfo();
    this.current.eventSeq += 1;
    const waiting = this.current.waitingFor;
    const projection: TEngagementProjection = {
      organizationId: this.options.organizationId,
      engagementId: this.options.engagementId,
      workflowId: info.workflowId,
      runId: info.runId,
      stage: this.current.stage,
      progress: this.progress(),
      status: this.current.status,
      waitingFor: waiting ? `${waiting.what} (from the ${waiting.from})` : null,
      ...(options.dueAt !== undefined ? { dueAt: options.dueAt } : {}),
      ...(options.extendedDueAt !== undefined ? { extendedDueAt: options.extendedDueAt } : {}),
      event: {
        key: `${info.workflowId}:${info.firstExecutionRunId}:${this.current.eventSeq}`,
        kind,
        message: message.length > 500 ? `${message.slice(0, 499)}…` : message,
        occurredAt: new Date(Date.now()).toISOString(),
      },
    };
    // A projection that keeps failing (database down) shows as lastError and is tried again later.
    await this.attempt('projectEngagement', () => this.options.project(projection));
  }

  /**
   * Runs a step whose activities have a bounded retry policy. When it fails (after the activity's own
   * retries), `getStatus` shows `lastError`, the workflow pauses and tries again, backing off; success
   * clears `lastError`. While it pauses, `lastError.retryAt` says when it goes again and `retryNow()`
   * (staff) cuts the pause short. Cancellation and non-retryable business failures are rethrown at
   * once, and so is the failure after `maxAttempts` (both still shown as `lastError`, without `retryAt`).
   */
  async attempt<T>(activity: string, step: () => Promise<T>, options: TAttemptOptions = {}): Promise<T> {
    const maxAttempts = options.maxAttempts ?? Number.POSITIVE_INFINITY;
    const maxPause = durationMs(options.maxPause ?? '10 minutes');
    let pause = durationMs(options.pause ?? '30 seconds');
    for (let attempt = 1; ; attempt += 1) {
      try {
        const value = await step();
        if (this.current.lastError?.activity === activity) this.clearFailure();
        return value;
      } catch (error) {
        if (isCancellation(error)) throw error;
        const givingUp = isNonRetryable(error) || attempt >= maxAttempts;
        this.recordFailure(activity, error, attempt, givingUp ? null : new Date(Date.now() + pause));
        if (givingUp) throw error;
        // A timer like `sleep` (same history), which staff may cut short with retryNow().
        this.retryRequested = false;
        await condition(() => this.retryRequested, pause);
        this.retryRequested = false;
        if (this.current.lastError?.activity === activity) this.current.lastError.retryAt = null;
        pause = Math.min(pause * 2, maxPause);
      }
    }
  }
}
