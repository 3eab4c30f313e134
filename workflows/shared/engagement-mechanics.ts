/**
 * The mechanics every engagement workflow shares, for use INSIDE workflow code (deterministic). The
 * web app imports `engagement.contracts.ts` instead. Activities live in
 * `activities/engagements/engagement.activities.ts` (`createEngagementActivities`).
 *
 * | need                                     | use                                                      |
 * | ---------------------------------------- | -------------------------------------------------------- |
 * | `getStatus` answer, stage projection     | `EngagementTracker` (`status()`, `moveTo`, `note`)       |
 * | a step that may fail for a while         | `tracker.attempt(name, fn)` (shows `lastError`)          |
 * | staff retry a failing step now           | `handleRetryFailedStep(tracker)` (`retryFailedStepUpdate`) |
 * | a run a failure stopped ends `failed`    | `cancellation.onFailure(e => finishFailed(...))`         |
 * | client reminders, backoff, escalation    | `remindUntilDone` (+ `reminderIdempotencyKey`)           |
 * | due dates a signal re-plans              | `Deadlines` (`plan`, `hold`, `resume`, `next`)           |
 * | cancel with compensations                | `Compensations`, `EngagementCancellation`, `handleCancelEngagement`, `finishCancelled` |
 * | staff action with a readable refusal     | `setStaffUpdateHandler` (zod + state check in the validator) |
 * | bounded history                          | `shouldContinueAsNew`, `continueAsNewWith`               |
 *
 * A workflow built on them looks like this:
 *
 * ```ts
 * const acts = proxyActivities<EngagementActivities>({ startToCloseTimeout: '30 seconds' });
 * const tracker = new EngagementTracker({ organizationId, engagementId, type: 'tax_return',
 *   stages: taxReturnStageInfo, initialStage: 'intake', project: acts.projectEngagement, carried });
 * setHandler(getStatusQuery, () => ({ ...tracker.status(), taxYear }));
 * const compensations = new Compensations();
 * const cancellation = new EngagementCancellation();
 * handleCancelEngagement(cancellation, () => (tracker.stage === 'done' ? 'The return is already filed.' : null));
 * const deadlines = new Deadlines(() => undefined, carried?.deadlines);
 * setHandler(extensionFiledSignal, ({ extendedDueAt }) => {
 *   deadlines.plan('filing', 'Extended filing deadline', extendedDueAt);
 *   tracker.setDeadline(deadlines.next());
 * });
 * const run = await cancellation.run(async () => { ...stages...; return result; });
 * if (run.outcome === 'cancelled')
 *   await finishCancelled({ tracker, compensations, cancellation, request: run.request, cancelledStage: 'cancelled' });
 * ```
 */
export {
  EngagementTracker,
  clonePlain,
  durationMs,
  failureMessage,
  isNonRetryable,
  type TAttemptOptions,
  type TEngagementTrackerOptions,
  type TTrackerState,
} from './engagement-tracker';
export {
  newReminderProgress,
  remindUntilDone,
  type TReminderOutcome,
  type TReminderProgress,
  type TRemindOptions,
} from './reminders';
export { Deadlines, type TDeadline } from './deadlines';
export {
  Compensations,
  EngagementCancellation,
  finishCancelled,
  finishFailed,
  handleCancelEngagement,
  type TCancellationRequest,
  type TCompensationReport,
  type TRunOutcome,
} from './cancellation';
export {
  firstIssue,
  handleRetryFailedStep,
  setStaffUpdateHandler,
  type TStaffUpdateOptions,
} from './staff-updates';
export { continueAsNewWith, shouldContinueAsNew, type THistoryLimits } from './continue-as-new';
export * from './engagement.contracts';
