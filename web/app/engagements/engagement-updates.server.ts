/**
 * What the staff actions of every engagement workflow share on the web side: reading a workflow's
 * live `getStatus`, sending an update and turning its refusal into the workflow's own sentence, the
 * money fields of their forms, and the action route itself (find the engagement, check the form and
 * the role, answer as JSON with a status). Every engagement panel's route and "Retry now" use it.
 */
import type { ActionFunctionArgs } from '@remix-run/node';
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { z } from 'zod';
import type { TEngagementType } from '../../../db/engagements/engagement.entity';
import { AppError, isAppError } from '../../../lib/errors';
import { isUuid } from '../../../lib/ids';
import {
  retryFailedStepUpdate,
  updateRejectionMessage,
} from '../../../workflows/shared/engagement.contracts';
import { stepInWords } from './failing-step';
import { can, type TStaffAction } from '../auth/permissions.server';
import type { TStaff } from '../auth/guards.server';
import { notFound, staffRoute } from '../http/route.server';
import { callTemporal } from '../temporal/temporal.server';
import type { TEngagementActionResult } from './engagement-action-form';
import { findEngagement } from './engagement-queries.server';

const readTimeoutMs = 3_000;
/** Updates wait for the workflow's activities (tasks, audit, emails, a voided invoice). */
const updateTimeoutMs = 30_000;

export type TWorkflowLiveState<T> =
  | { kind: 'running'; status: T }
  | { kind: 'no_answer' }
  | { kind: 'closed'; closeStatus: string; status: T | null }
  | { kind: 'not_found' }
  | { kind: 'unavailable' };

/**
 * Reads a workflow's `getStatus` for an engagement the caller already found in its firm (the
 * workflow ID comes from that row). Never throws for Temporal being down or the workflow missing.
 */
export async function readWorkflowStatus<T extends { engagementId: string }>(
  workflowId: string,
  engagementId: string,
  query: Parameters<WorkflowHandle['query']>[0],
): Promise<TWorkflowLiveState<T>> {
  try {
    return await callTemporal('read workflow status', readTimeoutMs, async (client) => {
      const handle = client.workflow.getHandle(workflowId);
      const description = await handle.describe();
      const status = (await handle.query(query).catch((error: unknown) => {
        console.warn(
          `getStatus of ${workflowId} failed: ${error instanceof Error ? error.message : String(error)}`,
        );
        return null;
      })) as T | null;
      if (status && status.engagementId !== engagementId) return { kind: 'not_found' } as const;
      if (description.status.name !== 'RUNNING')
        return { kind: 'closed', closeStatus: description.status.name, status } as const;
      return status ? ({ kind: 'running', status } as const) : ({ kind: 'no_answer' } as const);
    });
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return { kind: 'not_found' };
    if (isAppError(error) && error.code === 'unavailable') return { kind: 'unavailable' };
    throw error;
  }
}

/**
 * Runs an update on a workflow. A refusal by its validator or handler becomes an AppError `conflict`
 * with the workflow's own sentence; a workflow that no longer runs, a `conflict` saying so.
 */
export async function updateWorkflow<T>(
  what: string,
  workflowId: string,
  call: (handle: WorkflowHandle) => Promise<T>,
  finishedMessage = 'This engagement is no longer running, so nothing can be changed.',
): Promise<T> {
  const finished = () => new AppError('conflict', finishedMessage, { reason: 'workflow_not_running' });
  try {
    return await callTemporal(what, updateTimeoutMs, (client) => call(client.workflow.getHandle(workflowId)));
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) throw finished();
    if (error instanceof WorkflowUpdateFailedError) {
      const cause = innermostMessage(error.cause);
      throw new AppError(
        'conflict',
        updateRejectionMessage(error) ??
          (cause ? `That did not work: ${cause}` : 'That did not work. Please try again.'),
        { reason: 'update_refused', logMessage: `${what} refused: ${String(error.cause ?? error)}` },
      );
    }
    // A run that completed while the request was on its way.
    if (!isAppError(error) && error instanceof Error && /already completed/i.test(error.message)) {
      throw finished();
    }
    throw error;
  }
}

/** The message of the deepest cause (an activity's business error, which keeps PII out of it). */
function innermostMessage(error: unknown): string {
  let message = '';
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 6; depth += 1) {
    message = current.message.split('\n', 1)[0]?.trim() ?? message;
    current = current.cause;
  }
  return message;
}

/**
 * A dollar amount typed into a form ("$1,234.56", "-500", "42") as cents. `example` ends the
 * sentence a wrong value gets ("Enter the closing balance in dollars, for example 1234.56").
 */
export function moneyField(what: string, { maxWholeDigits = 11, example = '1234.56' } = {}) {
  const pattern = new RegExp(`^[-+]?\\d{1,${maxWholeDigits}}(\\.\\d{1,2})?$`);
  return z
    .string()
    .trim()
    .transform((v) => v.replace(/[$,\s]/g, ''))
    .pipe(z.string().regex(pattern, `Enter the ${what} in dollars, for example ${example}`))
    .transform((v) => Math.round(Number(v) * 100));
}

/** The sentence after a cancellation: what was undone, or which compensations failed. */
export function cancelledMessage(
  result: { compensations: { name: string; ok: boolean }[] },
  what: string,
  undone: string,
): string {
  const failed = result.compensations.filter((c) => !c.ok).map((c) => c.name);
  return failed.length === 0
    ? `${what} is cancelled: ${undone}.`
    : `${what} is cancelled, but these could not be undone: ${failed.join(', ')}.`;
}

/** What an action's handler gets: the engagement, who acts, and how to answer. */
export interface TEngagementActionContext {
  engagement: NonNullable<Awaited<ReturnType<typeof findEngagement>>>;
  staff: TStaff;
  /** A JSON answer for the posted form, with its HTTP status. */
  answer: (ok: boolean, message: string, status?: number) => Response;
}

/**
 * `POST /app/engagements/<id>/<panel>`: finds the engagement (of this type, visible to this person;
 * else 404), checks the form against `schema` (400 with the first problem) and the role against
 * `needs` (403), and runs the action. A workflow's refusal or Temporal being unreachable comes back
 * as its sentence with its status (409, 503) and nothing changes.
 */
export function engagementActionRoute<TForm extends { intent: string }>(
  args: ActionFunctionArgs,
  spec: {
    /** The engagement type(s) this route serves; any other answers 404. */
    type: TEngagementType | readonly TEngagementType[];
    schema: z.ZodType<TForm, Record<string, unknown>>;
    needs: Record<TForm['intent'], TStaffAction>;
    run: (input: TForm, ctx: TEngagementActionContext) => Promise<Response>;
  },
): Promise<Response> {
  return staffRoute(args, 'engagements.work', async ({ staff, em, visibility }) => {
    const engagementId = args.params.engagementId;
    if (!isUuid(engagementId)) notFound('This engagement');
    const engagement = await findEngagement(em, {
      organizationId: staff.organizationId,
      engagementId,
      visibility,
    });
    const types: readonly TEngagementType[] = typeof spec.type === 'string' ? [spec.type] : spec.type;
    if (!engagement || !types.includes(engagement.type)) notFound('This engagement');

    const form = await args.request.formData();
    const rawIntent = form.get('intent');
    const intent = typeof rawIntent === 'string' ? rawIntent : 'form';
    // A JSON response with its status (the forms post with fetchers; tests and scripts read it as is).
    const answer = (ok: boolean, message: string, status = 200) =>
      Response.json({ ok, message, form: intent } satisfies TEngagementActionResult, {
        status,
        headers: { 'Cache-Control': 'no-store' },
      });
    const parsed = spec.schema.safeParse(Object.fromEntries(form));
    if (!parsed.success) return answer(false, parsed.error.issues[0]?.message ?? 'Check the form.', 400);
    const input = parsed.data;
    if (!can(staff.role, spec.needs[input.intent as TForm['intent']]))
      return answer(false, 'Your role cannot do this.', 403);
    try {
      return await spec.run(input, { engagement, staff, answer });
    } catch (error) {
      if (isAppError(error) && (error.code === 'conflict' || error.code === 'unavailable')) {
        return answer(false, error.userMessage, error.httpStatus);
      }
      throw error;
    }
  });
}

/**
 * Staff try the step an engagement keeps failing at again now (`retryFailedStep`). Refused in the
 * workflow's words when nothing is failing ("Nothing is failing right now, …").
 */
export async function retryFailedStep(
  workflowId: string,
  input: { byUserId: string },
): Promise<{ message: string }> {
  const result = await updateWorkflow('retry failed step', workflowId, (handle) =>
    handle.executeUpdate(retryFailedStepUpdate, { args: [{ byUserId: input.byUserId }] }),
  );
  return { message: `${stepInWords(result.activity)}: trying again now.` };
}
