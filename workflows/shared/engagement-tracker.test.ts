import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Worker, type NativeConnection, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { connectClient, connectWorker, dataConverter, namespace } from '../../tests/support/temporal';
import { bundleWorkflows } from '../../tests/support/workflow-bundle';
import {
  getEngagementStatusQuery,
  retryFailedStepUpdate,
  updateRejectionMessage,
  type TEngagementStatusView,
} from './engagement.contracts';
import {
  attemptProbeWorkflow,
  finishSignal,
  type TAttemptProbeActivities,
  type TAttemptProbeInput,
} from './testing/attempt-probe.workflow';

let connection: NativeConnection;
let temporal: { client: Client; close: () => Promise<void> };
let bundle: WorkflowBundleWithSourceMap;

beforeAll(async () => {
  connection = await connectWorker();
  temporal = await connectClient();
  bundle = await bundleWorkflows(
    fileURLToPath(new URL('./testing/attempt-probe.workflow.ts', import.meta.url)),
  );
});

afterAll(async () => {
  await temporal?.close();
  await connection?.close();
});

/** The ledger step fails `failures` times (activity attempts), then matches 12 lines. */
function flakyLedger(failures: number): TAttemptProbeActivities & { calls: number[] } {
  const calls: number[] = [];
  return {
    calls,
    reconcileLedger: () => {
      calls.push(Date.now());
      if (calls.length <= failures)
        return Promise.reject(
          new Error('the ledger service answered 503 Service Unavailable\n    at a stack line'),
        );
      return Promise.resolve({ matched: 12 });
    },
  };
}

async function withProbe<T>(
  activities: TAttemptProbeActivities,
  input: Omit<TAttemptProbeInput, 'probeId'>,
  body: (handle: WorkflowHandle<typeof attemptProbeWorkflow>) => Promise<T>,
): Promise<T> {
  const taskQueue = `attempt-probe-${randomUUID()}`;
  const worker = await Worker.create({
    connection,
    namespace: namespace(),
    dataConverter: dataConverter(),
    taskQueue,
    workflowBundle: bundle,
    activities: { reconcileLedger: activities.reconcileLedger },
  });
  return worker.runUntil(async () => {
    const handle = await temporal.client.workflow.start(attemptProbeWorkflow, {
      taskQueue,
      workflowId: `attempt-probe-${randomUUID()}`,
      args: [{ probeId: randomUUID(), ...input }],
    });
    return body(handle);
  });
}

async function statusWhen(
  handle: WorkflowHandle,
  predicate: (status: TEngagementStatusView) => boolean,
  timeoutMs = 30_000,
): Promise<TEngagementStatusView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await handle.query(getEngagementStatusQuery);
    if (predicate(status)) return status;
    if (Date.now() > deadline) throw new Error(`status never matched; last: ${JSON.stringify(status)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const isoTime: unknown = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/);

describe('EngagementTracker.attempt (a step whose activity keeps failing)', () => {
  it('shows the failing activity, its message, the attempt count and times in lastError, and clears it after a success', async () => {
    // Two activity attempts per tracker attempt: the step fails twice, then succeeds on the third try.
    const ledger = flakyLedger(4);
    await withProbe(ledger, { pauseMs: 1_500 }, async (handle) => {
      const first = await statusWhen(handle, (s) => s.lastError?.attempt === 1);
      expect(first.lastError).toEqual({
        activity: 'reconcileLedger',
        message: 'the ledger service answered 503 Service Unavailable',
        attempt: 1,
        at: isoTime,
        retryAt: isoTime,
      });
      const { at, retryAt } = first.lastError!;
      expect(Date.parse(retryAt!) - Date.parse(at)).toBe(1_500);
      expect(first.status).toBe('active');

      // The pause doubles after the second failure.
      const second = await statusWhen(handle, (s) => s.lastError?.attempt === 2);
      expect(Date.parse(second.lastError!.retryAt!) - Date.parse(second.lastError!.at)).toBe(3_000);
      expect(Date.parse(second.lastError!.at)).toBeGreaterThan(Date.parse(at));

      const recovered = await statusWhen(handle, (s) => s.lastError === null);
      expect(recovered.status).toBe('active');
      await handle.signal(finishSignal);
      expect(await handle.result()).toEqual({ outcome: 'succeeded', matched: 12 });
    });
    expect(ledger.calls).toHaveLength(5);
  });

  it('lets staff retry a failing step at once instead of waiting out the pause, and refuses when nothing fails', async () => {
    const ledger = flakyLedger(2);
    await withProbe(ledger, { pauseMs: 3_600_000 }, async (handle) => {
      const failing = await statusWhen(handle, (s) => s.lastError?.retryAt != null);
      expect(Date.parse(failing.lastError!.retryAt!) - Date.parse(failing.lastError!.at)).toBe(3_600_000);

      const answer = await handle.executeUpdate(retryFailedStepUpdate, {
        args: [{ byUserId: randomUUID() }],
      });
      expect(answer).toEqual({ activity: 'reconcileLedger' });
      await statusWhen(handle, (s) => s.lastError === null);

      const refusal = await handle
        .executeUpdate(retryFailedStepUpdate, { args: [{ byUserId: randomUUID() }] })
        .then(
          () => null,
          (error: unknown) => updateRejectionMessage(error),
        );
      expect(refusal).toBe('Nothing is failing right now, so there is nothing to retry.');
      await handle.signal(finishSignal);
      expect(await handle.result()).toEqual({ outcome: 'succeeded', matched: 12 });
    });
    expect(ledger.calls).toHaveLength(3);
  });

  it('gives up after maxAttempts: the failure reaches the workflow and stays in lastError with no retry time', async () => {
    const ledger = flakyLedger(1_000);
    await withProbe(ledger, { pauseMs: 200, maxAttempts: 3 }, async (handle) => {
      const gaveUp = await statusWhen(handle, (s) => s.lastError?.attempt === 3);
      expect(gaveUp.lastError).toMatchObject({
        activity: 'reconcileLedger',
        message: 'the ledger service answered 503 Service Unavailable',
        attempt: 3,
        retryAt: null,
      });
      const refusal = await handle
        .executeUpdate(retryFailedStepUpdate, { args: [{ byUserId: randomUUID() }] })
        .then(
          () => null,
          (error: unknown) => updateRejectionMessage(error),
        );
      expect(refusal).toBe('"reconcileLedger" is not waiting to be tried again.');
      await handle.signal(finishSignal);
      expect(await handle.result()).toEqual({
        outcome: 'gave_up',
        message: 'the ledger service answered 503 Service Unavailable',
      });
    });
    expect(ledger.calls).toHaveLength(6);
  });
});
