/**
 * The web app's side of document intake: start it, read its live status, and send staff actions as
 * updates. Only the contracts modules are imported, never the workflows. A refused update comes back
 * as an AppError `conflict` carrying the workflow's own sentence ("This item is already waived.").
 */
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdReusePolicy,
  WorkflowNotFoundError,
  type WorkflowHandle,
} from '@temporalio/client';
import { AppError, isAppError } from '../../../lib/errors';
import {
  addDocumentRequestUpdate,
  cancelEngagementUpdate,
  documentIntakeWorkflowId,
  documentIntakeWorkflowType,
  getStatusQuery,
  reviewDocumentUpdate,
  waiveItemUpdate,
  type TAddDocumentRequestInput,
  type TDocumentIntakeInput,
  type TDocumentIntakeResult,
  type TDocumentIntakeStatus,
  type TReviewDocumentInput,
  type TWaiveItemInput,
} from '../../../workflows/intake/document-intake.contracts';
import type { TCancelEngagementInput } from '../../../workflows/shared/engagement.contracts';
import {
  clientIdKey,
  engagementTypeKey,
  organizationIdKey,
  stageKey,
} from '../../../workflows/shared/search-attributes';
import { taskQueues } from '../../../workflows/shared/task-queues';
import { updateWorkflow } from '../engagements/engagement-updates.server';
import { callTemporal } from '../temporal/temporal.server';

type DocumentIntakeWorkflow = (input: TDocumentIntakeInput) => Promise<TDocumentIntakeResult>;

const startTimeoutMs = 10_000;
const readTimeoutMs = 3_000;

/**
 * Starts a standalone document intake. The engagement ID is chosen by the form (a hidden field made
 * when the form was shown), so submitting it twice starts one workflow.
 */
export async function startDocumentIntake(
  input: TDocumentIntakeInput & { organizationId: string },
): Promise<{ engagementId: string; alreadyStarted: boolean }> {
  const workflowId = documentIntakeWorkflowId(input.engagementId);
  return callTemporal('start document intake', startTimeoutMs, async (client) => {
    try {
      await client.workflow.start<DocumentIntakeWorkflow>(documentIntakeWorkflowType, {
        taskQueue: taskQueues.engagements,
        workflowId,
        args: [{ ...input, mode: 'standalone' }],
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        typedSearchAttributes: [
          { key: organizationIdKey, value: input.organizationId },
          { key: clientIdKey, value: input.clientId },
          { key: engagementTypeKey, value: 'document_intake' },
          { key: stageKey, value: 'starting' },
        ],
      });
      return { engagementId: input.engagementId, alreadyStarted: false };
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      const description = await client.workflow.getHandle(workflowId).describe();
      if (description.typedSearchAttributes.get(organizationIdKey) !== input.organizationId) {
        throw new AppError('conflict', 'This form was already used. Open it again to start a new intake.');
      }
      return { engagementId: input.engagementId, alreadyStarted: true };
    }
  });
}

/** What the intake workflow of an engagement says now. */
export type TIntakeLiveState =
  | { kind: 'running'; status: TDocumentIntakeStatus }
  /** No worker answered the query in time. */
  | { kind: 'no_answer' }
  | { kind: 'closed'; closeStatus: string }
  | { kind: 'not_found' }
  | { kind: 'unavailable' };

/**
 * Reads the intake of an engagement the caller already found in its firm (the workflow ID is made
 * from that engagement's ID). Never throws for Temporal being down or the workflow missing.
 */
export async function readIntakeState(engagementId: string): Promise<TIntakeLiveState> {
  const workflowId = documentIntakeWorkflowId(engagementId);
  try {
    return await callTemporal(
      'read document intake',
      readTimeoutMs,
      async (client): Promise<TIntakeLiveState> => {
        const handle = client.workflow.getHandle(workflowId);
        const description = await handle.describe();
        if (description.status.name !== 'RUNNING')
          return { kind: 'closed', closeStatus: description.status.name };
        const status = await handle.query(getStatusQuery).catch((error: unknown) => {
          console.warn(
            `getStatus query of ${workflowId} failed: ${error instanceof Error ? error.message : String(error)}`,
          );
          return null;
        });
        if (!status) return { kind: 'no_answer' };
        if (status.engagementId !== engagementId) return { kind: 'not_found' };
        return { kind: 'running', status };
      },
    );
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return { kind: 'not_found' };
    if (isAppError(error) && error.code === 'unavailable') return { kind: 'unavailable' };
    throw error;
  }
}

/** Runs an update of an engagement's intake; a refusal becomes an AppError with its sentence. */
function update<T>(what: string, engagementId: string, call: (handle: WorkflowHandle) => Promise<T>) {
  return updateWorkflow(what, documentIntakeWorkflowId(engagementId), call);
}

export function reviewIntakeDocument(engagementId: string, input: TReviewDocumentInput) {
  return update('review document', engagementId, (handle) =>
    handle.executeUpdate(reviewDocumentUpdate, { args: [input] }),
  );
}

export function waiveIntakeItem(engagementId: string, input: TWaiveItemInput) {
  return update('waive checklist item', engagementId, (handle) =>
    handle.executeUpdate(waiveItemUpdate, { args: [input] }),
  );
}

export function addIntakeRequest(engagementId: string, input: TAddDocumentRequestInput) {
  return update('add document request', engagementId, (handle) =>
    handle.executeUpdate(addDocumentRequestUpdate, { args: [input] }),
  );
}

export function cancelIntake(engagementId: string, input: TCancelEngagementInput) {
  return update('cancel engagement', engagementId, (handle) =>
    handle.executeUpdate(cancelEngagementUpdate, { args: [input] }),
  );
}
