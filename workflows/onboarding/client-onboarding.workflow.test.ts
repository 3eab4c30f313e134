import { randomUUID } from 'node:crypto';
import { forSystem } from '../../db/tenancy/tenant-context';
import { writeFile, mkdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Context } from '@temporalio/activity';
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import { Redis } from 'ioredis';
import { createOrm, type Orm } from '../../db/orm';
import { createFirm, createStaffMember } from '../../db/seed/factories';
import { Client as ClientEntity } from '../../db/clients/client.entity';
import { Engagement } from '../../db/engagements/engagement.entity';
import { EngagementEvent } from '../../db/engagements/engagement-event.entity';
import { EmailMessage } from '../../db/email/email-message.entity';
import { Task } from '../../db/tasks/task.entity';
import type { IOrganization } from '../../db/organizations/organization.entity';
import type { IUser } from '../../db/users/user.entity';
import { createSmtpMailer, type Mailer } from '../../integrations/email/mailer';
import { createLiveUpdatesPublisher, engagementChannel } from '../../integrations/live-updates/live-updates';
import { createEngagementsWorker } from '../../workers/create-engagements-worker';
import { createTestDatabase, dropTestDatabase } from '../../tests/support/databases';
import { waitForEmails, listEmails, portalLinkIn } from '../../tests/support/mailbox';
import {
  connectClient,
  connectWorker,
  decodedHistoryJSON,
  namespace,
  workflowBundle,
} from '../../tests/support/temporal';
import {
  getStatusQuery,
  onboardingWorkflowId,
  profileSubmittedSignal,
  type TClientOnboardingInput,
  type TClientProfile,
  type TOnboardingStatus,
  type TReminderSchedule,
} from './client-onboarding.contracts';
import type { clientOnboardingWorkflow } from './client-onboarding.workflow';

const profile: TClientProfile = {
  legalName: 'Jordan Avery Lee',
  phone: '6175550123',
  addressLine1: '12 Harbor Street',
  city: 'Boston',
  state: 'MA',
  postalCode: '02110',
  preferredContact: 'email',
};

let databaseUrl: string;
let orm: Orm;
let redis: Redis;
let mailer: Mailer;
let connection: NativeConnection;
let temporal: { client: Client; close: () => Promise<void> };
let firm: IOrganization;
let preparer: IUser;

beforeAll(async () => {
  databaseUrl = await createTestDatabase();
  orm = await createOrm({ databaseUrl, poolMax: 4 });
  const em = forSystem(orm, 'test assertions');
  firm = await createFirm(em, { name: 'Onboarding Test Firm' });
  preparer = await createStaffMember(em, firm, { role: 'preparer' });
  redis = new Redis(process.env.REDIS_URL ?? '');
  mailer = createSmtpMailer({ smtpUrl: process.env.SMTP_URL ?? '', from: 'Test Firm <firm@example.test>' });
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

function newInput(reminders: TReminderSchedule): TClientOnboardingInput {
  const id = randomUUID();
  return {
    organizationId: firm.id,
    clientId: id,
    engagementId: randomUUID(),
    client: { kind: 'individual', displayName: 'Jordan Lee' },
    contact: { id: randomUUID(), name: 'Jordan Lee', email: `jordan-${id.slice(0, 8)}@example.test` },
    startedByUserId: preparer.id,
    reminders,
  };
}

/** Runs a worker on its own task queue while `body` runs. */
async function withWorker<T>(
  body: (taskQueue: string) => Promise<T>,
  decorate?: Parameters<typeof createEngagementsWorker>[0]['decorateActivities'],
): Promise<T> {
  const taskQueue = `onboarding-test-${randomUUID()}`;
  const worker = await createEngagementsWorker({
    connection,
    namespace: namespace(),
    orm,
    mailer,
    liveUpdates: createLiveUpdatesPublisher(redis),
    publicUrl: 'http://localhost:3000',
    workflowBundle: await workflowBundle(),
    taskQueue,
    decorateActivities: decorate,
  });
  return worker.runUntil(body(taskQueue));
}

function start(
  taskQueue: string,
  input: TClientOnboardingInput,
): Promise<WorkflowHandle<typeof clientOnboardingWorkflow>> {
  return temporal.client.workflow.start<typeof clientOnboardingWorkflow>('clientOnboardingWorkflow', {
    taskQueue,
    workflowId: onboardingWorkflowId(input.clientId),
    args: [input],
  });
}

async function waitForStatus(
  handle: WorkflowHandle,
  predicate: (status: TOnboardingStatus) => boolean,
  timeoutMs = 20_000,
): Promise<TOnboardingStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await handle.query(getStatusQuery);
    if (predicate(status)) return status;
    if (Date.now() > deadline) throw new Error(`status never matched; last: ${JSON.stringify(status)}`);
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

const longWait: TReminderSchedule = { intervalsSeconds: [3600], followUpAfterSeconds: 3600 };

describe('client onboarding workflow', () => {
  it('creates the client, invites the contact once, and completes when the client submits the profile', async () => {
    const input = newInput(longWait);
    const changes: string[] = [];
    const subscriber = new Redis(process.env.REDIS_URL ?? '');
    await subscriber.subscribe(engagementChannel(input.engagementId));
    subscriber.on('message', (_channel, message: string) => {
      changes.push((JSON.parse(message) as { stage: string }).stage);
    });

    const result = await withWorker(async (taskQueue) => {
      const handle = await start(taskQueue, input);
      const waiting = await waitForStatus(handle, (s) => s.stage === 'awaiting_profile');
      expect(waiting.waitingFor).toEqual({ what: 'Client profile', from: 'client' });
      expect(waiting.nextReminderAt).not.toBeNull();

      const [invitation, ...others] = await waitForEmails(input.contact.email, 1);
      expect(others).toHaveLength(0);
      expect(invitation?.subject).toBe('Onboarding Test Firm invites you to your client portal');
      expect(portalLinkIn(invitation!)).toMatch(/^http:\/\/localhost:3000\/portal\/invite\//);

      const em = forSystem(orm, 'test assertions');
      const client = await em.findOneOrFail(ClientEntity, { id: input.clientId });
      expect(client.status).toBe('prospect');
      const engagement = await em.findOneOrFail(Engagement, { id: input.engagementId });
      expect(engagement).toMatchObject({ stage: 'awaiting_profile', status: 'active', progress: 40 });
      expect(engagement.workflowId).toBe(`onboarding:${input.clientId}`);

      await handle.signal(profileSubmittedSignal, {
        contactId: input.contact.id,
        profile,
        submittedAt: new Date().toISOString(),
      });
      const outcome = await handle.result();
      if (process.env.CPA_RECORD_HISTORIES === '1')
        await recordHistory(handle.workflowId, 'invited-then-profile');
      return outcome;
    });

    expect(result).toMatchObject({ clientId: input.clientId, remindersSent: 0, followUpTaskCreated: false });
    const em = forSystem(orm, 'test assertions');
    const client = await em.findOneOrFail(ClientEntity, { id: input.clientId });
    expect(client.status).toBe('active');
    expect(client.profile).toMatchObject({ legalName: 'Jordan Avery Lee', postalCode: '02110' });
    const engagement = await em.findOneOrFail(Engagement, { id: input.engagementId });
    expect(engagement).toMatchObject({ stage: 'completed', status: 'completed', progress: 100 });
    expect(engagement.completedAt).toBeInstanceOf(Date);
    const timeline = await em.find(
      EngagementEvent,
      { engagement: input.engagementId },
      { orderBy: { occurredAt: 'asc', key: 'asc' } },
    );
    expect(timeline.map((e) => e.kind)).toEqual([
      'started',
      'stage',
      'invitation_sent',
      'profile_received',
      'completed',
    ]);
    await expect.poll(() => changes.at(-1)).toBe('completed');
    expect(changes).toContain('awaiting_profile');
    await subscriber.quit();
  });

  it('sends each reminder on schedule, then opens one follow-up task, and closes it when the profile arrives', async () => {
    const input = newInput({ intervalsSeconds: [1, 1], followUpAfterSeconds: 1 });
    const { result, workflowId, status } = await withWorker(async (taskQueue) => {
      const handle = await start(taskQueue, input);
      const afterFollowUp = await waitForStatus(handle, (s) => s.followUpTaskCreated);
      expect(afterFollowUp).toMatchObject({
        remindersSent: 2,
        remindersPlanned: 2,
        nextReminderAt: null,
        stage: 'awaiting_profile',
      });

      const emails = await waitForEmails(input.contact.email, 3);
      expect(emails.map((e) => e.subject).sort()).toEqual([
        'Onboarding Test Firm invites you to your client portal',
        'Reminder: Onboarding Test Firm is waiting for your details',
        'Reminder: Onboarding Test Firm is waiting for your details',
      ]);
      const task = await forSystem(orm, 'test assertions').findOneOrFail(Task, {
        engagement: input.engagementId,
      });
      expect(task).toMatchObject({ kind: 'follow_up', status: 'open' });
      expect(task.assignee?.id).toBe(preparer.id);

      await handle.signal(profileSubmittedSignal, {
        contactId: input.contact.id,
        profile,
        submittedAt: new Date().toISOString(),
      });
      return { result: await handle.result(), workflowId: handle.workflowId, status: afterFollowUp };
    });

    expect(status.followUpTaskCreated).toBe(true);
    expect(result).toMatchObject({ remindersSent: 2, followUpTaskCreated: true });
    const tasks = await forSystem(orm, 'test assertions').find(Task, { engagement: input.engagementId });
    expect(tasks).toHaveLength(1);
    expect(tasks[0]?.status).toBe('done');
    expect(await listEmails(input.contact.email)).toHaveLength(3);
    const sentLog = await forSystem(orm, 'test assertions').find(EmailMessage, {
      idempotencyKey: { $like: `${workflowId}:%` },
    });
    expect(sentLog.map((m) => m.status)).toEqual(['sent', 'sent', 'sent']);

    if (process.env.CPA_RECORD_HISTORIES === '1')
      await recordHistory(workflowId, 'reminders-follow-up-then-profile');
  });

  it('sends the invitation once even when the email activity is retried after sending', async () => {
    const input = newInput(longWait);
    let calls = 0;
    await withWorker(
      async (taskQueue) => {
        const handle = await start(taskQueue, input);
        await waitForStatus(handle, (s) => s.stage === 'awaiting_profile');
        await handle.signal(profileSubmittedSignal, {
          contactId: input.contact.id,
          profile,
          submittedAt: new Date().toISOString(),
        });
        await handle.result();
      },
      (activities) => ({
        ...activities,
        async sendOnboardingEmail(args) {
          calls += 1;
          const outcome = await activities.sendOnboardingEmail(args);
          // Simulate a crash after the mail server accepted the email but before Temporal heard back.
          if (Context.current().info.attempt === 1) throw new Error('simulated worker crash after sending');
          return outcome;
        },
      }),
    );

    expect(calls).toBe(2);
    expect(await listEmails(input.contact.email)).toHaveLength(1);
    const [entry] = await forSystem(orm, 'test assertions').find(EmailMessage, {
      idempotencyKey: `${onboardingWorkflowId(input.clientId)}:invitation`,
    });
    expect(entry).toMatchObject({ status: 'sent', attempts: 1 });
  });

  it('keeps the first profile when the client submits twice', async () => {
    const input = newInput(longWait);
    await withWorker(async (taskQueue) => {
      const handle = await start(taskQueue, input);
      await waitForStatus(handle, (s) => s.stage === 'awaiting_profile');
      const submittedAt = new Date().toISOString();
      await handle.signal(profileSubmittedSignal, { contactId: input.contact.id, profile, submittedAt });
      await handle.signal(profileSubmittedSignal, {
        contactId: input.contact.id,
        profile: { ...profile, legalName: 'Someone Else' },
        submittedAt,
      });
      await handle.result();
    });
    const client = await forSystem(orm, 'test assertions').findOneOrFail(ClientEntity, {
      id: input.clientId,
    });
    expect(client.profile?.legalName).toBe('Jordan Avery Lee');
  });
});

/** Writes a workflow's history for the replay test (run with CPA_RECORD_HISTORIES=1). */
async function recordHistory(workflowId: string, name: string): Promise<void> {
  const history = await decodedHistoryJSON(temporal.client, workflowId);
  const dir = new URL('../../tests/histories/client-onboarding/', import.meta.url);
  await mkdir(dir, { recursive: true });
  await writeFile(new URL(`${name}.json`, dir), history);
}
