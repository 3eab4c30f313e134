/**
 * Staff actions as Temporal updates with validators. The validator runs before the update is
 * accepted: when it throws, the caller gets the readable message and nothing is written to the
 * workflow's history. Runs inside workflows only.
 */
import type { UpdateDefinition } from '@temporalio/common';
import { setHandler } from '@temporalio/workflow';
import type { z } from 'zod';
import {
  ZRetryFailedStep,
  rejectUpdate,
  retryFailedStepUpdate,
  type TRetryFailedStepResult,
} from './engagement.contracts';

/** The first problem of a failed parse, as a sentence ("reason: Say why the document is rejected"). */
export function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'The request is not valid.';
  return issue.message;
}

export interface TStaffUpdateOptions<TInput, TParsed, TResult> {
  /** Checked in the validator (readable rejection) and parsed again in the handler (defaults applied). */
  schema: z.ZodType<TParsed, TInput>;
  /**
   * Checks the update against the workflow's current state, without changing it. Returns the reason
   * in words when the action is not possible now (e.g. "This item is already waived."), or null.
   */
  check?: (input: TParsed) => string | null;
  /** Applies the accepted update. Runs after the validator; may await activities. */
  handle: (input: TParsed) => Promise<TResult> | TResult;
}

/**
 * Registers a staff update: zod validation and the state check run in the validator (so a refusal
 * leaves no history), then `handle` runs with the parsed input.
 */
export function setStaffUpdateHandler<TInput, TParsed, TResult, Name extends string>(
  update: UpdateDefinition<TResult, [TInput], Name>,
  options: TStaffUpdateOptions<TInput, TParsed, TResult>,
): void {
  const definition: UpdateDefinition<TResult, [TInput]> = update;
  setHandler<TResult, [TInput], UpdateDefinition<TResult, [TInput]>>(
    definition,
    async (input: TInput) => options.handle(options.schema.parse(input)),
    {
      validator: (input: TInput) => {
        const parsed = options.schema.safeParse(input);
        if (!parsed.success) rejectUpdate(firstIssue(parsed.error), 'invalid_input');
        const reason = options.check?.(parsed.data);
        if (reason) rejectUpdate(reason, 'not_possible_now');
      },
    },
  );
}

/** What `handleRetryFailedStep` needs of the tracker. */
interface TRetryable {
  retryNow(): string | null;
  status(): { lastError: { activity: string } | null };
}

/**
 * Registers `retryFailedStepUpdate`: staff try a failing step (`lastError`) again now. Refused with a
 * readable reason when nothing waits to be retried or `ended()` names why the engagement is over.
 */
export function handleRetryFailedStep(tracker: TRetryable, ended: () => string | null = () => null): void {
  setStaffUpdateHandler(retryFailedStepUpdate, {
    schema: ZRetryFailedStep,
    check: () => {
      const reason = ended();
      if (reason) return reason;
      const failure = tracker.status().lastError;
      if (!failure) return 'Nothing is failing right now, so there is nothing to retry.';
      return null;
    },
    handle: (): TRetryFailedStepResult => {
      const activity = tracker.status().lastError?.activity ?? '';
      const refused = tracker.retryNow();
      if (refused) rejectUpdate(refused, 'not_possible_now');
      return { activity };
    },
  });
}
