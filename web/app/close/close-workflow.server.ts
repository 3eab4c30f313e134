/**
 * The web app's side of the monthly close: read its live status, send staff actions as updates,
 * relay the client's portal answers as a signal, and start a month's close by hand.
 */
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import { AppError } from '../../../lib/errors';
import {
  acceptDifferenceUpdate,
  cancelEngagementUpdate,
  closeAnswersSubmittedSignal,
  closeWorkflowId,
  enterStatementBalanceUpdate,
  getMonthlyCloseStatusQuery,
  monthlyCloseWorkflowType,
  recordAdjustmentUpdate,
  refreshLedgerUpdate,
  type TAcceptDifference,
  type TCloseAnswersSubmitted,
  type TEnterStatementBalance,
  type TMonthlyCloseInputIn,
  type TMonthlyCloseStatus,
  type TRecordAdjustment,
  type TRefreshLedger,
} from '../../../workflows/close/monthly-close.contracts';
import type { TCancelEngagementInput } from '../../../workflows/shared/engagement.contracts';
import {
  clientIdKey,
  engagementTypeKey,
  organizationIdKey,
  stageKey,
} from '../../../workflows/shared/search-attributes';
import { taskQueues } from '../../../workflows/shared/task-queues';
import { callTemporal } from '../temporal/temporal.server';
import { readWorkflowStatus, updateWorkflow } from '../engagements/engagement-updates.server';

export function readClose(workflowId: string, engagementId: string) {
  return readWorkflowStatus<TMonthlyCloseStatus>(workflowId, engagementId, getMonthlyCloseStatusQuery);
}

export const closeActions = {
  enterStatementBalance: (workflowId: string, input: TEnterStatementBalance) =>
    updateWorkflow('enter statement balance', workflowId, (h) =>
      h.executeUpdate(enterStatementBalanceUpdate, { args: [input] }),
    ),
  acceptDifference: (workflowId: string, input: TAcceptDifference) =>
    updateWorkflow('accept difference', workflowId, (h) =>
      h.executeUpdate(acceptDifferenceUpdate, { args: [input] }),
    ),
  recordAdjustment: (workflowId: string, input: TRecordAdjustment) =>
    updateWorkflow('record adjustment', workflowId, (h) =>
      h.executeUpdate(recordAdjustmentUpdate, { args: [input] }),
    ),
  refreshLedger: (workflowId: string, input: TRefreshLedger) =>
    updateWorkflow('refresh ledger', workflowId, (h) =>
      h.executeUpdate(refreshLedgerUpdate, { args: [input] }),
    ),
  cancel: (workflowId: string, input: TCancelEngagementInput) =>
    updateWorkflow('cancel close', workflowId, (h) =>
      h.executeUpdate(cancelEngagementUpdate, { args: [input] }),
    ),
};

/** Sends the client's answers to the running close (the workflow records and writes them back). */
export async function submitCloseAnswers(workflowId: string, answers: TCloseAnswersSubmitted): Promise<void> {
  try {
    await callTemporal('send close answers', 10_000, (client) =>
      client.workflow.getHandle(workflowId).signal(closeAnswersSubmittedSignal, answers),
    );
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) {
      throw new AppError('conflict', 'This month is already closed, so answers can no longer be taken.', {
        reason: 'workflow_not_running',
      });
    }
    throw error;
  }
}

/** Starts a month's close by hand (e.g. catching up a month the schedule missed). Once per month. */
export async function startClose(input: TMonthlyCloseInputIn): Promise<{ alreadyStarted: boolean }> {
  return callTemporal('start close', 10_000, async (client) => {
    try {
      await client.workflow.start(monthlyCloseWorkflowType, {
        taskQueue: taskQueues.engagements,
        workflowId: closeWorkflowId(input.clientId, input.period),
        args: [input],
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        typedSearchAttributes: [
          { key: organizationIdKey, value: input.organizationId },
          { key: clientIdKey, value: input.clientId },
          { key: engagementTypeKey, value: 'monthly_close' },
          { key: stageKey, value: 'opening' },
        ],
      });
      return { alreadyStarted: false };
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) return { alreadyStarted: true };
      throw error;
    }
  });
}
