import { ParentClosePolicy, startChild, uuid4, workflowInfo } from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError, defineSearchAttributeKey } from '@temporalio/common';
import { previousPeriod } from './close-period';
import {
  closeWorkflowId,
  monthlyCloseWorkflowType,
  ZCloseKickoffInput,
  type TCloseKickoffInputIn,
  type TCloseKickoffResult,
} from './monthly-close.contracts';
import type { monthlyCloseWorkflow } from './monthly-close.workflow';

/** Set by Temporal on every workflow a schedule starts: the time the action was due. */
const scheduledStartTimeKey = defineSearchAttributeKey('TemporalScheduledStartTime', 'DATETIME');

/**
 * Started by a client's close schedule once a month: starts `close:<clientId>:<yyyy-mm>` for the
 * previous month and finishes. The close outlives it (ABANDON). Starting a month twice (a buffered or
 * caught-up action, a manual start) finds the existing close and changes nothing: the workflow ID is
 * the business key and a closed month is never reopened (REJECT_DUPLICATE).
 */
export async function monthlyCloseKickoffWorkflow(
  rawInput: TCloseKickoffInputIn,
): Promise<TCloseKickoffResult> {
  const input = ZCloseKickoffInput.parse(rawInput);
  const info = workflowInfo();
  // The scheduled time, not the start time: an action caught up after an outage closes the right month.
  const scheduledAt = info.typedSearchAttributes.get(scheduledStartTimeKey) ?? info.startTime;
  const period = input.period ?? previousPeriod(scheduledAt);
  const workflowId = closeWorkflowId(input.clientId, period);
  try {
    await startChild<typeof monthlyCloseWorkflow>(monthlyCloseWorkflowType, {
      workflowId,
      parentClosePolicy: ParentClosePolicy.ABANDON,
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      args: [
        {
          organizationId: input.organizationId,
          clientId: input.clientId,
          engagementId: uuid4(),
          period,
          bankAccounts: input.bankAccounts,
          assigneeUserId: input.assigneeUserId,
          startedByUserId: input.startedByUserId,
          timing: input.timing,
          integrationsTaskQueue: input.integrationsTaskQueue,
        },
      ],
    });
    return { period, workflowId, outcome: 'started' };
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError)
      return { period, workflowId, outcome: 'already_started' };
    throw error;
  }
}
