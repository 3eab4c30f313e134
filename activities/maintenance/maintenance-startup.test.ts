/**
 * The worker process (`tsx workers/main.ts`) creates the platform maintenance schedule when it
 * starts, and a second start updates it in place (a new interval from the env) instead of adding
 * another; `MAINTENANCE_SCHEDULE_ENABLED=false` pauses it. Runs in a namespace of its own.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Client, Connection, ScheduleOverlapPolicy } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { createTestDatabase, dropTestDatabase } from '../../tests/support/databases';
import { connectClient, dataConverter } from '../../tests/support/temporal';
import {
  platformMaintenanceScheduleId,
  platformMaintenanceWorkflowType,
} from '../../workflows/maintenance/platform-maintenance.contracts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const isolatedNamespace = `maintenance-startup-${randomUUID().slice(0, 8)}`;
let databaseUrl: string;
let connection: Connection;
let client: Client;

beforeAll(async () => {
  databaseUrl = await createTestDatabase('maintenance startup');
  const admin = await connectClient();
  try {
    await admin.client.connection.workflowService.registerNamespace({
      namespace: isolatedNamespace,
      workflowExecutionRetentionPeriod: msToTs('1 day'),
    });
  } finally {
    await admin.close();
  }
  connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS! });
  client = new Client({ connection, namespace: isolatedNamespace, dataConverter: dataConverter() });
}, 60_000);

afterAll(async () => {
  await connection?.close();
  if (databaseUrl) await dropTestDatabase(databaseUrl);
});

/** Starts the worker process serving the integrations queue, waits until it is ready, stops it. */
async function startAndStop(env: Record<string, string>): Promise<string> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'workers/main.ts'], {
    cwd: root,
    env: {
      ...process.env,
      ...inject('stackEnv'),
      DATABASE_URL: databaseUrl,
      TEMPORAL_NAMESPACE: isolatedNamespace,
      PUBLIC_URL: 'http://localhost:3000',
      WORKER_TASK_QUEUES: 'integrations',
      WORKER_SHUTDOWN_GRACE_SECONDS: '2',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    const deadline = Date.now() + 90_000;
    while (!/worker ready on task queues/.test(output)) {
      if (child.exitCode !== null) throw new Error(`worker exited: ${output}`);
      if (Date.now() > deadline) throw new Error(`worker never became ready: ${output}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    return output;
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}

async function scheduleIds(): Promise<string[]> {
  const ids: string[] = [];
  for await (const schedule of client.schedule.list()) ids.push(schedule.scheduleId);
  return ids;
}

describe('platform maintenance schedule at worker startup', () => {
  it('is created by the first start, updated (not duplicated) by the second, and paused when disabled', async () => {
    expect(await startAndStop({})).toContain('platform maintenance schedule created (every 15 minutes)');
    const handle = client.schedule.getHandle(platformMaintenanceScheduleId);
    const created = await handle.describe();
    expect(created.spec.intervals?.map((i) => i.every)).toEqual([15 * 60_000]);
    expect(created.policies.overlap).toBe(ScheduleOverlapPolicy.SKIP);
    expect(created.policies.catchupWindow).toBe(15 * 60_000);
    expect(created.action).toMatchObject({
      workflowType: platformMaintenanceWorkflowType,
      taskQueue: 'integrations',
    });
    expect(created.state.paused).toBe(false);

    expect(await startAndStop({ MAINTENANCE_INTERVAL_MINUTES: '20' })).toContain(
      'platform maintenance schedule updated (every 20 minutes)',
    );
    const updated = await handle.describe();
    expect(updated.spec.intervals?.map((i) => i.every)).toEqual([20 * 60_000]);
    expect(updated.policies.catchupWindow).toBe(20 * 60_000);
    // Visibility of schedules is eventually consistent: wait until the list shows it.
    let ids: string[] = [];
    for (let i = 0; i < 50 && !ids.includes(platformMaintenanceScheduleId); i += 1) {
      ids = await scheduleIds();
      if (!ids.includes(platformMaintenanceScheduleId))
        await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(ids.filter((id) => id === platformMaintenanceScheduleId)).toHaveLength(1);

    expect(await startAndStop({ MAINTENANCE_SCHEDULE_ENABLED: 'false' })).toContain(
      'platform maintenance schedule paused',
    );
    expect((await handle.describe()).state.paused).toBe(true);
    await handle.delete();
  }, 300_000);
});
