import { randomUUID } from 'node:crypto';
import { forSystem } from '../../db/tenancy/tenant-context';
import { writeFile, mkdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApplicationFailure, Context } from '@temporalio/activity';
import { WorkflowUpdateFailedError, type Client, type WorkflowHandle } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import { Redis } from 'ioredis';
import { createOrm, type Orm } from '../../db/orm';
import { createFirm, createStaffMember } from '../../db/seed/factories';
import { Client as ClientEntity } from '../../db/clients/client.entity';
import { Engagement } from '../../db/engagements/engagement.entity';
import { EngagementEvent } from '../../db/engagements/engagement-event.entity';
import { EmailMessage } from '../../db/email/email-message.entity';
import { Task } from '../../db/tasks/task.entity';
import { PortalLink } from '../../db/portal/portal-link.entity';
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
  cancelEngagementUpdate,
  getStatusQuery,
  onboardingWorkflowId,
  profileSubmittedSignal,
  reassignFollowUpUpdate,
  resendInvitationUpdate,
  type TClientOnboardingInput,
  type TClientProfile,
  type TOnboardingStatusView,
  type TReminderSchedule,
} from './client-onboarding.contracts';
import {
  reminderIdempotencyKey,
  retryFailedStepUpdate,
  updateRejectionMessage,
} from '../shared/engagement.contracts';
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
let manager: IUser;

beforeAll(async () => {
  databaseUrl = await createTestDatabase();
  orm = await createOrm({ databaseUrl, poolMax: 4 });
  const em = forSystem(orm, 'test assertions');
  firm = await createFirm(em, { name: 'Onboarding Test Firm' });
  preparer = await createStaffMember(em, firm, { role: 'preparer' });
  manager = await createStaffMember(em, firm, { role: 'manager' });
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
  predicate: (status: TOnboardingStatusView) => boolean,
  timeoutMs = 30_000,
): Promise<TOnboardingStatusView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await handle.query(getStatusQuery);
    if (predicate(status)) return status;
    if (Date.now() > deadline) throw new Error(`status never matched; last: ${JSON.stringify(status)}`);
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

const longWait: TReminderSchedule = { intervalsSeconds: [3600], followUpAfterSeconds: 3600 };

/** The readable refusal of an update (its validator's sentence); null when the update was accepted. */
async function refusal(promise: Promise<unknown>): Promise<string | null> {
  try {
    await promise;
    return null;
  } catch (error) {
    expect(error).toBeInstanceOf(WorkflowUpdateFailedError);
    return updateRejectionMessage(error);
  }
}

/** The history's length once the workflow has gone quiet (waiting on its long timers). */
async function settledHistoryLength(handle: WorkflowHandle): Promise<number> {
  let last = -1;
  for (;;) {
    const length = (await handle.fetchHistory()).events?.length ?? 0;
    if (length === last) return length;
    last = length;
    await new Promise((resolve) => setTimeout(resolve, 700));
  }
}

const submitProfile = (handle: WorkflowHandle, input: TClientOnboardingInput) =>
  handle.signal(profileSubmittedSignal, {
    contactId: input.contact.id,
    profile,
    submittedAt: new Date().toISOString(),
  });

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
      expect(waiting).toMatchObject({
        type: 'client_onboarding',
        workflowId: onboardingWorkflowId(input.clientId),
        clientId: input.clientId,
        status: 'active',
        waitingFor: { what: 'Client profile', from: 'client' },
        reminders: { sent: 0, planned: 1, notSentReason: null, escalated: false },
        openTasks: [],
        lastError: null,
        cancellation: null,
        profileSubmittedAt: null,
        completedAt: null,
      });
      expect(Date.parse(waiting.waitingFor?.since ?? '')).toBeGreaterThan(Date.now() - 60_000);
      expect(waiting.reminders.nextAt).not.toBeNull();

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
      await recordHistory(handle.workflowId, 'shared-invited-then-profile');
      return outcome;
    });

    expect(result).toMatchObject({
      clientId: input.clientId,
      outcome: 'completed',
      remindersSent: 0,
      followUpTaskCreated: false,
    });
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

  it('sends each reminder on the cadence, then opens one follow-up task, and closes it when the profile arrives', async () => {
    const input = newInput({ intervalsSeconds: [1, 1], followUpAfterSeconds: 1 });
    const { result, workflowId, status } = await withWorker(async (taskQueue) => {
      const handle = await start(taskQueue, input);
      const afterFollowUp = await waitForStatus(handle, (s) => s.reminders.escalated);
      expect(afterFollowUp).toMatchObject({
        stage: 'awaiting_profile',
        reminders: { sent: 2, planned: 2, nextAt: null, notSentReason: null, escalated: true },
        openTasks: [
          {
            title: 'Follow up: client has not completed their portal profile',
            assigneeRole: 'preparer',
          },
        ],
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

      const reassigned = await handle.executeUpdate(reassignFollowUpUpdate, {
        args: [{ assigneeUserId: manager.id, byUserId: preparer.id }],
      });
      expect(reassigned).toEqual({ taskId: task.id, message: 'The follow-up task is reassigned.' });
      const moved = await forSystem(orm, 'test assertions').findOneOrFail(Task, { id: task.id });
      expect(moved.assignee?.id).toBe(manager.id);

      await submitProfile(handle, input);
      return { result: await handle.result(), workflowId: handle.workflowId, status: afterFollowUp };
    });

    expect(status.openTasks).toHaveLength(1);
    expect(result).toMatchObject({ outcome: 'completed', remindersSent: 2, followUpTaskCreated: true });
    const tasks = await forSystem(orm, 'test assertions').find(Task, { engagement: input.engagementId });
    expect(tasks).toHaveLength(1);
    expect(tasks[0]?.status).toBe('done');
    expect(await listEmails(input.contact.email)).toHaveLength(3);
    const sentLog = await forSystem(orm, 'test assertions').find(
      EmailMessage,
      { relatedId: input.engagementId },
      { orderBy: { createdAt: 'asc' } },
    );
    expect(sentLog.map((m) => [m.idempotencyKey, m.status])).toEqual([
      [`${workflowId}:invitation`, 'sent'],
      [reminderIdempotencyKey(workflowId, 'profile', 1), 'sent'],
      [reminderIdempotencyKey(workflowId, 'profile', 2), 'sent'],
    ]);
    const timeline = await forSystem(orm, 'test assertions').find(
      EngagementEvent,
      { engagement: input.engagementId },
      { orderBy: { occurredAt: 'asc', key: 'asc' } },
    );
    expect(timeline.map((e) => e.kind)).toEqual([
      'started',
      'stage',
      'invitation_sent',
      'reminder_sent',
      'reminder_sent',
      'follow_up_created',
      'follow_up_reassigned',
      'profile_received',
      'completed',
    ]);

    await recordHistory(workflowId, 'shared-reminders-escalation-then-profile');
  });

  it('backs off between reminders on the shared cadence', async () => {
    const input: TClientOnboardingInput = {
      ...newInput(longWait),
      cadence: {
        firstAfterSeconds: 1,
        backoffCoefficient: 3,
        maxIntervalSeconds: 3600,
        maxReminders: 2,
        escalateAfterSeconds: 3600,
      },
    };
    await withWorker(async (taskQueue) => {
      const handle = await start(taskQueue, input);
      const afterFirst = await waitForStatus(
        handle,
        (s) => s.reminders.sent === 1 && s.reminders.nextAt !== null,
      );
      const wait = Date.parse(afterFirst.reminders.nextAt ?? '') - Date.now();
      // The second wait is three times the first (3 s), not the first again.
      expect(wait).toBeGreaterThan(1_000);
      expect(afterFirst.reminders.planned).toBe(2);
      await waitForStatus(handle, (s) => s.reminders.sent === 2);
      await submitProfile(handle, input);
      await handle.result();
    });
  });

  it('refuses staff updates it cannot do now with a readable sentence, leaving no trace in history', async () => {
    const input = newInput(longWait);
    await withWorker(async (taskQueue) => {
      const handle = await start(taskQueue, input);
      await waitForStatus(handle, (s) => s.stage === 'awaiting_profile');
      const before = await settledHistoryLength(handle);

      expect(
        await refusal(
          handle.executeUpdate(cancelEngagementUpdate, { args: [{ reason: 'x', byUserId: preparer.id }] }),
        ),
      ).toBe('Say in a few words why the engagement is cancelled');
      expect(
        await refusal(
          handle.executeUpdate(reassignFollowUpUpdate, {
            args: [{ assigneeUserId: manager.id, byUserId: preparer.id }],
          }),
        ),
      ).toBe(
        'There is no follow-up task to reassign: one opens only after the last reminder goes unanswered.',
      );
      expect(
        await refusal(handle.executeUpdate(resendInvitationUpdate, { args: [{ byUserId: 'not-a-uuid' }] })),
      ).toBe('Invalid UUID');
      expect(
        await refusal(handle.executeUpdate(retryFailedStepUpdate, { args: [{ byUserId: preparer.id }] })),
      ).toBe('Nothing is failing right now, so there is nothing to retry.');

      expect(await settledHistoryLength(handle)).toBe(before);
      const history = await handle.fetchHistory();
      expect(history.events?.some((e) => e.workflowExecutionUpdateAcceptedEventAttributes)).toBe(false);

      await submitProfile(handle, input);
      await handle.result();
      // Once complete, the workflow is closed: a cancel can no longer reach it, and nothing changes.
      await expect(
        handle.executeUpdate(cancelEngagementUpdate, {
          args: [{ reason: 'Too late to cancel', byUserId: preparer.id }],
        }),
      ).rejects.toThrow();
    });
    const engagement = await forSystem(orm, 'test assertions').findOneOrFail(Engagement, {
      id: input.engagementId,
    });
    expect(engagement).toMatchObject({ stage: 'completed', status: 'completed' });
  });

  it('sends a new portal link on request while waiting for the profile, and the older link stops working', async () => {
    const input = newInput(longWait);
    await withWorker(async (taskQueue) => {
      const handle = await start(taskQueue, input);
      await waitForStatus(handle, (s) => s.stage === 'awaiting_profile');
      const [first] = await waitForEmails(input.contact.email, 1);

      const resent = await handle.executeUpdate(resendInvitationUpdate, {
        args: [{ byUserId: preparer.id }],
      });
      expect(resent).toEqual({
        sent: true,
        notSentReason: null,
        message:
          'A new portal link was emailed to the client. Older links they have not used no longer work.',
      });
      const emails = await waitForEmails(input.contact.email, 2);
      const links = emails.map((e) => portalLinkIn(e));
      expect(new Set(links).size).toBe(2);
      expect(links).toContain(portalLinkIn(first!));
      const stored = await forSystem(orm, 'test assertions').find(
        PortalLink,
        { contact: input.contact.id },
        { orderBy: { createdAt: 'asc' } },
      );
      expect(stored.map((l) => [l.purpose, l.revokedAt !== null])).toEqual([
        ['onboarding-invitation', true],
        ['onboarding-invitation', false],
      ]);
      expect((await handle.query(getStatusQuery)).invitationsResent).toBe(1);

      await submitProfile(handle, input);
      await handle.result();
    });
  });

  it('cancels with compensations in reverse: revokes the unused links, closes the follow-up, tells the client once', async () => {
    const input = newInput({ intervalsSeconds: [1], followUpAfterSeconds: 1 });
    const { result, final } = await withWorker(async (taskQueue) => {
      const handle = await start(taskQueue, input);
      await waitForStatus(handle, (s) => s.reminders.escalated);
      const cancelled = await handle.executeUpdate(cancelEngagementUpdate, {
        args: [{ reason: 'The client chose another firm', byUserId: preparer.id, notifyClient: true }],
      });
      const outcome = await handle.result();
      await recordHistory(handle.workflowId, 'shared-cancelled-with-compensations');
      return { result: cancelled, final: outcome };
    });

    expect(result.compensations).toEqual([
      { name: 'revoke the portal invitation', ok: true },
      { name: 'close the follow-up task', ok: true },
      { name: 'tell the client', ok: true },
    ]);
    expect(final).toMatchObject({ outcome: 'cancelled', remindersSent: 1, completedAt: null });
    const em = forSystem(orm, 'test assertions');
    const links = await em.find(PortalLink, { contact: input.contact.id });
    expect(links.length).toBeGreaterThan(0);
    expect(links.every((l) => l.revokedAt !== null)).toBe(true);
    const tasks = await em.find(Task, { engagement: input.engagementId });
    expect(tasks.map((t) => [t.kind, t.status])).toEqual([['follow_up', 'cancelled']]);
    const engagement = await em.findOneOrFail(Engagement, { id: input.engagementId });
    expect(engagement).toMatchObject({ stage: 'cancelled', status: 'cancelled', waitingFor: null });
    const stopped = (await waitForEmails(input.contact.email, 3)).filter((e) =>
      e.subject.includes('has stopped work'),
    );
    expect(stopped.map((e) => e.subject)).toEqual([
      'Onboarding Test Firm has stopped work on setting up your client account',
    ]);
    const cancelledLog = await em.find(EmailMessage, {
      idempotencyKey: `${onboardingWorkflowId(input.clientId)}:cancelled`,
    });
    expect(cancelledLog.map((m) => m.status)).toEqual(['sent']);
    const timeline = await em.find(
      EngagementEvent,
      { engagement: input.engagementId },
      { orderBy: { occurredAt: 'asc', key: 'asc' } },
    );
    expect(timeline.at(-1)).toMatchObject({
      kind: 'cancelled',
      message: 'Cancelled: The client chose another firm',
    });
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
        async sendOnboardingInvitation(args) {
          calls += 1;
          const outcome = await activities.sendOnboardingInvitation(args);
          // Simulate a crash after the mail server accepted the email but before Temporal heard back.
          if (Context.current().info.attempt === 1) throw new Error('simulated worker crash after sending');
          return outcome;
        },
      }),
    );

    expect(calls).toBe(2);
    expect(await listEmails(input.contact.email)).toHaveLength(1);
    // One link was issued: the retry found the sent-log entry before issuing a second one.
    const links = await forSystem(orm, 'test assertions').find(PortalLink, { contact: input.contact.id });
    expect(links.map((l) => l.revokedAt)).toEqual([null]);
    const [entry] = await forSystem(orm, 'test assertions').find(EmailMessage, {
      idempotencyKey: `${onboardingWorkflowId(input.clientId)}:invitation`,
    });
    expect(entry).toMatchObject({ status: 'sent', attempts: 1 });
  });

  it('shows a step that keeps failing as lastError, tries it again, and clears it once it succeeds', async () => {
    const input = newInput(longWait);
    let failures = 0;
    const seen = await withWorker(
      async (taskQueue) => {
        const handle = await start(taskQueue, input);
        await waitForStatus(handle, (s) => s.stage === 'awaiting_profile');
        await submitProfile(handle, input);
        const failing = await waitForStatus(handle, (s) => s.lastError !== null);
        // Staff try the step again at once rather than waiting for the next try (30 s away).
        const retried = await handle.executeUpdate(retryFailedStepUpdate, {
          args: [{ byUserId: preparer.id }],
        });
        expect(retried).toEqual({ activity: 'saveClientProfile' });
        await handle.result();
        return failing;
      },
      (activities) => ({
        ...activities,
        async saveClientProfile(args) {
          // Every attempt of the first try fails (the activity's six retries), quickly.
          if (failures < 6) {
            failures += 1;
            throw ApplicationFailure.create({
              message: 'the database did not answer (simulated)',
              nextRetryDelay: '20 milliseconds',
            });
          }
          return activities.saveClientProfile(args);
        },
      }),
    );

    expect(seen).toMatchObject({
      stage: 'awaiting_profile',
      status: 'active',
      lastError: {
        activity: 'saveClientProfile',
        message: 'the database did not answer (simulated)',
        attempt: 1,
      },
    });
    expect(failures).toBe(6);
    const client = await forSystem(orm, 'test assertions').findOneOrFail(ClientEntity, {
      id: input.clientId,
    });
    expect(client.profile?.legalName).toBe('Jordan Avery Lee');
    const engagement = await forSystem(orm, 'test assertions').findOneOrFail(Engagement, {
      id: input.engagementId,
    });
    expect(engagement).toMatchObject({ stage: 'completed', status: 'completed' });
  }, 120_000);

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
  if (process.env.CPA_RECORD_HISTORIES !== '1') return;
  const history = await decodedHistoryJSON(temporal.client, workflowId);
  const dir = new URL('../../tests/histories/client-onboarding/', import.meta.url);
  await mkdir(dir, { recursive: true });
  await writeFile(new URL(`${name}.json`, dir), history);
}
