/**
 * Keeping histories bounded: long-lived engagement workflows continue as new, carrying their state,
 * before Temporal's warning thresholds (10,240 events or 10 MB by default). Runs inside workflows only.
 */
import {
  allHandlersFinished,
  condition,
  makeContinueAsNewFunc,
  workflowInfo,
  type Workflow,
} from '@temporalio/workflow';

export interface THistoryLimits {
  /** Continue as new past this many events (default 8,000, below the 10,240 warning). */
  maxEvents?: number;
  /** Continue as new past this many bytes (default 8 MB, below the 10 MB warning). */
  maxBytes?: number;
}

/**
 * Whether the run should continue as new now: Temporal suggests it, or the history passed the limits.
 * Check it at a quiet point (no activity or child in flight whose result the run still needs).
 */
export function shouldContinueAsNew(limits: THistoryLimits = {}): boolean {
  const info = workflowInfo();
  return (
    info.continueAsNewSuggested ||
    info.historyLength >= (limits.maxEvents ?? 8_000) ||
    info.historySize >= (limits.maxBytes ?? 8 * 1024 * 1024)
  );
}

/**
 * Continues as new once every update and signal handler has finished (so none is lost), on the same
 * task queue. Never returns.
 *
 * Pass the arguments as a function (`() => [input, state()]`) so they are read AFTER the running
 * handlers finished: an update still awaiting an activity may change the state it would carry. Plain
 * arguments are read at the call, before that wait: use them only when no handler changes the state.
 */
export async function continueAsNewWith<F extends Workflow>(
  workflowType: string,
  args: () => Parameters<F>,
): Promise<never>;
export async function continueAsNewWith<F extends Workflow>(
  workflowType: string,
  ...args: Parameters<F>
): Promise<never>;
export async function continueAsNewWith<F extends Workflow>(
  workflowType: string,
  ...args: unknown[]
): Promise<never> {
  await condition(allHandlersFinished);
  const first = args[0];
  const resolved = (
    args.length === 1 && typeof first === 'function' ? (first as () => unknown[])() : args
  ) as Parameters<F>;
  const next = makeContinueAsNewFunc<F>({ workflowType });
  return next(...resolved);
}
