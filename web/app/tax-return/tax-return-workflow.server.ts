/**
 * The web app's side of tax returns and the tax season bulk start: read live status, send staff
 * actions as updates, start a season. Only contracts modules are imported, never workflows. A refused
 * update comes back as an AppError `conflict` carrying the workflow's own sentence.
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { isAppError } from '../../../lib/errors';
import {
  cancelEngagementUpdate,
  type TCancelEngagementInput,
} from '../../../workflows/shared/engagement.contracts';
import { organizationIdKey } from '../../../workflows/shared/search-attributes';
import { taskQueues } from '../../../workflows/shared/task-queues';
import {
  bulkStartWorkflowId,
  bulkStartWorkflowType,
  getBulkStartProgressQuery,
  type TBulkStartInputIn,
  type TBulkStartProgress,
} from '../../../workflows/tax-return/bulk-start.contracts';
import {
  approveReturnUpdate,
  getTaxReturnStatusQuery,
  reassignUpdate,
  recordExtensionUpdate,
  recordFilingUpdate,
  sendBackUpdate,
  setWaitingOnK1Update,
  submitForReviewUpdate,
  waivePaymentUpdate,
  type TApproveReturn,
  type TReassign,
  type TRecordExtension,
  type TRecordFiling,
  type TSendBack,
  type TSetWaitingOnK1,
  type TSubmitForReview,
  type TTaxReturnStatus,
  type TWaivePayment,
} from '../../../workflows/tax-return/tax-return.contracts';
import { readWorkflowStatus, updateWorkflow } from '../engagements/engagement-updates.server';
import { callTemporal } from '../temporal/temporal.server';

const readTimeoutMs = 3_000;

// Shared by every engagement workflow's web side; kept importable from here for existing callers.
export {
  readWorkflowStatus,
  updateWorkflow,
  type TWorkflowLiveState,
} from '../engagements/engagement-updates.server';

export function readTaxReturn(workflowId: string, engagementId: string) {
  return readWorkflowStatus<TTaxReturnStatus>(workflowId, engagementId, getTaxReturnStatusQuery);
}

export const taxReturnActions = {
  submitForReview: (workflowId: string, input: TSubmitForReview) =>
    updateWorkflow('submit for review', workflowId, (h) =>
      h.executeUpdate(submitForReviewUpdate, { args: [input] }),
    ),
  approve: (workflowId: string, input: TApproveReturn) =>
    updateWorkflow('approve return', workflowId, (h) =>
      h.executeUpdate(approveReturnUpdate, { args: [input] }),
    ),
  sendBack: (workflowId: string, input: TSendBack) =>
    updateWorkflow('send back', workflowId, (h) => h.executeUpdate(sendBackUpdate, { args: [input] })),
  reassign: (workflowId: string, input: TReassign) =>
    updateWorkflow('reassign', workflowId, (h) => h.executeUpdate(reassignUpdate, { args: [input] })),
  waivePayment: (workflowId: string, input: TWaivePayment) =>
    updateWorkflow('waive payment', workflowId, (h) =>
      h.executeUpdate(waivePaymentUpdate, { args: [input] }),
    ),
  recordFiling: (workflowId: string, input: TRecordFiling) =>
    updateWorkflow('record filing', workflowId, (h) =>
      h.executeUpdate(recordFilingUpdate, { args: [input] }),
    ),
  recordExtension: (workflowId: string, input: TRecordExtension) =>
    updateWorkflow('record extension', workflowId, (h) =>
      h.executeUpdate(recordExtensionUpdate, { args: [input] }),
    ),
  setWaitingOnK1: (workflowId: string, input: TSetWaitingOnK1) =>
    updateWorkflow('waiting on K-1', workflowId, (h) =>
      h.executeUpdate(setWaitingOnK1Update, { args: [input] }),
    ),
  cancel: (workflowId: string, input: TCancelEngagementInput) =>
    updateWorkflow('cancel engagement', workflowId, (h) =>
      h.executeUpdate(cancelEngagementUpdate, { args: [input] }),
    ),
};

/**
 * Starts (or shows the running) tax season bulk start for a selection. Submitting the form twice, or
 * while it runs, gives the same run; after it finished, a new run starts the clients added since.
 */
export async function startTaxSeason(input: TBulkStartInputIn): Promise<{ workflowId: string }> {
  const workflowId = bulkStartWorkflowId({
    organizationId: input.organizationId,
    taxYear: input.taxYear,
    clientKind: input.clientKind,
    returnType: input.returnType,
  });
  await callTemporal('start tax season', 10_000, (client) =>
    client.workflow.start(bulkStartWorkflowType, {
      taskQueue: taskQueues.engagements,
      workflowId,
      args: [input],
      workflowIdConflictPolicy: 'USE_EXISTING',
      typedSearchAttributes: [{ key: organizationIdKey, value: input.organizationId }],
    }),
  );
  return { workflowId };
}

export interface TSeasonRun {
  workflowId: string;
  running: boolean;
  progress: TBulkStartProgress | null;
}

/** The firm's recent season starts, newest first, with their progress (a query of each). */
export async function listTaxSeasonRuns(organizationId: string, limit = 10): Promise<TSeasonRun[] | null> {
  try {
    return await callTemporal('list tax seasons', readTimeoutMs * 2, async (client: Client) => {
      const runs: TSeasonRun[] = [];
      for await (const execution of client.workflow.list({
        query: `WorkflowType = '${bulkStartWorkflowType}' AND CpaOrganizationId = '${organizationId}'`,
      })) {
        if (runs.some((r) => r.workflowId === execution.workflowId)) continue;
        const handle = client.workflow.getHandle(execution.workflowId);
        const progress = await handle.query(getBulkStartProgressQuery).catch(() => null);
        runs.push({
          workflowId: execution.workflowId,
          running: execution.status.name === 'RUNNING',
          progress,
        });
        if (runs.length >= limit) break;
      }
      return runs;
    });
  } catch (error) {
    if (isAppError(error) && error.code === 'unavailable') return null;
    throw error;
  }
}

/** One season start of the firm (the ID must carry the firm's own ID). */
export async function readTaxSeasonRun(
  organizationId: string,
  workflowId: string,
): Promise<TSeasonRun | null> {
  if (!workflowId.startsWith(`tax-season:${organizationId}:`)) return null;
  try {
    return await callTemporal('read tax season', readTimeoutMs, async (client) => {
      const handle = client.workflow.getHandle(workflowId);
      const description = await handle.describe();
      const progress = await handle.query(getBulkStartProgressQuery).catch(() => null);
      return { workflowId, running: description.status.name === 'RUNNING', progress };
    });
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return null;
    throw error;
  }
}
