/**
 * The close schedule on the real Temporal dev server: created and updated with the bookkeeping
 * service (explicit catch-up window and overlap policy), triggered to start the previous month's
 * close once however often it fires, and removed.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@temporalio/client';
import { ScheduleOverlapPolicy } from '@temporalio/client';
import { Worker, type NativeConnection } from '@temporalio/worker';
import {
  connectClient,
  connectWorker,
  dataConverter,
  namespace,
  workflowBundle,
} from '../../tests/support/temporal';
import {
  describeCloseSchedule,
  removeCloseSchedule,
  upsertCloseSchedule,
} from '../../web/app/close/close-schedule.server';
import { previousPeriod } from './close-period';
import {
  closeScheduleId,
  closeWorkflowId,
  type TCloseKickoffInput,
  type TCloseKickoffResult,
} from './monthly-close.contracts';

let connection: NativeConnection;
let temporal: { client: Client; close: () => Promise<void> };

beforeAll(async () => {
  connection = await connectWorker();
  temporal = await connectClient();
  await workflowBundle();
});

afterAll(async () => {
  await temporal?.close();
  await connection?.close();
});

async function waitFor<T>(
  read: () => Promise<T>,
  predicate: (value: T) => boolean,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (predicate(value)) return value;
    if (Date.now() > deadline) throw new Error(`never matched; last: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe('monthly close schedule', () => {
  it('is created with an explicit catch-up window and overlap policy, starts the previous month once, and is removed', async () => {
    const taskQueue = `close-schedule-test-${randomUUID()}`;
    const clientId = randomUUID();
    const input: TCloseKickoffInput = {
      organizationId: randomUUID(),
      clientId,
      bankAccounts: [{ ledgerAccountId: '35', name: 'Checking' }],
      assigneeUserId: null,
      timing: {
        clientReminders: {
          firstAfterSeconds: 3600,
          backoffCoefficient: 1,
          maxIntervalSeconds: 3600,
          maxReminders: 1,
          escalateAfterSeconds: 3600,
        },
      },
      // Nothing serves this queue: the started close waits there until the test ends it.
      integrationsTaskQueue: `${taskQueue}-integrations`,
    };
    // Only the kickoff runs here: the close it starts goes to a queue nobody serves.
    const worker = await Worker.create({
      connection,
      namespace: namespace(),
      dataConverter: dataConverter(),
      taskQueue,
      workflowBundle: await workflowBundle(),
      activities: {},
    });
    await worker.runUntil(async () => {
      expect(
        await upsertCloseSchedule(temporal.client, {
          input,
          dayOfMonth: 5,
          timeZone: 'America/New_York',
          taskQueue,
        }),
      ).toBe('created');
      const handle = temporal.client.schedule.getHandle(closeScheduleId(clientId));
      const created = await handle.describe();
      expect(created.policies).toMatchObject({
        overlap: ScheduleOverlapPolicy.BUFFER_ONE,
        catchupWindow: 10 * 86_400_000,
      });
      expect(created.spec.timezone).toBe('America/New_York');
      expect(created.spec.calendars?.[0]).toMatchObject({
        dayOfMonth: [{ start: 5, end: 5, step: 1 }],
        hour: [{ start: 6, end: 6, step: 1 }],
      });
      const next = created.info.nextActionTimes[0]!;
      expect(
        next.toLocaleString('en-US', {
          timeZone: 'America/New_York',
          day: 'numeric',
          hour: 'numeric',
          hour12: false,
        }),
      ).toMatch(/^5, 0?6$/);

      // Updating the service moves the day; the schedule keeps its ID.
      expect(
        await upsertCloseSchedule(temporal.client, {
          input,
          dayOfMonth: 7,
          timeZone: 'America/New_York',
          taskQueue,
        }),
      ).toBe('updated');
      expect((await handle.describe()).spec.calendars?.[0]).toMatchObject({
        dayOfMonth: [{ start: 7, end: 7, step: 1 }],
      });

      // Fired twice (say, a manual trigger after the scheduled one): one close for the month.
      await handle.trigger();
      const period = previousPeriod(new Date());
      const close = temporal.client.workflow.getHandle(closeWorkflowId(clientId, period));
      await waitFor(
        () =>
          close.describe().then(
            (d) => d.status.name,
            () => 'NOT_FOUND',
          ),
        (status) => status === 'RUNNING',
      );
      const completedKickoffs = async () => {
        const results: TCloseKickoffResult[] = [];
        for await (const run of temporal.client.workflow.list({
          query: `WorkflowType = 'monthlyCloseKickoffWorkflow' AND CpaClientId = '${clientId}' AND ExecutionStatus = 'Completed'`,
        })) {
          results.push(
            (await temporal.client.workflow
              .getHandle(run.workflowId, run.runId)
              .result()) as TCloseKickoffResult,
          );
        }
        return results;
      };
      await waitFor(completedKickoffs, (results) => results.length === 1, 60_000);
      await handle.trigger();
      const kickoffs = await waitFor(completedKickoffs, (results) => results.length === 2, 60_000);
      expect(kickoffs.map((k) => k.outcome).sort()).toEqual(['already_started', 'started']);
      expect(
        kickoffs.every((k) => k.period === period && k.workflowId === closeWorkflowId(clientId, period)),
      ).toBe(true);
      expect(
        (await describeCloseSchedule(temporal.client, clientId))?.recentRuns.length,
      ).toBeGreaterThanOrEqual(1);

      expect(await removeCloseSchedule(temporal.client, clientId)).toBe(true);
      expect(await describeCloseSchedule(temporal.client, clientId)).toBeNull();
      expect(await removeCloseSchedule(temporal.client, clientId)).toBe(false);
      await close.terminate('test finished');
    });
  });
});
