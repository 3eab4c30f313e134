import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Worker, type NativeConnection, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { Client } from '@temporalio/client';
import { connectClient, connectWorker, dataConverter, namespace } from '../../tests/support/temporal';
import { bundleWorkflows } from '../../tests/support/workflow-bundle';
import {
  deadlineProbeWorkflow,
  deadlinesQuery,
  holdSignal,
  replanSignal,
  resumeSignal,
} from './testing/deadline-probe.workflow';

let connection: NativeConnection;
let temporal: { client: Client; close: () => Promise<void> };
let bundle: WorkflowBundleWithSourceMap;

beforeAll(async () => {
  connection = await connectWorker();
  temporal = await connectClient();
  bundle = await bundleWorkflows(
    fileURLToPath(new URL('./testing/deadline-probe.workflow.ts', import.meta.url)),
  );
});

afterAll(async () => {
  await temporal?.close();
  await connection?.close();
});

async function withProbe<T>(body: (taskQueue: string) => Promise<T>): Promise<T> {
  const taskQueue = `deadlines-test-${randomUUID()}`;
  const worker = await Worker.create({
    connection,
    namespace: namespace(),
    dataConverter: dataConverter(),
    taskQueue,
    workflowBundle: bundle,
  });
  return worker.runUntil(body(taskQueue));
}

const inSeconds = (s: number) => new Date(Date.now() + s * 1000).toISOString();

describe('Deadlines (durable, re-plannable timers)', () => {
  it('re-plans a deadline: the old timer never fires, the new one does', async () => {
    const fired = await withProbe(async (taskQueue) => {
      const handle = await temporal.client.workflow.start(deadlineProbeWorkflow, {
        taskQueue,
        workflowId: `deadline-probe-${randomUUID()}`,
        args: [{ at: inSeconds(2) }],
      });
      const extended = inSeconds(4);
      await handle.signal(replanSignal, { at: extended });
      expect((await handle.query(deadlinesQuery)).next).toEqual({
        label: 'Extended filing deadline',
        at: extended,
      });
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      expect((await handle.query(deadlinesQuery)).fired).toEqual([]);
      return handle.result();
    });
    expect(fired).toHaveLength(1);
    expect(fired[0]).toMatchObject({ key: 'filing', label: 'Extended filing deadline', due: true });
  });

  it('holds a deadline (no timer runs, none is shown) until it is resumed', async () => {
    const fired = await withProbe(async (taskQueue) => {
      const handle = await temporal.client.workflow.start(deadlineProbeWorkflow, {
        taskQueue,
        workflowId: `deadline-probe-${randomUUID()}`,
        args: [{ at: inSeconds(2) }],
      });
      await handle.signal(holdSignal);
      expect((await handle.query(deadlinesQuery)).next).toBeNull();
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      expect((await handle.query(deadlinesQuery)).fired).toEqual([]);
      await handle.signal(resumeSignal, { at: inSeconds(1) });
      return handle.result();
    });
    expect(fired.map((d) => d.label)).toEqual(['Filing deadline']);
  });
});
