/**
 * Cancelling an engagement: a small saga. Steps register their compensation as they complete; on
 * cancel the compensations run in reverse in a non-cancellable scope (each one runs even when an
 * earlier one failed), and the read model is left saying "cancelled". Runs inside workflows only.
 */
import {
  CancellationScope,
  ContinueAsNew,
  allHandlersFinished,
  condition,
  isCancellation,
  log,
  patched,
  setHandler,
} from '@temporalio/workflow';
import {
  cancelEngagementUpdate,
  rejectUpdate,
  ZCancelEngagement,
  type TCancelEngagementResult,
} from './engagement.contracts';
import { failureMessage, type EngagementTracker } from './engagement-tracker';
import { firstIssue } from './staff-updates';

export interface TCompensationReport {
  name: string;
  ok: boolean;
  message?: string;
}

/**
 * Compensations registered as steps complete (`add` right after the step succeeded). They are not
 * plain data: after continue-as-new, register them again from the carried state.
 */
export class Compensations {
  private readonly steps: { name: string; run: () => Promise<unknown> }[] = [];

  add(name: string, run: () => Promise<unknown>): void {
    this.steps.push({ name, run });
  }

  /** Drops the compensation of a step that no longer needs undoing (e.g. a request the client answered). */
  remove(name: string): void {
    const index = this.steps.findIndex((s) => s.name === name);
    if (index >= 0) this.steps.splice(index, 1);
  }

  names(): string[] {
    return this.steps.map((s) => s.name);
  }

  /** Runs every compensation, last registered first, even if the workflow is being cancelled. */
  async compensate(): Promise<TCompensationReport[]> {
    return CancellationScope.nonCancellable(async () => {
      const reports: TCompensationReport[] = [];
      for (const step of [...this.steps].reverse()) {
        try {
          await step.run();
          reports.push({ name: step.name, ok: true });
        } catch (error) {
          reports.push({ name: step.name, ok: false, message: failureMessage(error) });
        }
      }
      this.steps.length = 0;
      return reports;
    });
  }
}

/** Why and by whom an engagement is cancelled; `byUserId` is null when it came through Temporal itself. */
export interface TCancellationRequest {
  reason: string;
  byUserId: string | null;
  notifyClient: boolean;
}

export type TRunOutcome<T> =
  | { outcome: 'completed'; value: T }
  | { outcome: 'cancelled'; request: TCancellationRequest; external: boolean };

/**
 * Runs an engagement's body in a scope that the cancel update (or a Temporal cancellation request)
 * cancels. Register the update with `handleCancelEngagement`, then:
 *
 * ```ts
 * const run = await cancellation.run(() => body());
 * if (run.outcome === 'cancelled') return finishCancelled({ ... });
 * ```
 */
export class EngagementCancellation {
  private requested: TCancellationRequest | null = null;
  private finished: TCancelEngagementResult | null = null;
  private scope: CancellationScope | null = null;
  private failed: ((error: unknown) => Promise<void>) | null = null;

  get request(): TCancellationRequest | null {
    return this.requested;
  }

  get result(): TCancelEngagementResult | null {
    return this.finished;
  }

  /** Asks the running body to stop (from the update handler). */
  requestCancel(request: TCancellationRequest): void {
    if (this.requested) return;
    this.requested = request;
    this.scope?.cancel();
  }

  /**
   * What to do when the body fails with anything but a cancellation (e.g. `finishFailed`), before the
   * failure is rethrown.
   */
  onFailure(handler: (error: unknown) => Promise<void>): void {
    this.failed = handler;
  }

  async run<T>(body: () => Promise<T>): Promise<TRunOutcome<T>> {
    const scope = new CancellationScope({ cancellable: true });
    this.scope = scope;
    if (this.requested) scope.cancel();
    try {
      return { outcome: 'completed', value: await scope.run(body) };
    } catch (error) {
      if (!isCancellation(error)) {
        await this.failed?.(error);
        throw error;
      }
      const external = this.requested === null;
      this.requested ??= {
        reason: 'Cancelled through Temporal (not from the engagement page)',
        byUserId: null,
        notifyClient: false,
      };
      return { outcome: 'cancelled', request: this.requested, external };
    } finally {
      this.scope = null;
    }
  }

  /** Records the result the waiting cancel update returns. */
  finish(result: TCancelEngagementResult): void {
    this.finished = result;
  }
}

/**
 * Registers the shared `cancelEngagement` update. Its validator rejects bad input and engagements
 * that cannot be cancelled now (`cannotCancel()` returns the reason in words), so a refused cancel
 * leaves no trace in history. An accepted cancel returns once the compensations have run.
 */
export function handleCancelEngagement(
  cancellation: EngagementCancellation,
  cannotCancel: () => string | null,
): void {
  setHandler(
    cancelEngagementUpdate,
    async (input) => {
      cancellation.requestCancel(ZCancelEngagement.parse(input));
      await condition(() => cancellation.result !== null);
      const result = cancellation.result;
      if (!result) throw new Error('unreachable: cancellation finished without a result');
      return result;
    },
    {
      validator: (input) => {
        const parsed = ZCancelEngagement.safeParse(input);
        if (!parsed.success) rejectUpdate(firstIssue(parsed.error), 'invalid_input');
        if (cancellation.request)
          rejectUpdate('This engagement is already being cancelled.', 'already_cancelled');
        const reason = cannotCancel();
        if (reason) rejectUpdate(reason, 'cannot_cancel');
      },
    },
  );
}

/**
 * The end of a cancelled engagement: marks the tracker cancelled, runs the compensations in reverse,
 * projects the `cancelled` stage (status cancelled) with what was undone, answers the waiting cancel
 * update and waits for handlers to finish. All of it in a non-cancellable scope.
 */
export async function finishCancelled<TStage extends string>(options: {
  tracker: EngagementTracker<TStage>;
  compensations: Compensations;
  cancellation: EngagementCancellation;
  request: TCancellationRequest;
  cancelledStage: TStage;
}): Promise<TCancelEngagementResult> {
  const { tracker, compensations, cancellation, request } = options;
  return CancellationScope.nonCancellable(async () => {
    tracker.markCancelled({ reason: request.reason, byUserId: request.byUserId });
    tracker.stopWaiting();
    tracker.setDeadline(null);
    const reports = await compensations.compensate();
    const failed = reports.filter((r) => !r.ok);
    const summary =
      failed.length === 0
        ? `Cancelled: ${request.reason}`
        : `Cancelled: ${request.reason}. Could not undo: ${failed.map((f) => f.name).join(', ')}`;
    await tracker.moveTo(options.cancelledStage, 'cancelled', summary, { status: 'cancelled', dueAt: null });
    const result: TCancelEngagementResult = {
      cancelledAt: new Date(Date.now()).toISOString(),
      compensations: reports,
    };
    cancellation.finish(result);
    await condition(allHandlersFinished);
    return result;
  });
}

/**
 * The end of an engagement a failure stopped (a business error no retry can fix, or a step that gave
 * up after its attempts): the read model says `failed`, and the timeline says which step failed and
 * why, so staff see it instead of an engagement that looks active forever. Register it with
 * `cancellation.onFailure`: the run's failure is rethrown afterwards, so Temporal records it too.
 * Cancellations and continue-as-new are left alone.
 *
 * `patchId` (e.g. `intake-project-failure`) guards the projection: a history that ended in a failure
 * before it existed replays without it (queries on closed runs replay them).
 */
export async function finishFailed<TStage extends string>(options: {
  tracker: EngagementTracker<TStage>;
  error: unknown;
  patchId: string;
}): Promise<void> {
  const { tracker, error } = options;
  // Continuing as new ends a run by throwing too: that is no failure.
  if (error instanceof ContinueAsNew || isCancellation(error) || !patched(options.patchId)) return;
  await CancellationScope.nonCancellable(async () => {
    const failure = tracker.status().lastError;
    const what = failure ? `${failure.activity} failed: ${failure.message}` : failureMessage(error);
    tracker.stopWaiting();
    tracker.setDeadline(null);
    try {
      await tracker.moveTo(tracker.stage, 'failed', `The engagement stopped: ${what}`, {
        status: 'failed',
        dueAt: null,
      });
    } catch (projectionError) {
      // The projection itself cannot be written: the original failure is what the run ends with.
      log.error('could not record the failed engagement', { error: failureMessage(projectionError) });
    }
  });
}
