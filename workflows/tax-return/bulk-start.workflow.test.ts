/**
 * Starting a tax season on the real Temporal dev server: batches, continue-as-new, a retried batch,
 * and a second run over the same selection.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { Worker, type NativeConnection } from '@temporalio/worker';
import { Redis } from 'ioredis';
import {
  createBulkStartActivities,
  startTaxReturnWorkflow,
  taxReturnInputFor,
} from '../../activities/tax-return/bulk-start.activities';
import { createDocumentIntakeActivities } from '../../activities/documents/document-intake.activities';
import { createEngagementActivities } from '../../activities/engagements/engagement.activities';
import { createTaxReturnActivities } from '../../activities/tax-return/tax-return.activities';
import { Client as ClientEntity } from '../../db/clients/client.entity';
import { Contact } from '../../db/clients/contact.entity';
import { Engagement } from '../../db/engagements/engagement.entity';
import { createOrm, type Orm } from '../../db/orm';
import type { IOrganization } from '../../db/organizations/organization.entity';
import { createFirm, createStaffMember } from '../../db/seed/factories';
import { forSystem, forTenant } from '../../db/tenancy/tenant-context';
import type { IUser } from '../../db/users/user.entity';
import { createSmtpMailer, type Mailer } from '../../integrations/email/mailer';
import { createLiveUpdatesPublisher } from '../../integrations/live-updates/live-updates';
import { createTestDatabase, dropTestDatabase } from '../../tests/support/databases';
import {
  connectClient,
  connectWorker,
  dataConverter,
  namespace,
  workflowBundle,
} from '../../tests/support/temporal';
import {
  bulkStartWorkflowId,
  getBulkStartProgressQuery,
  type TBulkStartInputIn,
  type TBulkStartProgress,
} from './bulk-start.contracts';
import type { taxSeasonBulkStartWorkflow } from './bulk-start.workflow';
import { taxReturnWorkflowId } from './tax-return.contracts';

let databaseUrl: string;
let orm: Orm;
let redis: Redis;
let mailer: Mailer;
let connection: NativeConnection;
let temporal: { client: Client; close: () => Promise<void> };
let firm: IOrganization;
let manager: IUser;
const individuals: string[] = [];

beforeAll(async () => {
  databaseUrl = await createTestDatabase();
  orm = await createOrm({ databaseUrl, poolMax: 6 });
  firm = await createFirm(forSystem(orm, 'test setup'), { name: 'Season Test Firm' });
  manager = await createStaffMember(forSystem(orm, 'test setup'), firm, { role: 'manager' });
  const em = forTenant(orm, firm.id);
  const client = (kind: 'individual' | 'business', status: 'active' | 'inactive', contact: boolean) => {
    const created = em.create(ClientEntity, {
      organization: firm.id,
      kind,
      status,
      displayName: `${kind} ${randomUUID().slice(0, 6)}`,
    });
    if (contact)
      em.create(Contact, {
        organization: firm.id,
        client: created,
        name: 'Pat Doe',
        email: `pat-${randomUUID().slice(0, 8)}@example.test`,
        portalAccess: true,
      });
    return created;
  };
  for (let i = 0; i < 6; i += 1) individuals.push(client('individual', 'active', true).id);
  client('individual', 'active', false);
  client('individual', 'inactive', true);
  client('business', 'active', true);
  client('business', 'active', true);
  await em.flush();
  redis = new Redis(process.env.REDIS_URL ?? '');
  mailer = createSmtpMailer({
    smtpUrl: process.env.SMTP_URL ?? '',
    from: 'Season Test Firm <firm@example.test>',
  });
  connection = await connectWorker();
  temporal = await connectClient();
  await workflowBundle();
});

afterAll(async () => {
  await temporal?.close();
  await connection?.close();
  mailer?.close();
  redis?.disconnect();
  await orm?.close(true);
  if (databaseUrl) await dropTestDatabase(databaseUrl);
});

type TBulkActivities = ReturnType<typeof createBulkStartActivities>;

async function withWorker<T>(
  body: (taskQueue: string) => Promise<T>,
  decorate?: (activities: TBulkActivities) => TBulkActivities,
): Promise<T> {
  const taskQueue = `season-test-${randomUUID()}`;
  const deps = {
    orm,
    mailer,
    liveUpdates: createLiveUpdatesPublisher(redis),
    publicUrl: 'http://localhost:3000',
  };
  const bulk = createBulkStartActivities({ orm, temporal: temporal.client, taskQueue });
  const worker = await Worker.create({
    connection,
    namespace: namespace(),
    dataConverter: dataConverter(),
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: {
      ...createEngagementActivities(deps),
      ...createDocumentIntakeActivities(deps),
      ...createTaxReturnActivities(deps),
      ...(decorate ? decorate(bulk) : bulk),
    },
  });
  return worker.runUntil(body(taskQueue));
}

function bulkInput(): TBulkStartInputIn {
  return {
    organizationId: firm.id,
    taxYear: 2026,
    clientKind: 'individual',
    returnType: '1040',
    preparerUserId: null,
    reviewerUserId: null,
    managerUserId: manager.id,
    startedByUserId: manager.id,
    fee: { amountMinor: 40_000, currency: 'usd', description: '2026 individual tax return' },
    batchSize: 2,
    batchesPerRun: 2,
  };
}

async function runBulk(taskQueue: string): Promise<{ progress: TBulkStartProgress; runs: number }> {
  const input = bulkInput();
  const workflowId = bulkStartWorkflowId({
    ...input,
    organizationId: firm.id,
    clientKind: 'individual',
    returnType: '1040',
  });
  const handle = await temporal.client.workflow.start<typeof taxSeasonBulkStartWorkflow>(
    'taxSeasonBulkStartWorkflow',
    {
      taskQueue,
      workflowId,
      args: [input],
      workflowIdConflictPolicy: 'USE_EXISTING',
    },
  );
  // Starting the same selection again while it runs shows the same run.
  const again = await temporal.client.workflow.start<typeof taxSeasonBulkStartWorkflow>(
    'taxSeasonBulkStartWorkflow',
    {
      taskQueue,
      workflowId,
      args: [input],
      workflowIdConflictPolicy: 'USE_EXISTING',
    },
  );
  expect(again.firstExecutionRunId).toBe(handle.firstExecutionRunId);
  const progress = await handle.result();
  const queried = await temporal.client.workflow.getHandle(workflowId).query(getBulkStartProgressQuery);
  expect(queried).toEqual(progress);
  let runs = 0;
  for await (const _ of temporal.client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) runs += 1;
  return { progress, runs };
}

describe('tax season bulk start', () => {
  it('starts each selected client once, counts earlier starts as done, and reports clients it cannot start', async () => {
    // One client's return was started by hand before the season.
    const early = individuals[0]!;
    let batchCalls = 0;
    const first = await withWorker(
      async (taskQueue) => {
        const handStarted = taxReturnInputFor({
          organizationId: firm.id,
          clientId: early,
          taxYear: 2026,
          returnType: '1040',
          timeZone: firm.settings.timeZone,
          preparerUserId: null,
          reviewerUserId: null,
          managerUserId: manager.id,
          fee: null,
        });
        expect(await startTaxReturnWorkflow(temporal.client, taskQueue, handStarted)).toBe('started');
        const outcome = await runBulk(taskQueue);

        // A second season start over the same selection starts nobody again.
        const second = await runBulk(taskQueue);
        return { outcome, second };
      },
      (bulk) => ({
        ...bulk,
        async startTaxReturnBatch(input) {
          batchCalls += 1;
          const result = await bulk.startTaxReturnBatch(input);
          // The worker dies after starting the first batch, before Temporal hears back.
          if (input.afterClientId === null && Context.current().info.attempt === 1 && batchCalls === 1) {
            throw new Error('simulated worker crash after starting a batch');
          }
          return result;
        },
      }),
    );

    expect(first.outcome.progress).toMatchObject({
      taxYear: 2026,
      clientKind: 'individual',
      total: 7,
      started: 5,
      alreadyRunning: 1,
      failed: 1,
      done: true,
    });
    expect(first.outcome.progress.failures[0]?.reason).toBe(
      'No contact with portal access: add one to the client, then start the season again.',
    );
    // Seven clients in batches of two, two batches per run: the bulk start continued as new.
    expect(first.outcome.runs).toBeGreaterThan(1);
    expect(first.second.progress).toMatchObject({
      total: 7,
      started: 0,
      alreadyRunning: 6,
      failed: 1,
      done: true,
    });

    for (const clientId of individuals) {
      const description = await temporal.client.workflow
        .getHandle(taxReturnWorkflowId(clientId, 2026))
        .describe();
      expect(description.status.name).toBe('RUNNING');
    }
    // Every return opened its engagement once, and none for business or inactive clients.
    const em = forTenant(orm, firm.id);
    const rows = async () => em.fork().find(Engagement, { type: 'tax_return', taxYear: 2026 });
    const deadline = Date.now() + 20_000;
    while ((await rows()).length < individuals.length && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const engagements = await rows();
    expect(engagements.map((e) => e.client.id).sort()).toEqual([...individuals].sort());

    for (const clientId of individuals) {
      await temporal.client.workflow
        .getHandle(taxReturnWorkflowId(clientId, 2026))
        .terminate('test finished');
    }
  });
});
