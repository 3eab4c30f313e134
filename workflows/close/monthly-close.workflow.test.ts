/**
 * The monthly close on the real Temporal dev server, against the repo's local QuickBooks sandbox
 * (over HTTP, through the ledger adapter and a stored, encrypted connection), Postgres, Azurite and
 * the SMTP capture.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Context } from '@temporalio/activity';
import type { Client, WorkflowHandle, WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { Worker, type NativeConnection } from '@temporalio/worker';
import { Redis } from 'ioredis';
import { z } from 'zod';
import { accountAmount, createCloseLedgerActivities } from '../../activities/close/close-ledger.activities';
import { createCloseActivities } from '../../activities/close/close.activities';
import { createDocumentIntakeActivities } from '../../activities/documents/document-intake.activities';
import { createEngagementActivities } from '../../activities/engagements/engagement.activities';
import {
  createLedgerActivities,
  createLedgerCompanyResolver,
} from '../../activities/ledger/ledger.activities';
import { Client as ClientEntity } from '../../db/clients/client.entity';
import { Contact } from '../../db/clients/contact.entity';
import { CloseQuestion } from '../../db/close/close-question.entity';
import { CloseReconciliation } from '../../db/close/close-reconciliation.entity';
import { DocumentRequest } from '../../db/documents/document-request.entity';
import { Document } from '../../db/documents/document.entity';
import { Engagement } from '../../db/engagements/engagement.entity';
import { connectLedgerCompany } from '../../db/integrations/connect-ledger-company';
import { createOrm, type Orm } from '../../db/orm';
import type { IOrganization } from '../../db/organizations/organization.entity';
import { createFirm, createStaffMember } from '../../db/seed/factories';
import { Task } from '../../db/tasks/task.entity';
import { forSystem, forTenant } from '../../db/tenancy/tenant-context';
import type { IUser } from '../../db/users/user.entity';
import { startQuickbooksSandbox, type QuickbooksSandbox } from '../../infra/local/quickbooks-sandbox/server';
import { createSmtpMailer, type Mailer } from '../../integrations/email/mailer';
import { createLedger } from '../../integrations/ledger/create-ledger';
import type { Ledger, TPurchase } from '../../integrations/ledger/ledger';
import { ledgerConfigFromEnv, ledgerEnvFields } from '../../integrations/ledger/ledger-env';
import { requestIdFor } from '../../integrations/ledger/quickbooks/request-id';
import { createLiveUpdatesPublisher } from '../../integrations/live-updates/live-updates';
import { createBlobStorage, type BlobStorage } from '../../integrations/storage/blob-storage';
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
import { cancelEngagementUpdate, updateRejectionMessage } from '../shared/engagement.contracts';
import { ledgerChangedSignal } from '../shared/ledger.contracts';
import { periodBounds, previousPeriod } from './close-period';
import {
  acceptDifferenceUpdate,
  closeAnswersSubmittedSignal,
  closeWorkflowId,
  enterStatementBalanceUpdate,
  getMonthlyCloseStatusQuery,
  recordAdjustmentUpdate,
  type TMonthlyCloseInputIn,
  type TMonthlyCloseStatus,
} from './monthly-close.contracts';
import type { monthlyCloseWorkflow } from './monthly-close.workflow';

const app = {
  clientId: 'close-test-app',
  clientSecret: 'close-test-secret',
  redirectUris: ['http://127.0.0.1:3999/oauth/quickbooks/callback'],
};

let databaseUrl: string;
let orm: Orm;
let redis: Redis;
let mailer: Mailer;
let storage: BlobStorage;
let sandbox: QuickbooksSandbox;
let ledger: Ledger;
let connection: NativeConnection;
let temporal: { client: Client; close: () => Promise<void> };
let firm: IOrganization;
let bookkeeper: IUser;

/** The month the sandbox's books hold complete (the seed writes up to "now"). */
const period = previousPeriod(new Date());
const { endDate } = periodBounds(period);

beforeAll(async () => {
  databaseUrl = await createTestDatabase();
  orm = await createOrm({ databaseUrl, poolMax: 6 });
  const em = forSystem(orm, 'test setup');
  firm = await createFirm(em, { name: 'Close Test Firm' });
  bookkeeper = await createStaffMember(em, firm, { role: 'manager' });
  redis = new Redis(process.env.REDIS_URL ?? '');
  mailer = createSmtpMailer({
    smtpUrl: process.env.SMTP_URL ?? '',
    from: 'Close Test Firm <firm@example.test>',
  });
  storage = createBlobStorage({
    connectionString: process.env.AZURE_STORAGE_CONNECTION_STRING ?? '',
    containerName: process.env.BLOB_CONTAINER ?? 'documents',
  });
  sandbox = await startQuickbooksSandbox({ apps: [app], realms: [] });
  const env = z.object(ledgerEnvFields('test')).parse({
    LEDGER_PROVIDER: 'local',
    QUICKBOOKS_SANDBOX_URL: sandbox.url,
    INTUIT_CLIENT_ID: app.clientId,
    INTUIT_CLIENT_SECRET: app.clientSecret,
    INTUIT_WEBHOOK_VERIFIER_TOKEN: 'close-test-verifier',
  });
  const config = ledgerConfigFromEnv(env, 'http://127.0.0.1:3999');
  if (!config) throw new Error('no ledger configuration');
  ledger = createLedger(config);
  connection = await connectWorker();
  temporal = await connectClient();
  await workflowBundle();
});

afterAll(async () => {
  await temporal?.close();
  await connection?.close();
  await sandbox?.stop();
  mailer?.close();
  redis?.disconnect();
  await orm?.close(true);
  if (databaseUrl) await dropTestDatabase(databaseUrl);
});

interface TBooks {
  clientId: string;
  email: string;
  realmId: string;
  checkingId: string;
}

/** A business client with a portal contact, connected to its own sandbox company (OAuth, as in the app). */
async function newConnectedClient(): Promise<TBooks> {
  const em = forTenant(orm, firm.id);
  const suffix = randomUUID().slice(0, 8);
  const client = em.create(ClientEntity, {
    organization: firm.id,
    kind: 'business',
    status: 'active',
    displayName: `Harbor Bakery ${suffix}`,
  });
  const contact = em.create(Contact, {
    organization: firm.id,
    client,
    name: 'Morgan Bell',
    email: `morgan-${suffix}@example.test`,
    portalAccess: true,
  });
  await em.flush();
  const realm = sandbox.createRealm({ companyName: `Harbor Bakery ${suffix}`, months: 3 });
  const authorizeUrl = new URL(ledger.authorizationUrl('state-close-test'));
  const approved = await fetch(`${sandbox.url}/connect/oauth2`, {
    method: 'POST',
    redirect: 'manual',
    body: new URLSearchParams({
      ...Object.fromEntries(authorizeUrl.searchParams),
      realmId: realm.id,
      decision: 'approve',
    }),
  });
  const grant = await ledger.exchangeCode(approved.headers.get('location') ?? '');
  await connectLedgerCompany(em, {
    organizationId: firm.id,
    clientId: client.id,
    provider: 'quickbooks',
    realmId: grant.realmId,
    companyName: realm.companyName,
    tokens: grant,
    actor: { type: 'user', id: bookkeeper.id },
  });
  const checking = sandbox.entities(realm.id, 'Account').find((a) => a.Name === 'Checking');
  return { clientId: client.id, email: contact.email, realmId: realm.id, checkingId: String(checking?.Id) };
}

type TCloseLedger = ReturnType<typeof createCloseLedgerActivities>;

async function withWorkers<T>(
  body: (taskQueue: string) => Promise<T>,
  decorate?: (a: TCloseLedger) => TCloseLedger,
) {
  const taskQueue = `close-test-${randomUUID()}`;
  const deps = {
    orm,
    mailer,
    liveUpdates: createLiveUpdatesPublisher(redis),
    publicUrl: 'http://localhost:3000',
  };
  const engagements = await Worker.create({
    connection,
    namespace: namespace(),
    dataConverter: dataConverter(),
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: {
      ...createEngagementActivities(deps),
      ...createDocumentIntakeActivities(deps),
      ...createCloseActivities({ orm, temporal: temporal.client }),
    },
  });
  const closeLedger = createCloseLedgerActivities({ ledger, orm, storage });
  const integrations = await Worker.create({
    connection,
    namespace: namespace(),
    dataConverter: dataConverter(),
    taskQueue: `${taskQueue}-integrations`,
    activities: {
      ...createLedgerActivities({ ledger, orm }),
      ...(decorate ? decorate(closeLedger) : closeLedger),
    },
  });
  return engagements.runUntil(integrations.runUntil(body(taskQueue)));
}

function closeInput(
  taskQueue: string,
  books: TBooks,
  overrides: Partial<TMonthlyCloseInputIn> = {},
): TMonthlyCloseInputIn {
  return {
    organizationId: firm.id,
    clientId: books.clientId,
    engagementId: randomUUID(),
    period,
    bankAccounts: [{ ledgerAccountId: books.checkingId, name: 'Checking' }],
    assigneeUserId: bookkeeper.id,
    startedByUserId: bookkeeper.id,
    timing: {
      clientReminders: { firstAfterSeconds: 3600, maxReminders: 1, escalateAfterSeconds: 3600 },
    },
    integrationsTaskQueue: `${taskQueue}-integrations`,
    ...overrides,
  };
}

async function start(
  taskQueue: string,
  input: TMonthlyCloseInputIn,
): Promise<WorkflowHandleWithFirstExecutionRunId<typeof monthlyCloseWorkflow>> {
  return temporal.client.workflow.start<typeof monthlyCloseWorkflow>('monthlyCloseWorkflow', {
    taskQueue,
    workflowId: closeWorkflowId(input.clientId, input.period),
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

const statusOf = (handle: WorkflowHandle) => (): Promise<TMonthlyCloseStatus> =>
  handle.query(getMonthlyCloseStatusQuery);

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

async function checkingBalanceAtPeriodEnd(books: TBooks): Promise<number> {
  const company = await createLedgerCompanyResolver({ ledger, orm })({
    organizationId: firm.id,
    clientId: books.clientId,
  });
  const report = await company.report('BalanceSheet', { startDate: periodBounds(period).startDate, endDate });
  const amount = accountAmount(report.rows, books.checkingId);
  if (amount === null) throw new Error('no Checking balance in the balance sheet');
  return amount;
}

function ledgerChanged(books: TBooks, entity: string, entityId: string) {
  return {
    eventId: randomUUID(),
    clientId: books.clientId,
    realmId: books.realmId,
    entity,
    entityId,
    operation: 'Update' as const,
    occurredAt: new Date().toISOString(),
    period,
  };
}

async function recordHistory(workflowId: string, name: string, runId?: string): Promise<void> {
  if (process.env.CPA_RECORD_HISTORIES !== '1') return;
  const history = await decodedHistoryJSON(temporal.client, workflowId, runId);
  const dir = new URL('../../tests/histories/monthly-close/', import.meta.url);
  await mkdir(dir, { recursive: true });
  await writeFile(new URL(`${name}.json`, dir), history);
}

describe('monthly close workflow', () => {
  it('asks about uncategorized transactions, writes each answer back once, reconciles after a fix in QuickBooks, and emails the report', async () => {
    const books = await newConnectedClient();
    const ledgerActivities = createLedgerActivities({ ledger, orm });
    let retriedWriteBack: string | null = null;
    const { engagementId, result } = await withWorkers(
      async (taskQueue) => {
        // A low history limit: the close continues as new while it waits in reconciliation.
        const handle = await start(taskQueue, closeInput(taskQueue, books, { maxHistoryEvents: 100 }));
        const asked = await waitFor(
          statusOf(handle),
          (s) => s.stage === 'collecting' && s.questions.total > 0 && s.waitingFor !== null,
        );
        expect(asked.questions.open).toBe(asked.questions.total);
        expect(asked.waitingFor?.from).toBe('client');
        expect(asked.waitingFor?.what).toContain('question(s)');
        const em = forTenant(orm, firm.id);
        const questions = await em.find(
          CloseQuestion,
          { engagement: asked.engagementId },
          { orderBy: { txnDate: 'asc', id: 'asc' } },
        );
        expect(questions.length).toBe(asked.questions.total);
        expect(questions.every((q) => q.options.length > 0)).toBe(true);
        const emails = await waitFor(
          () => listEmails(books.email),
          (list) => list.some((e) => e.subject.includes('books')),
        );
        expect(emails.find((e) => e.subject.includes('books'))?.text).toContain(
          `/portal/close/${asked.engagementId}/questions`,
        );

        // The client answers: one "not sure", the others a category each.
        const [unsure, ...known] = questions;
        await handle.signal(closeAnswersSubmittedSignal, {
          contactId: (await em.findOneOrFail(Contact, { email: books.email })).id,
          answers: [
            { questionId: unsure!.id, accountId: null, note: 'Not sure: maybe the hardware store?' },
            ...known.map((q) => ({ questionId: q.id, accountId: q.options[0]!.accountId, note: '' })),
          ],
          submittedAt: new Date().toISOString(),
        });
        const answered = await waitFor(
          statusOf(handle),
          (s) =>
            s.questions.writtenBack === known.length &&
            s.openTasks.some((t) => t.title.startsWith('Categorize')),
        );
        expect(answered.questions).toMatchObject({ needsStaff: 1, open: 0, answered: 0 });
        for (const q of known) {
          const txn = sandbox.entity(
            books.realmId,
            q.txnEntity as 'Purchase' | 'Deposit',
            q.txnId,
          ) as TPurchase;
          const line = txn.Line.find((l) => (l.Id ?? '') === q.lineId) as Record<
            string,
            { AccountRef?: { value: string } }
          >;
          const detail = line.AccountBasedExpenseLineDetail ?? line.DepositLineDetail;
          expect(detail?.AccountRef?.value).toBe(q.options[0]!.accountId);
        }
        // The write-back whose worker died after QuickBooks took it was retried without a second write:
        // one write (requestid per answer and version), and the entity saved once (SyncToken 0 → 1).
        expect(retriedWriteBack).not.toBeNull();
        const retried = await forTenant(orm, firm.id).findOneOrFail(CloseQuestion, { id: retriedWriteBack! });
        expect(retried.status).toBe('written_back');
        expect(sandbox.entity(books.realmId, retried.txnEntity as 'Purchase', retried.txnId)?.SyncToken).toBe(
          '1',
        );
        const requestId = requestIdFor(`categorize:${retried.txnId}:${retried.id}@0`);
        const writes = sandbox
          .stats()
          .requests.filter(
            (r) =>
              r.method === 'POST' && r.path.toLowerCase().includes(`/${retried.txnEntity.toLowerCase()}`),
          );
        expect(writes.filter((r) => r.realmId === books.realmId && r.requestId === requestId)).toHaveLength(
          1,
        );

        // Staff categorize the unsure one in QuickBooks; the webhook wakes the close.
        const txn = sandbox.entity(books.realmId, 'Purchase', unsure!.txnId) as TPurchase;
        const office = unsure!.options.find((o) => o.name === 'Office Supplies')!;
        sandbox.editEntity(books.realmId, 'Purchase', unsure!.txnId, {
          Line: txn.Line.map((l) =>
            l.Id === unsure!.lineId
              ? {
                  ...l,
                  AccountBasedExpenseLineDetail: {
                    ...l.AccountBasedExpenseLineDetail,
                    AccountRef: { value: office.accountId },
                  },
                }
              : l,
          ),
        });
        await handle.signal(ledgerChangedSignal, ledgerChanged(books, 'Purchase', unsure!.txnId));
        const settled = await waitFor(
          statusOf(handle),
          (s) =>
            s.questions.resolvedInLedger === 1 && !s.openTasks.some((t) => t.title.startsWith('Categorize')),
        );
        expect(settled.questions.needsStaff).toBe(0);

        // Staff enter the statement: $12.00 less than the books (a bank fee nobody recorded).
        const books$ = await checkingBalanceAtPeriodEnd(books);
        expect(
          await rejection(
            handle.executeUpdate(enterStatementBalanceUpdate, {
              args: [
                {
                  byUserId: bookkeeper.id,
                  ledgerAccountId: 'no-such-account',
                  endingBalanceMinor: 1,
                  statementDate: endDate,
                },
              ],
            }),
          ),
        ).toBe('That account is not one this close reconciles.');
        expect(
          await rejection(
            handle.executeUpdate(enterStatementBalanceUpdate, {
              args: [
                {
                  byUserId: bookkeeper.id,
                  ledgerAccountId: books.checkingId,
                  endingBalanceMinor: 1,
                  statementDate: '2001-01-31',
                },
              ],
            }),
          ),
        ).toMatch(/^Enter a statement date in /);
        expect(
          await rejection(
            handle.executeUpdate(acceptDifferenceUpdate, {
              args: [
                {
                  byUserId: bookkeeper.id,
                  ledgerAccountId: books.checkingId,
                  note: 'Deposit in transit from the 31st',
                },
              ],
            }),
          ),
        ).toBe('That account has no open difference.');
        await handle.executeUpdate(enterStatementBalanceUpdate, {
          args: [
            {
              byUserId: bookkeeper.id,
              ledgerAccountId: books.checkingId,
              endingBalanceMinor: books$ - 1_200,
              statementDate: endDate,
            },
          ],
        });
        const discrepancy = await waitFor(statusOf(handle), (s) => s.stage === 'resolving');
        expect(discrepancy.reconciliations).toEqual([
          expect.objectContaining({
            status: 'discrepancy',
            differenceMinor: -1_200,
            ledgerBalanceMinor: books$,
          }),
        ]);
        expect(discrepancy.openTasks.some((t) => t.title.startsWith('Reconcile Checking'))).toBe(true);

        // The statement intake ends with the entered balance; past 100 events, the close continues as
        // new while the difference is still open. Waited for before anyone fixes the books, so neither
        // a slow intake nor a quick fix can settle the difference first.
        await waitFor(
          () => temporal.client.workflow.getHandle(handle.workflowId, handle.firstExecutionRunId).describe(),
          (d) => d.status.name === 'CONTINUED_AS_NEW',
          60_000,
        );

        // The bookkeeper records the fee in QuickBooks and notes the adjustment; the close re-checks.
        const company = await createLedgerCompanyResolver({ ledger, orm })({
          organizationId: firm.id,
          clientId: books.clientId,
        });
        const bankCharges = sandbox
          .entities(books.realmId, 'Account')
          .find((a) => a.Name === 'Bank Charges')!;
        const fee = await company.create('Purchase', {
          requestKey: `test-fee:${books.realmId}`,
          body: {
            TxnDate: endDate,
            PaymentType: 'Check',
            AccountRef: { value: books.checkingId },
            Line: [
              {
                Amount: 12,
                DetailType: 'AccountBasedExpenseLineDetail',
                AccountBasedExpenseLineDetail: { AccountRef: { value: String(bankCharges.Id) } },
              },
            ],
          },
        });
        await handle.executeUpdate(recordAdjustmentUpdate, {
          args: [
            {
              byUserId: bookkeeper.id,
              description: 'Monthly service fee missing from the books',
              amountMinor: -1_200,
              ledgerAccountId: books.checkingId,
              requestId: randomUUID(),
            },
          ],
        });
        await handle.signal(ledgerChangedSignal, ledgerChanged(books, 'Purchase', fee.Id));
        const outcome = await handle.result();
        const firstRun = await temporal.client.workflow
          .getHandle(handle.workflowId, handle.firstExecutionRunId)
          .describe();
        expect(firstRun.status.name).toBe('CONTINUED_AS_NEW');
        await recordHistory(handle.workflowId, 'questions-writeback-reconcile', handle.firstExecutionRunId);
        await recordHistory(handle.workflowId, 'continued-reconcile-report');
        return { engagementId: asked.engagementId, result: outcome };
      },
      (activities) => ({
        ...activities,
        async writeBackCloseAnswer(input) {
          const question = await forTenant(orm, firm.id).findOneOrFail(CloseQuestion, {
            id: input.questionId,
          });
          if (retriedWriteBack === null && Context.current().info.attempt === 1) {
            // QuickBooks takes the write, then the worker dies before recording it.
            retriedWriteBack = question.id;
            await ledgerActivities.categorizeTransaction({
              organizationId: input.organizationId,
              clientId: input.clientId,
              entity: question.txnEntity as 'Purchase' | 'Deposit',
              transactionId: question.txnId,
              lineId: question.lineId,
              accountId: question.answerAccountId!,
              answerId: question.id,
            });
            throw new Error('simulated worker crash after writing to QuickBooks');
          }
          return activities.writeBackCloseAnswer(input);
        },
      }),
    );

    expect(result).toMatchObject({ outcome: 'closed', period });
    const em = forSystem(orm, 'test assertions');
    expect(await em.findOneOrFail(Engagement, { id: engagementId })).toMatchObject({
      status: 'completed',
      period,
      type: 'monthly_close',
    });
    expect(await em.findOneOrFail(CloseReconciliation, { engagement: engagementId })).toMatchObject({
      status: 'matched',
      differenceMinor: 0,
    });
    expect(await em.count(Task, { engagement: engagementId, status: 'open' })).toBe(0);
    const report = await em.findOneOrFail(Document, { id: result.reportDocumentId! });
    expect(report).toMatchObject({ category: 'close_report', mediaType: 'application/pdf' });
    const bytes = await storage.container.getBlockBlobClient(report.blobKey).downloadToBuffer();
    expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(bytes.byteLength).toBe(report.sizeBytes);
    const emails = await waitFor(
      () => listEmails(books.email),
      (list) => list.some((e) => e.subject.includes('close report')),
    );
    const reportEmail = emails.find((e) => e.subject.includes('close report'));
    expect(reportEmail?.text).toContain(`/portal/documents/${report.id}`);
    // The statement request of the intake child was waived when staff entered the balance.
    expect((await em.find(DocumentRequest, { engagement: engagementId })).map((r) => r.status)).toEqual([
      'waived',
    ]);
  });

  it('reminds the client, escalates to staff, and on cancel withdraws the questions and statement request and tells the client', async () => {
    const books = await newConnectedClient();
    await withWorkers(async (taskQueue) => {
      const handle = await start(
        taskQueue,
        closeInput(taskQueue, books, {
          timing: {
            clientReminders: {
              firstAfterSeconds: 1,
              maxReminders: 2,
              escalateAfterSeconds: 1,
              backoffCoefficient: 1,
              maxIntervalSeconds: 1,
            },
          },
        }),
      );
      const escalated = await waitFor(statusOf(handle), (s) => s.reminders.escalated, 30_000);
      expect(escalated.reminders.sent).toBe(2);
      expect(
        escalated.openTasks.some((t) => t.title.startsWith('Follow up: the client has not answered')),
      ).toBe(true);
      const cancelled = await handle.executeUpdate(cancelEngagementUpdate, {
        args: [
          {
            reason: 'The client stopped the bookkeeping service',
            byUserId: bookkeeper.id,
            notifyClient: true,
          },
        ],
      });
      expect(cancelled.compensations).toEqual([
        { name: 'withdraw portal questions', ok: true },
        { name: 'cancel open tasks', ok: true },
        { name: 'tell the client', ok: true },
      ]);
      expect(await handle.result()).toMatchObject({ outcome: 'cancelled' });
      await recordHistory(handle.workflowId, 'reminders-escalation-cancel');
      const em = forSystem(orm, 'test assertions');
      const questions = await em.find(CloseQuestion, { engagement: escalated.engagementId });
      expect(questions.every((q) => q.status === 'withdrawn')).toBe(true);
      expect(await em.count(Task, { engagement: escalated.engagementId, status: 'open' })).toBe(0);
      expect(await em.findOneOrFail(Engagement, { id: escalated.engagementId })).toMatchObject({
        status: 'cancelled',
      });
      await waitFor(
        () => em.fork().find(DocumentRequest, { engagement: escalated.engagementId }),
        (requests) => requests.every((r) => r.status === 'withdrawn'),
      );
      const emails = await waitFor(
        () => listEmails(books.email),
        (list) => list.some((e) => e.subject.startsWith('Close Test Firm has stopped work on')),
      );
      // The question request, two reminders, the statement request, and the cancellation.
      expect(emails.filter((e) => e.subject.includes('books'))).toHaveLength(3);
      expect(emails.filter((e) => e.subject.startsWith('Close Test Firm has stopped work on'))).toHaveLength(
        1,
      );
    });
  });
});
