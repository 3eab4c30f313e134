/**
 * The tax return workflow on the real Temporal dev server, with real activities, Postgres, the SMTP
 * capture and the local payments adapter. The dev server does not skip time, so deadlines, reminder
 * cadences and escalation leads are given in seconds.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Context } from '@temporalio/activity';
import {
  WorkflowNotFoundError,
  type Client,
  type WorkflowHandle,
  type WorkflowHandleWithFirstExecutionRunId,
} from '@temporalio/client';
import { Worker, type NativeConnection } from '@temporalio/worker';
import { Redis } from 'ioredis';
import { createBillingActivities } from '../../activities/billing/billing.activities';
import { createDocumentIntakeActivities } from '../../activities/documents/document-intake.activities';
import { createEngagementActivities } from '../../activities/engagements/engagement.activities';
import { createTaxReturnActivities } from '../../activities/tax-return/tax-return.activities';
import { AuditEvent } from '../../db/audit/audit-event.entity';
import { Client as ClientEntity } from '../../db/clients/client.entity';
import { Contact } from '../../db/clients/contact.entity';
import { Invoice } from '../../db/billing/invoice.entity';
import { Engagement } from '../../db/engagements/engagement.entity';
import { EngagementEvent } from '../../db/engagements/engagement-event.entity';
import { createOrm, type Orm } from '../../db/orm';
import type { IOrganization } from '../../db/organizations/organization.entity';
import { createFirm, createStaffMember } from '../../db/seed/factories';
import { Task } from '../../db/tasks/task.entity';
import { TaxReturnApproval } from '../../db/tax-return/tax-return-approval.entity';
import { signTaxReturnApproval, efileConsentText } from '../../db/tax-return/sign-tax-return-approval';
import { requestTaxReturnChanges } from '../../db/tax-return/request-tax-return-changes';
import { forSystem, forTenant } from '../../db/tenancy/tenant-context';
import type { IUser } from '../../db/users/user.entity';
import { createSmtpMailer, type Mailer } from '../../integrations/email/mailer';
import { createLiveUpdatesPublisher } from '../../integrations/live-updates/live-updates';
import { createLocalPayments } from '../../integrations/payments/local-payments';
import type { Payments } from '../../integrations/payments/payments';
import { createTestDatabase, dropTestDatabase } from '../../tests/support/databases';
import { listEmails } from '../../tests/support/mailbox';
import {
  connectClient,
  connectWorker,
  dataConverter,
  decodedHistoryJSON,
  namespace,
  workflowBundle,
} from '../../tests/support/temporal';
import {
  documentIntakeWorkflowId,
  getStatusQuery as getIntakeStatusQuery,
  waiveItemUpdate,
} from '../intake/document-intake.contracts';
import { cancelEngagementUpdate, updateRejectionMessage } from '../shared/engagement.contracts';
import { invoicePaidSignal } from '../shared/payments.contracts';
import {
  approveReturnUpdate,
  clientChangesRequestedSignal,
  efileAuthorizationSignedSignal,
  getTaxReturnStatusQuery,
  recordExtensionUpdate,
  recordFilingUpdate,
  sendBackUpdate,
  setWaitingOnK1Update,
  submitForReviewUpdate,
  taxReturnWorkflowId,
  waivePaymentUpdate,
  type TTaxReturnInputIn,
  type TTaxReturnStatus,
} from './tax-return.contracts';
import type { taxReturnWorkflow } from './tax-return.workflow';

let databaseUrl: string;
let orm: Orm;
let redis: Redis;
let mailer: Mailer;
let connection: NativeConnection;
let temporal: { client: Client; close: () => Promise<void> };
let firm: IOrganization;
let preparer: IUser;
let reviewer: IUser;
let manager: IUser;

const summary = {
  federalRefundMinor: 123_456,
  state: { code: 'ma', refundMinor: -4_200 },
  notes: 'Refund by direct deposit.',
};

beforeAll(async () => {
  databaseUrl = await createTestDatabase();
  orm = await createOrm({ databaseUrl, poolMax: 6 });
  const em = forSystem(orm, 'test setup');
  firm = await createFirm(em, { name: 'Tax Test Firm' });
  preparer = await createStaffMember(em, firm, { role: 'preparer' });
  reviewer = await createStaffMember(em, firm, { role: 'reviewer' });
  manager = await createStaffMember(em, firm, { role: 'manager' });
  redis = new Redis(process.env.REDIS_URL ?? '');
  mailer = createSmtpMailer({
    smtpUrl: process.env.SMTP_URL ?? '',
    from: 'Tax Test Firm <firm@example.test>',
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

/** An active individual client with one portal contact. */
async function newClient(): Promise<{ clientId: string; contactId: string; email: string; name: string }> {
  const em = forTenant(orm, firm.id);
  const suffix = randomUUID().slice(0, 8);
  const client = em.create(ClientEntity, {
    organization: firm.id,
    kind: 'individual',
    displayName: `Jordan Lee ${suffix}`,
    status: 'active',
  });
  const contact = em.create(Contact, {
    organization: firm.id,
    client,
    name: 'Jordan Lee',
    email: `jordan-${suffix}@example.test`,
    portalAccess: true,
  });
  await em.flush();
  return { clientId: client.id, contactId: contact.id, email: contact.email, name: contact.name };
}

interface TRun {
  taskQueue: string;
  voids: string[];
  issued: string[];
}

type TActivities = ReturnType<typeof createTaxReturnActivities> &
  ReturnType<typeof createEngagementActivities> &
  ReturnType<typeof createDocumentIntakeActivities>;
type TBilling = ReturnType<typeof createBillingActivities>;

/** Runs an engagements worker and an integrations worker on their own queues while `body` runs. */
async function withWorkers<T>(
  body: (run: TRun) => Promise<T>,
  decorate: { activities?: (a: TActivities) => TActivities; billing?: (b: TBilling) => TBilling } = {},
): Promise<T> {
  const taskQueue = `tax-test-${randomUUID()}`;
  const run: TRun = { taskQueue, voids: [], issued: [] };
  const local = createLocalPayments({ publicUrl: 'http://localhost:3000', webhookSecret: 'whsec_tax_test' });
  const payments: Payments = {
    ...local,
    createInvoice: (input) => {
      run.issued.push(input.invoiceId);
      return local.createInvoice(input);
    },
    voidInvoice: (ref) => {
      run.voids.push(ref.invoiceId);
      return local.voidInvoice(ref);
    },
  };
  const deps = {
    orm,
    mailer,
    liveUpdates: createLiveUpdatesPublisher(redis),
    publicUrl: 'http://localhost:3000',
  };
  const activities: TActivities = {
    ...createEngagementActivities(deps),
    ...createDocumentIntakeActivities(deps),
    ...createTaxReturnActivities(deps),
  };
  const billing = createBillingActivities({ orm, payments });
  const engagements = await Worker.create({
    connection,
    namespace: namespace(),
    dataConverter: dataConverter(),
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: decorate.activities ? decorate.activities(activities) : activities,
  });
  const integrations = await Worker.create({
    connection,
    namespace: namespace(),
    dataConverter: dataConverter(),
    taskQueue: `${taskQueue}-integrations`,
    activities: decorate.billing ? decorate.billing(billing) : billing,
  });
  return engagements.runUntil(integrations.runUntil(body(run)));
}

function returnInput(
  run: TRun,
  client: { clientId: string },
  overrides: Partial<TTaxReturnInputIn> = {},
): TTaxReturnInputIn {
  return {
    organizationId: firm.id,
    clientId: client.clientId,
    engagementId: randomUUID(),
    taxYear: 2026,
    returnType: '1040',
    preparerUserId: preparer.id,
    reviewerUserId: reviewer.id,
    managerUserId: manager.id,
    startedByUserId: manager.id,
    dueDates: {
      original: new Date(Date.now() + 30 * 86_400_000).toISOString(),
      extended: new Date(Date.now() + 200 * 86_400_000).toISOString(),
    },
    fee: { amountMinor: 45_000, currency: 'usd', description: '2026 individual tax return' },
    timing: {
      approvalReminders: {
        firstAfterSeconds: 3600,
        maxReminders: 2,
        escalateAfterSeconds: 3600,
        backoffCoefficient: 1,
        maxIntervalSeconds: 3600,
      },
      escalationLeadSeconds: [14 * 86_400, 3 * 86_400],
      intakeReminders: { firstAfterSeconds: 3600, maxReminders: 1, escalateAfterSeconds: 3600 },
    },
    integrationsTaskQueue: `${run.taskQueue}-integrations`,
    ...overrides,
  };
}

async function start(
  run: TRun,
  input: TTaxReturnInputIn,
): Promise<WorkflowHandleWithFirstExecutionRunId<typeof taxReturnWorkflow>> {
  return temporal.client.workflow.start<typeof taxReturnWorkflow>('taxReturnWorkflow', {
    taskQueue: run.taskQueue,
    workflowId: taxReturnWorkflowId(input.clientId, input.taxYear),
    args: [input],
  });
}

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
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const statusOf = (handle: WorkflowHandle) => () => handle.query(getTaxReturnStatusQuery);
const waitForStage = (handle: WorkflowHandle, stage: TTaxReturnStatus['stage']) =>
  waitFor(statusOf(handle), (s) => s.stage === stage);

/** Staff waive every required checklist item of the return's intake (no uploads in these tests). */
async function finishIntake(engagementId: string): Promise<void> {
  const intake = temporal.client.workflow.getHandle(documentIntakeWorkflowId(engagementId));
  // The return starts its intake child right after it moves to the intake stage.
  const status = await waitFor(
    () =>
      intake.query(getIntakeStatusQuery).catch((error: unknown) => {
        if (error instanceof WorkflowNotFoundError) return null;
        throw error;
      }),
    (s) => s !== null && s.checklist.length > 0 && s.stage === 'collecting',
  );
  if (!status) throw new Error('unreachable');
  // The last waiver completes the intake, which still answers it (it waits for its running updates).
  for (const item of status.checklist.filter((i) => i.required && i.status === 'open')) {
    const waived = await intake.executeUpdate(waiveItemUpdate, {
      args: [{ requestId: item.requestId, reason: 'Not needed for this test return', byUserId: manager.id }],
    });
    expect(waived.status).toBe('waived');
  }
}

async function rejection(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    const message = updateRejectionMessage(error);
    if (message) return message;
    throw error;
  }
  throw new Error('the update was accepted');
}

async function signApproval(
  engagementId: string,
  client: { contactId: string; name: string },
  round: number,
  handle: WorkflowHandle,
): Promise<void> {
  const approval = await signTaxReturnApproval(forTenant(orm, firm.id), {
    organizationId: firm.id,
    engagementId,
    round,
    contactId: client.contactId,
    typedName: client.name,
    consentText: efileConsentText({ firmName: firm.name, taxYear: 2026, returnType: '1040' }),
    signedAt: new Date(),
    actor: { type: 'contact', id: client.contactId, ip: '203.0.113.7', userAgent: 'vitest' },
  });
  await handle.signal(efileAuthorizationSignedSignal, {
    authorizationId: approval.id,
    contactId: client.contactId,
    round,
    signedAt: approval.signedAt!.toISOString(),
  });
}

/** Writes a workflow's history for the replay test (run with CPA_RECORD_HISTORIES=1). */
async function recordHistory(workflowId: string, name: string): Promise<void> {
  if (process.env.CPA_RECORD_HISTORIES !== '1') return;
  const history = await decodedHistoryJSON(temporal.client, workflowId);
  const dir = new URL('../../tests/histories/tax-return/', import.meta.url);
  await mkdir(dir, { recursive: true });
  await writeFile(new URL(`${name}.json`, dir), history);
}

describe('tax return workflow', () => {
  it('runs intake, preparation, a send-back and a second review, client approval, payment and filing', async () => {
    const client = await newClient();
    const { workflowId, engagementId, result } = await withWorkers(async (run) => {
      const input = returnInput(run, client);
      const handle = await start(run, input);
      const opened = await waitForStage(handle, 'intake');
      expect(opened.waitingFor).toMatchObject({ what: 'Documents from the client', from: 'client' });
      expect(opened.nextDeadline?.label).toBe('Filing deadline');
      await finishIntake(opened.engagementId);

      const preparing = await waitForStage(handle, 'preparation');
      expect(preparing.openTasks).toEqual([expect.objectContaining({ assigneeRole: 'preparer' })]);
      expect(
        await rejection(
          handle.executeUpdate(submitForReviewUpdate, { args: [{ byUserId: reviewer.id, summary }] }),
        ),
      ).toBe('The reviewer cannot also prepare the return: reassign one of them first.');
      await handle.executeUpdate(submitForReviewUpdate, { args: [{ byUserId: preparer.id, summary }] });
      await waitForStage(handle, 'review');

      // The preparer cannot approve their own work: refused by the validator, nothing in history.
      expect(
        await rejection(handle.executeUpdate(approveReturnUpdate, { args: [{ byUserId: preparer.id }] })),
      ).toBe('You prepared this return: someone else must review and approve it.');
      expect(
        await rejection(
          handle.executeUpdate(sendBackUpdate, { args: [{ byUserId: reviewer.id, reason: 'too short' }] }),
        ),
      ).toBe('Say in a sentence what needs to change (at least 10 characters)');
      await handle.executeUpdate(sendBackUpdate, {
        args: [{ byUserId: reviewer.id, reason: 'Add the 1099-INT interest from the savings account.' }],
      });
      const revising = await waitForStage(handle, 'preparation');
      expect(revising.reviews).toEqual([
        expect.objectContaining({
          round: 1,
          outcome: 'sent_back',
          reason: 'Add the 1099-INT interest from the savings account.',
        }),
      ]);
      await handle.executeUpdate(submitForReviewUpdate, { args: [{ byUserId: preparer.id, summary }] });
      await waitForStage(handle, 'review');
      await handle.executeUpdate(approveReturnUpdate, {
        args: [{ byUserId: reviewer.id, note: 'Looks right.' }],
      });

      const approving = await waitForStage(handle, 'client_approval');
      expect(approving.approval.round).toBe(1);
      expect(approving.summary?.state?.code).toBe('MA');
      const emails = await waitFor(
        () => listEmails(client.email),
        (list) => list.some((e) => e.subject === 'Please review and approve: Your 2026 tax return'),
      );
      const approvalEmail = emails.find(
        (e) => e.subject === 'Please review and approve: Your 2026 tax return',
      );
      expect(approvalEmail?.text).toContain('Federal: Refund $1,234.56. MA: Owed $42.00.');
      expect(approvalEmail?.text).toContain(`/portal/engagements/${opened.engagementId}/approve`);

      // A typed name that is not the contact's is refused; the right one signs.
      await expect(
        signTaxReturnApproval(forTenant(orm, firm.id), {
          organizationId: firm.id,
          engagementId: opened.engagementId,
          round: 1,
          contactId: client.contactId,
          typedName: 'Somebody Else',
          consentText: 'x',
          signedAt: new Date(),
          actor: { type: 'contact', id: client.contactId },
        }),
      ).rejects.toThrow(/Type your full name exactly as we have it: Jordan Lee/);
      await signApproval(opened.engagementId, client, 1, handle);

      const invoicing = await waitFor(statusOf(handle), (s) => s.billing.state === 'invoiced');
      expect(invoicing.stage).toBe('invoicing');
      const invoiceId = invoicing.billing.invoiceId!;
      const invoice = await forTenant(orm, firm.id).findOneOrFail(Invoice, { id: invoiceId });
      expect(invoice).toMatchObject({ status: 'open', amountDueMinor: 45_000 });
      const paid = {
        organizationId: firm.id,
        invoiceId,
        engagementId: opened.engagementId,
        amountPaidMinor: 45_000,
        currency: 'usd',
        paidAt: new Date().toISOString(),
      };
      // Stripe announces one payment in several events: the second changes nothing.
      await handle.signal(invoicePaidSignal, paid);
      await handle.signal(invoicePaidSignal, paid);

      const filing = await waitForStage(handle, 'filing');
      expect(filing.billing.state).toBe('paid');
      expect(
        await rejection(
          handle.executeUpdate(recordFilingUpdate, {
            args: [{ byUserId: preparer.id, confirmationNumber: '12345' }],
          }),
        ),
      ).toBe('Enter the 20-character IRS Submission ID, for example 123456 2027 105 abc1234');
      await handle.executeUpdate(recordFilingUpdate, {
        args: [{ byUserId: preparer.id, confirmationNumber: '123456 2027 105 ABC1234' }],
      });
      const outcome = await handle.result();
      await recordHistory(handle.workflowId, 'send-back-approval-payment-filing');
      return { workflowId: handle.workflowId, engagementId: opened.engagementId, result: outcome };
    });

    expect(result).toEqual({ outcome: 'filed', confirmationNumber: '1234562027105abc1234', reviewRounds: 2 });
    const em = forSystem(orm, 'test assertions');
    const engagement = await em.findOneOrFail(
      Engagement,
      { id: engagementId },
      { populate: ['preparer', 'reviewer'] },
    );
    expect(engagement).toMatchObject({
      type: 'tax_return',
      status: 'completed',
      stage: 'completed',
      taxYear: 2026,
    });
    expect(engagement.workflowId).toBe(workflowId);
    expect(engagement.preparer?.id).toBe(preparer.id);
    expect(engagement.reviewer?.id).toBe(reviewer.id);
    const tasks = await em.find(Task, { engagement: engagementId });
    expect(tasks.map((t) => t.status)).not.toContain('open');
    expect(tasks.filter((t) => t.kind === 'review')).toHaveLength(2);
    const approval = await em.findOneOrFail(TaxReturnApproval, { engagement: engagementId, round: 1 });
    expect(approval).toMatchObject({ status: 'signed', typedName: 'Jordan Lee', signedIp: '203.0.113.7' });
    const timeline = await em.find(
      EngagementEvent,
      { engagement: engagementId },
      { orderBy: { occurredAt: 'asc', key: 'asc' } },
    );
    expect(timeline.map((e) => e.kind)).toEqual(
      expect.arrayContaining([
        'started',
        'intake_complete',
        'submitted_for_review',
        'sent_back',
        'approval_requested',
        'client_approved',
        'invoiced',
        'paid',
        'filed',
      ]),
    );
    const audit = await em.find(AuditEvent, { targetId: engagementId, action: { $like: 'tax_return.%' } });
    expect(audit.map((a) => a.action)).toEqual(
      expect.arrayContaining([
        'tax_return.sent_back',
        'tax_return.approved',
        'tax_return.efile_authorized',
        'tax_return.filed',
      ]),
    );
  });

  it('escalates as the deadline nears, re-plans after an extension, pauses reminders while waiting on a K-1, and goes back to preparation when the client asks for changes', async () => {
    const client = await newClient();
    await withWorkers(async (run) => {
      const input = returnInput(run, client, {
        dueDates: {
          original: new Date(Date.now() + 30_000).toISOString(),
          extended: new Date(Date.now() + 3_600_000).toISOString(),
        },
        timing: {
          approvalReminders: {
            firstAfterSeconds: 1,
            maxReminders: 2,
            escalateAfterSeconds: 1,
            backoffCoefficient: 1,
            maxIntervalSeconds: 1,
          },
          // The first escalation falls due 4 s after the start, the second 10 s after.
          escalationLeadSeconds: [26, 20],
          intakeReminders: { firstAfterSeconds: 3600, maxReminders: 1, escalateAfterSeconds: 3600 },
        },
      });
      const handle = await start(run, input);
      const escalated = await waitFor(statusOf(handle), (s) => s.escalations.length === 1, 20_000);
      expect(escalated.stage).toBe('intake');
      const escalation = await forTenant(orm, firm.id).findOneOrFail(
        Task,
        { id: escalated.escalations[0]!.taskId },
        { populate: ['assignee'] },
      );
      expect(escalation.title).toMatch(/The 2026 return is due in 1 day\(s\) and not filed/);
      expect(escalation.assignee?.id).toBe(manager.id);

      await handle.executeUpdate(recordExtensionUpdate, { args: [{ byUserId: manager.id }] });
      expect(
        await rejection(handle.executeUpdate(recordExtensionUpdate, { args: [{ byUserId: manager.id }] })),
      ).toBe('An extension is already recorded.');
      const extended = await handle.query(getTaxReturnStatusQuery);
      expect(extended.dueDates).toMatchObject({ extensionFiled: true, current: input.dueDates.extended });
      expect(extended.nextDeadline?.label).toMatch(/Escalation|Extended filing deadline/);
      // The second escalation of the original deadline was due at 10 s: re-planned away.
      await new Promise((resolve) => setTimeout(resolve, 8_000));
      expect((await handle.query(getTaxReturnStatusQuery)).escalations).toHaveLength(1);
      const row = await forTenant(orm, firm.id).findOneOrFail(Engagement, { id: extended.engagementId });
      expect(row.extendedDueAt?.toISOString()).toBe(input.dueDates.extended);

      await handle.executeUpdate(setWaitingOnK1Update, {
        args: [{ byUserId: preparer.id, waiting: true, note: 'Harbor Partners LP' }],
      });
      await finishIntake(extended.engagementId);
      await waitForStage(handle, 'preparation');
      await handle.executeUpdate(submitForReviewUpdate, { args: [{ byUserId: preparer.id, summary }] });
      await waitForStage(handle, 'review');
      await handle.executeUpdate(approveReturnUpdate, { args: [{ byUserId: reviewer.id }] });
      const paused = await waitFor(
        statusOf(handle),
        (s) => s.stage === 'client_approval' && s.reminders.notSentReason === 'paused while waiting on a K-1',
      );
      expect(paused.reminders.nextAt).toBeNull();
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      expect((await handle.query(getTaxReturnStatusQuery)).reminders.sent).toBe(0);

      await handle.executeUpdate(setWaitingOnK1Update, { args: [{ byUserId: preparer.id, waiting: false }] });
      const followedUp = await waitFor(statusOf(handle), (s) => s.reminders.escalated, 20_000);
      expect(followedUp.reminders.sent).toBe(2);
      expect(
        followedUp.openTasks.some((t) => t.title.startsWith('Follow up: the client has not approved')),
      ).toBe(true);
      const emails = await listEmails(client.email);
      expect(
        emails.filter((e) => e.subject === 'Please review and approve: Your 2026 tax return'),
      ).toHaveLength(3);

      await requestTaxReturnChanges(forTenant(orm, firm.id), {
        organizationId: firm.id,
        engagementId: followedUp.engagementId,
        round: 1,
        contactId: client.contactId,
        message: 'My daughter moved out in June; she is no longer a dependent.',
        actor: { type: 'contact', id: client.contactId },
      });
      await handle.signal(clientChangesRequestedSignal, {
        contactId: client.contactId,
        round: 1,
        message: 'My daughter moved out in June; she is no longer a dependent.',
        at: new Date().toISOString(),
      });
      const back = await waitForStage(handle, 'preparation');
      expect(back.approval.changesRequested?.message).toContain('no longer a dependent');
      expect(back.openTasks.some((t) => t.title.startsWith('Follow up'))).toBe(false);
      await recordHistory(handle.workflowId, 'escalation-extension-k1-client-changes');
      await handle.executeUpdate(cancelEngagementUpdate, {
        args: [{ reason: 'Client moved to another firm', byUserId: manager.id, notifyClient: false }],
      });
      await handle.result();
    });
  });

  it('holds the intake’s document reminders while the return waits on a K-1, and resumes them when the K-1 arrives', async () => {
    const client = await newClient();
    const reason = 'paused while waiting on a K-1';
    await withWorkers(async (run) => {
      const input = returnInput(run, client, {
        timing: {
          approvalReminders: {
            firstAfterSeconds: 3600,
            maxReminders: 1,
            escalateAfterSeconds: 3600,
            backoffCoefficient: 1,
            maxIntervalSeconds: 3600,
          },
          escalationLeadSeconds: [3 * 86_400],
          intakeReminders: {
            firstAfterSeconds: 3,
            maxReminders: 3,
            escalateAfterSeconds: 3600,
            backoffCoefficient: 1,
            maxIntervalSeconds: 3,
          },
        },
      });
      const handle = await start(run, input);
      const opened = await waitForStage(handle, 'intake');
      const intake = temporal.client.workflow.getHandle(documentIntakeWorkflowId(opened.engagementId));
      const intakeStatus = () =>
        intake.query(getIntakeStatusQuery).catch((error: unknown) => {
          if (error instanceof WorkflowNotFoundError) return null;
          throw error;
        });
      await waitFor(intakeStatus, (s) => s?.stage === 'collecting');

      await handle.executeUpdate(setWaitingOnK1Update, {
        args: [{ byUserId: preparer.id, waiting: true, note: 'Harbor Partners LP' }],
      });
      const held = await waitFor(intakeStatus, (s) => s?.reminders.notSentReason === reason);
      expect(held?.reminders.nextAt).toBeNull();
      const sentBefore = held?.reminders.sent ?? -1;
      await new Promise((resolve) => setTimeout(resolve, 4_500));
      expect((await intake.query(getIntakeStatusQuery)).reminders).toMatchObject({
        sent: sentBefore,
        notSentReason: reason,
        nextAt: null,
      });

      await handle.executeUpdate(setWaitingOnK1Update, { args: [{ byUserId: preparer.id, waiting: false }] });
      const resumed = await waitFor(intakeStatus, (s) => (s?.reminders.sent ?? 0) > sentBefore, 20_000);
      expect(resumed?.reminders.notSentReason).toBeNull();
      expect((await handle.query(getTaxReturnStatusQuery)).stage).toBe('intake');
      await recordHistory(handle.workflowId, 'k1-wait-pauses-intake-reminders');
      await handle.executeUpdate(cancelEngagementUpdate, {
        args: [{ reason: 'Client moved to another firm', byUserId: manager.id, notifyClient: false }],
      });
      await handle.result();
    });
    const reminders = (await listEmails(client.email)).filter((e) =>
      /reminder: Tax Test Firm is still waiting for documents/i.test(e.subject),
    );
    expect(reminders.length).toBeGreaterThanOrEqual(1);
  });

  it('continues as new at a quiet stage when its history grows, carrying reviews, tasks and deadlines', async () => {
    const client = await newClient();
    await withWorkers(async (run) => {
      const handle = await start(run, returnInput(run, client, { fee: null, maxHistoryEvents: 50 }));
      const opened = await waitForStage(handle, 'intake');
      await finishIntake(opened.engagementId);
      await waitForStage(handle, 'preparation');
      await handle.executeUpdate(submitForReviewUpdate, { args: [{ byUserId: preparer.id, summary }] });
      await waitForStage(handle, 'review');
      await handle.executeUpdate(sendBackUpdate, {
        args: [{ byUserId: reviewer.id, reason: 'Missing the charitable contribution receipts.' }],
      });
      await waitForStage(handle, 'preparation');
      await handle.executeUpdate(submitForReviewUpdate, { args: [{ byUserId: preparer.id, summary }] });
      const reviewing = await waitForStage(handle, 'review');
      expect(reviewing.reviews.map((r) => r.outcome)).toEqual(['sent_back', 'pending']);
      expect(reviewing.nextDeadline?.label).toMatch(/Escalation|Filing deadline/);
      expect(reviewing.openTasks).toEqual([expect.objectContaining({ assigneeRole: 'reviewer' })]);
      await handle.executeUpdate(approveReturnUpdate, { args: [{ byUserId: reviewer.id }] });
      await waitForStage(handle, 'client_approval');
      await signApproval(opened.engagementId, client, 1, handle);
      await waitForStage(handle, 'filing');
      await handle.executeUpdate(recordFilingUpdate, {
        args: [{ byUserId: preparer.id, confirmationNumber: '65432120271059xyz876' }],
      });
      expect(await handle.result()).toEqual({
        outcome: 'filed',
        confirmationNumber: '65432120271059xyz876',
        reviewRounds: 2,
      });
      const firstRun = await temporal.client.workflow
        .getHandle(handle.workflowId, handle.firstExecutionRunId)
        .describe();
      expect(firstRun.status.name).toBe('CONTINUED_AS_NEW');
      const em = forSystem(orm, 'test assertions');
      expect(await em.findOneOrFail(Engagement, { id: opened.engagementId })).toMatchObject({
        status: 'completed',
      });
      expect(await em.count(Task, { engagement: opened.engagementId, status: 'open' })).toBe(0);
      // One timeline, keyed by the first run: no event lost or written twice across runs.
      const events = await em.find(EngagementEvent, { engagement: opened.engagementId });
      expect(new Set(events.map((e) => e.key)).size).toBe(events.length);
      expect(events.filter((e) => e.kind === 'filed')).toHaveLength(1);
    });
  });

  it('voids the open invoice exactly once when cancelled, even when the void is retried, and tells the client', async () => {
    const client = await newClient();
    let issueCalls = 0;
    let voidCalls = 0;
    const { run, engagementId, result } = await withWorkers(
      async (current) => {
        const handle = await start(current, returnInput(current, client));
        const opened = await waitForStage(handle, 'intake');
        await finishIntake(opened.engagementId);
        await waitForStage(handle, 'preparation');
        await handle.executeUpdate(submitForReviewUpdate, { args: [{ byUserId: preparer.id, summary }] });
        await waitForStage(handle, 'review');
        await handle.executeUpdate(approveReturnUpdate, { args: [{ byUserId: reviewer.id }] });
        await waitForStage(handle, 'client_approval');
        await signApproval(opened.engagementId, client, 1, handle);
        await waitFor(statusOf(handle), (s) => s.billing.state === 'invoiced');

        expect(
          await rejection(
            handle.executeUpdate(waivePaymentUpdate, { args: [{ byUserId: manager.id, reason: 'promo' }] }),
          ),
        ).toBe('Say in a sentence why the fee is waived (at least 10 characters)');
        expect(
          await rejection(
            handle.executeUpdate(cancelEngagementUpdate, { args: [{ reason: 'x', byUserId: manager.id }] }),
          ),
        ).toBe('Say in a few words why the engagement is cancelled');
        const cancelled = await handle.executeUpdate(cancelEngagementUpdate, {
          args: [{ reason: 'The client decided to file himself', byUserId: manager.id, notifyClient: true }],
        });
        expect(cancelled.compensations).toEqual([
          { name: 'void the invoice', ok: true },
          { name: 'cancel open tasks', ok: true },
          { name: 'tell the client', ok: true },
        ]);
        return { run: current, engagementId: opened.engagementId, result: await handle.result() };
      },
      {
        billing: (billing) => ({
          ...billing,
          async issueInvoice(input) {
            issueCalls += 1;
            const issued = await billing.issueInvoice(input);
            // A crash after the invoice was created and sent, before Temporal heard back.
            if (Context.current().info.attempt === 1) throw new Error('simulated worker crash after issuing');
            return issued;
          },
          async voidInvoice(input) {
            voidCalls += 1;
            const voided = await billing.voidInvoice(input);
            if (Context.current().info.attempt === 1) throw new Error('simulated worker crash after voiding');
            return voided;
          },
        }),
      },
    );

    expect(result).toMatchObject({ outcome: 'cancelled' });
    expect(issueCalls).toBe(2);
    expect(voidCalls).toBe(2);
    expect(run.issued).toHaveLength(1);
    // The retried void found our invoice already void and did not ask the provider again.
    expect(run.voids).toHaveLength(1);
    const em = forSystem(orm, 'test assertions');
    expect(await em.count(Invoice, { engagement: engagementId })).toBe(1);
    expect((await em.findOneOrFail(Invoice, { engagement: engagementId })).status).toBe('void');
    expect(await em.findOneOrFail(Engagement, { id: engagementId })).toMatchObject({
      status: 'cancelled',
      stage: 'cancelled',
    });
    expect(await em.count(Task, { engagement: engagementId, status: 'open' })).toBe(0);
    const emails = await waitFor(
      () => listEmails(client.email),
      (list) => list.some((e) => e.subject === 'Tax Test Firm has stopped work on Your 2026 tax return'),
    );
    // One approval request, one cancellation: the retried invoice activity sent nothing twice.
    expect(emails.map((e) => e.subject).sort()).toEqual(
      expect.arrayContaining([
        'Please review and approve: Your 2026 tax return',
        'Tax Test Firm has stopped work on Your 2026 tax return',
      ]),
    );
    expect(
      emails.filter((e) => e.subject === 'Tax Test Firm has stopped work on Your 2026 tax return'),
    ).toHaveLength(1);
  });
});
