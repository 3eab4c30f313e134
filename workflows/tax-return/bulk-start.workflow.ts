import { continueAsNew, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { BulkStartActivities } from '../../activities/tax-return/bulk-start.activities';
import { shouldContinueAsNew } from '../shared/continue-as-new';
import {
  getBulkStartProgressQuery,
  maxFailuresKept,
  ZBulkStartInput,
  type TBulkStartCarried,
  type TBulkStartInputIn,
  type TBulkStartProgress,
} from './bulk-start.contracts';

const acts = proxyActivities<BulkStartActivities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/**
 * Starts the tax return of every selected client, `batchSize` clients per activity, in client ID
 * order. A batch that is retried (the worker died half-way) starts nobody twice: each return's
 * workflow ID is its business key, and a return this bulk start began earlier is recognised as its
 * own. Progress is a query; very large selections continue as new every `batchesPerRun` batches.
 */
export async function taxSeasonBulkStartWorkflow(
  rawInput: TBulkStartInputIn,
  carried?: TBulkStartCarried,
): Promise<TBulkStartProgress> {
  const input = ZBulkStartInput.parse(rawInput);
  const { workflowId, firstExecutionRunId } = workflowInfo();
  // Unique per bulk run (kept through continue-as-new): a later run of the same selection is another one.
  const bulkStartId = `${workflowId}:${firstExecutionRunId}`;

  let progress: TBulkStartProgress | null = carried?.progress ?? null;
  let afterClientId = carried?.afterClientId ?? null;
  setHandler(getBulkStartProgressQuery, () => {
    if (progress) return { ...progress, failures: [...progress.failures] };
    return {
      taxYear: input.taxYear,
      clientKind: input.clientKind,
      returnType: input.returnType,
      total: 0,
      started: 0,
      alreadyRunning: 0,
      failed: 0,
      failures: [],
      done: false,
      startedAt: new Date(Date.now()).toISOString(),
      finishedAt: null,
    };
  });

  if (!progress) {
    const { total } = await acts.countTaxSeasonClients({
      organizationId: input.organizationId,
      clientKind: input.clientKind,
    });
    progress = {
      taxYear: input.taxYear,
      clientKind: input.clientKind,
      returnType: input.returnType,
      total,
      started: 0,
      alreadyRunning: 0,
      failed: 0,
      failures: [],
      done: false,
      startedAt: new Date(Date.now()).toISOString(),
      finishedAt: null,
    };
  }

  for (let batches = 0; ; batches += 1) {
    if (batches >= input.batchesPerRun || shouldContinueAsNew()) {
      await continueAsNew<typeof taxSeasonBulkStartWorkflow>(rawInput, { progress, afterClientId });
    }
    const batch = await acts.startTaxReturnBatch({
      bulkStartId,
      organizationId: input.organizationId,
      taxYear: input.taxYear,
      clientKind: input.clientKind,
      returnType: input.returnType,
      preparerUserId: input.preparerUserId,
      reviewerUserId: input.reviewerUserId,
      managerUserId: input.managerUserId,
      startedByUserId: input.startedByUserId,
      fee: input.fee,
      timing: input.timing,
      afterClientId,
      limit: input.batchSize,
    });
    for (const result of batch.outcomes) {
      if (result.outcome === 'failed') {
        progress.failed += 1;
        if (progress.failures.length < maxFailuresKept)
          progress.failures.push({ clientId: result.clientId, reason: result.reason });
      } else if (result.outcome === 'started') progress.started += 1;
      else progress.alreadyRunning += 1;
    }
    // Clients added while the season starts are picked up too (they sort after the cursor or not).
    const handled = progress.started + progress.alreadyRunning + progress.failed;
    if (handled > progress.total) progress.total = handled;
    if (batch.lastClientId === null || batch.outcomes.length < input.batchSize) break;
    afterClientId = batch.lastClientId;
  }

  progress.done = true;
  progress.finishedAt = new Date(Date.now()).toISOString();
  return { ...progress };
}
