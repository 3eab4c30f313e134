/**
 * The web app's side of the client onboarding workflow: start it, read its live status, send it
 * the portal profile, and send staff actions (cancel, a new portal link) as updates. Only the
 * contracts module is imported, never the workflow implementation. A refused update comes back as
 * an AppError `conflict` carrying the workflow's own sentence.
 */
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdReusePolicy,
  WorkflowNotFoundError,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import {
  cancelEngagementUpdate,
  clientOnboardingWorkflowType,
  getStatusQuery,
  onboardingWorkflowId,
  profileSubmittedSignal,
  reassignFollowUpUpdate,
  resendInvitationUpdate,
  type TCancelEngagementInput,
  type TClientOnboardingInput,
  type TOnboardingResult,
  type TOnboardingStatusView,
  type TProfileSubmission,
  type TReassignFollowUpInput,
  type TResendInvitationInput,
} from '../../../workflows/onboarding/client-onboarding.contracts';
import {
  clientIdKey,
  engagementTypeKey,
  organizationIdKey,
  stageKey,
} from '../../../workflows/shared/search-attributes';
import { taskQueues } from '../../../workflows/shared/task-queues';
import { isAppError } from '../../../lib/errors';
import { callTemporal } from '../temporal/temporal.server';
import { updateWorkflow } from '../engagements/engagement-updates.server';

type ClientOnboardingWorkflow = (input: TClientOnboardingInput) => Promise<TOnboardingResult>;

const startTimeoutMs = 10_000;
const readTimeoutMs = 3_000;

export interface TStartedOnboarding {
  workflowId: string;
  /** The engagement to show; null when the workflow already ran but did not answer its status query. */
  engagementId: string | null;
  alreadyStarted: boolean;
}

/** Whether a workflow execution carries this firm's ID (search attributes hold IDs only). */
async function belongsTo(client: Client, workflowId: string, organizationId: string): Promise<boolean> {
  const description = await client.workflow.getHandle(workflowId).describe();
  return description.typedSearchAttributes.get(organizationIdKey) === organizationId;
}

/**
 * Starts onboarding for a new client. The workflow ID is the client's business key, so submitting
 * the same form twice starts one workflow: the second call answers with the first one's engagement.
 */
export async function startClientOnboarding(input: TClientOnboardingInput): Promise<TStartedOnboarding> {
  const workflowId = onboardingWorkflowId(input.clientId);
  return callTemporal('start client onboarding', startTimeoutMs, async (client) => {
    try {
      await client.workflow.start<ClientOnboardingWorkflow>(clientOnboardingWorkflowType, {
        taskQueue: taskQueues.engagements,
        workflowId,
        args: [input],
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        typedSearchAttributes: [
          { key: organizationIdKey, value: input.organizationId },
          { key: clientIdKey, value: input.clientId },
          { key: engagementTypeKey, value: 'client_onboarding' },
          { key: stageKey, value: 'creating_client' },
        ],
      });
      return { workflowId, engagementId: input.engagementId, alreadyStarted: false };
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      if (!(await belongsTo(client, workflowId, input.organizationId))) {
        return { workflowId, engagementId: null, alreadyStarted: true };
      }
      const status = await client.workflow
        .getHandle(workflowId)
        .query(getStatusQuery)
        .catch(() => null);
      return { workflowId, engagementId: status?.engagementId ?? null, alreadyStarted: true };
    }
  });
}

/** What Temporal says about one onboarding right now. */
export type TOnboardingLiveState =
  /**
   * `status` is null when no worker answered the query in time; `stage` is then the stage search
   * attribute, which the server keeps without a worker.
   */
  | { kind: 'running'; runId: string; status: TOnboardingStatusView | null; stage: string | null }
  | { kind: 'closed'; runId: string; closeStatus: string }
  | { kind: 'not_found' }
  | { kind: 'unavailable' };

/**
 * Describes the onboarding workflow of a client of this firm and, while it runs, queries its status.
 * Never throws for Temporal being down or the workflow missing: pages degrade to the read model.
 */
export async function readOnboardingState(
  clientId: string,
  organizationId: string,
): Promise<TOnboardingLiveState> {
  const workflowId = onboardingWorkflowId(clientId);
  try {
    return await callTemporal(
      'read onboarding state',
      readTimeoutMs,
      async (client): Promise<TOnboardingLiveState> => {
        const handle = client.workflow.getHandle(workflowId);
        const description = await handle.describe();
        if (description.typedSearchAttributes.get(organizationIdKey) !== organizationId)
          return { kind: 'not_found' };
        if (description.status.name !== 'RUNNING') {
          return { kind: 'closed', runId: description.runId, closeStatus: description.status.name };
        }
        const status = await handle.query(getStatusQuery).catch((error: unknown) => {
          console.warn(
            `getStatus query of ${workflowId} failed: ${error instanceof Error ? error.message : String(error)}`,
          );
          return null;
        });
        return {
          kind: 'running',
          runId: description.runId,
          status,
          stage: description.typedSearchAttributes.get(stageKey) ?? null,
        };
      },
    );
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return { kind: 'not_found' };
    if (isAppError(error) && error.code === 'unavailable') return { kind: 'unavailable' };
    throw error;
  }
}

/**
 * Sends the client's profile to their onboarding workflow. Answers `not_running` when the workflow
 * has finished or does not exist; Temporal being unreachable throws an AppError `unavailable`.
 */
export async function sendProfileToOnboarding(
  clientId: string,
  submission: TProfileSubmission,
): Promise<'sent' | 'not_running'> {
  try {
    await callTemporal('signal profile submitted', startTimeoutMs, (client) =>
      client.workflow.getHandle(onboardingWorkflowId(clientId)).signal(profileSubmittedSignal, submission),
    );
    return 'sent';
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return 'not_running';
    throw error;
  }
}

/**
 * Runs a staff update on the onboarding workflow with this ID (the engagement row's). A refusal
 * becomes an AppError `conflict` with the workflow's sentence; a finished workflow a readable one.
 */
function updateOnboarding<T>(
  what: string,
  workflowId: string,
  call: (handle: WorkflowHandle) => Promise<T>,
): Promise<T> {
  return updateWorkflow(
    what,
    workflowId,
    call,
    'This onboarding has already finished, so nothing can be changed.',
  );
}

/** Staff cancel an onboarding: its unused links are revoked, the follow-up closed, the client told. */
export function cancelOnboarding(workflowId: string, input: TCancelEngagementInput) {
  return updateOnboarding('cancel onboarding', workflowId, (handle) =>
    handle.executeUpdate(cancelEngagementUpdate, { args: [input] }),
  );
}

/** Staff send the client a new portal link while the profile is awaited (older unused links stop working). */
export function resendOnboardingInvitation(workflowId: string, input: TResendInvitationInput) {
  return updateOnboarding('resend onboarding invitation', workflowId, (handle) =>
    handle.executeUpdate(resendInvitationUpdate, { args: [input] }),
  );
}

/** Staff give the onboarding's open follow-up task to someone else in the firm. */
export function reassignOnboardingFollowUp(workflowId: string, input: TReassignFollowUpInput) {
  return updateOnboarding('reassign onboarding follow-up', workflowId, (handle) =>
    handle.executeUpdate(reassignFollowUpUpdate, { args: [input] }),
  );
}
