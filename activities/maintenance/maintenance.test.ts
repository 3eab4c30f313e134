/**
 * Platform maintenance against the real local stack: the workflow on a real Temporal dev server and
 * its jobs on a real database, Azurite, the QuickBooks sandbox and the SMTP capture. Each job does
 * its work and changes nothing when run again; a failing job leaves the others done; the schedule
 * is created once and updated on a second startup; the local payments adapter emails each invoice
 * once with a working /pay/ link.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@temporalio/client';
import { ScheduleOverlapPolicy } from '@temporalio/client';
import type { NativeConnection, Worker } from '@temporalio/worker';
import { systemActor } from '../../db/audit/actor';
import { Invoice } from '../../db/billing/invoice.entity';
import { sendInvoiceEmail } from '../../db/billing/send-invoice-email';
import { storeStripeEvent } from '../../db/billing/store-stripe-event';
import { createClient } from '../../db/clients/create-client';
import { DocumentUpload } from '../../db/documents/document-upload.entity';
import { startDocumentUpload } from '../../db/documents/start-document-upload';
import { startEngagementRecord } from '../../db/engagements/start-engagement-record';
import { connectLedgerCompany } from '../../db/integrations/connect-ledger-company';
import { IntegrationConnection } from '../../db/integrations/integration-connection.entity';
import { storeQuickbooksEvent } from '../../db/integrations/store-quickbooks-event';
import { recordQuickbooksEventOutcome } from '../../db/integrations/record-quickbooks-event-outcome';
import { Organization, defaultOrganizationSettings } from '../../db/organizations/organization.entity';
import { createOrm, type Orm } from '../../db/orm';
import { Task } from '../../db/tasks/task.entity';
import { forSystem, forTenant } from '../../db/tenancy/tenant-context';
import { WebhookEvent } from '../../db/webhooks/webhook-event.entity';
import { startQuickbooksSandbox, type QuickbooksSandbox } from '../../infra/local/quickbooks-sandbox/server';
import { createSmtpMailer, type Mailer } from '../../integrations/email/mailer';
import { createLedger } from '../../integrations/ledger/create-ledger';
import type { Ledger } from '../../integrations/ledger/ledger';
import { localSandboxApp } from '../../integrations/ledger/ledger-env';
import { RealmLimiter } from '../../integrations/ledger/quickbooks/realm-limiter';
import { withLocalInvoiceEmails } from '../../integrations/payments/local-invoice-email';
import {
  buildLocalInvoicePaidEvent,
  createLocalPayments,
  isLocalPaymentKey,
  localPaymentIds,
} from '../../integrations/payments/local-payments';
import type { Payments } from '../../integrations/payments/payments';
import { uploadBlobKey } from '../../integrations/storage/blob-keys';
import { createBlobStorage, type BlobStorage } from '../../integrations/storage/blob-storage';
import { SensitiveString } from '../../lib/crypto/sensitive-string';
import { createTestDatabase, dropTestDatabase } from '../../tests/support/databases';
import { listEmails, waitForEmails } from '../../tests/support/mailbox';
import {
  connectClient,
  connectWorker,
  dataConverter,
  decodedHistoryJSON,
  namespace,
  workflowBundle,
} from '../../tests/support/temporal';
import { createIntegrationsWorker } from '../../workers/create-integrations-worker';
import {
  platformMaintenanceWorkflowType,
  type TPlatformMaintenanceResult,
} from '../../workflows/maintenance/platform-maintenance.contracts';
import type { platformMaintenanceWorkflow } from '../../workflows/maintenance/platform-maintenance.workflow';
import { createBillingActivities } from '../billing/billing.activities';
import { maintenanceScheduleOptions, upsertMaintenanceSchedule } from './maintenance-schedule';

const webhookSecret = randomBytes(32).toString('hex');
const publicUrl = 'http://localhost:3997';
const storage = createBlobStorage({
  connectionString: process.env.AZURE_STORAGE_CONNECTION_STRING!,
  containerName: process.env.BLOB_CONTAINER!,
});

let url: string;
let orm: Orm;
let firmId: string;
let sandbox: QuickbooksSandbox;
let ledger: Ledger;
let mailer: Mailer;
let payments: Payments;
let connection: NativeConnection;
let temporal: { client: Client; close: () => Promise<void> };
let realmSeq = 0;
const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000);

beforeAll(async () => {
  url = await createTestDatabase('platform maintenance');
  orm = await createOrm({ databaseUrl: url, poolMax: 5 });
  const em = forSystem(orm, 'test setup: create the firm');
  const firm = em.create(Organization, {
    name: 'Upkeep & Partners',
    slug: 'upkeep-partners',
    settings: defaultOrganizationSettings,
  });
  await em.flush();
  firmId = firm.id;
  sandbox = await startQuickbooksSandbox({
    apps: [localSandboxApp],
    realms: [{ id: '9342999999999999', companyName: 'Unused' }],
  });
  ledger = createLedger(
    {
      mode: 'local',
      clientId: localSandboxApp.clientId,
      clientSecret: new SensitiveString(localSandboxApp.clientSecret),
      webhookVerifierToken: new SensitiveString(localSandboxApp.webhookVerifierToken),
      environment: 'sandbox',
      apiBaseUrl: sandbox.url,
      oauthEndpoints: {
        authorize: `${sandbox.url}/connect/oauth2`,
        token: `${sandbox.url}/oauth2/v1/tokens/bearer`,
        revoke: `${sandbox.url}/v2/oauth2/tokens/revoke`,
      },
      redirectUri: 'http://127.0.0.1:3997/oauth/quickbooks/callback',
    },
    { limiter: new RealmLimiter(), sleep: () => Promise.resolve(), maxInProcessWaitMs: 5_000 },
  );
  mailer = createSmtpMailer({ smtpUrl: process.env.SMTP_URL!, from: 'Upkeep <no-reply@upkeep.test>' });
  payments = withLocalInvoiceEmails(createLocalPayments({ publicUrl, webhookSecret }), (invoice) =>
    sendInvoiceEmail(orm, mailer, invoice),
  );
  connection = await connectWorker();
  temporal = await connectClient();
  await workflowBundle();
});

afterAll(async () => {
  await temporal?.close();
  await connection?.close();
  mailer?.close();
  await sandbox?.stop();
  await orm?.close(true);
  if (url) await dropTestDatabase(url);
});

/** A client of the firm with a contact, an engagement and (optionally) a QuickBooks company. */
async function newClient(options: { quickbooks?: boolean; engagementWorkflowId?: string } = {}) {
  const clientId = randomUUID();
  const engagementId = randomUUID();
  const email = `owner.${clientId.slice(0, 8)}@upkeep.test`;
  const em = forTenant(orm, firmId);
  await createClient(em, {
    organizationId: firmId,
    clientId,
    kind: 'business',
    displayName: `Upkeep Client ${clientId.slice(0, 4)}`,
    contact: { id: randomUUID(), name: 'Rosa Vance', email },
    actor: systemActor,
  });
  await startEngagementRecord(em, {
    organizationId: firmId,
    engagementId,
    clientId,
    type: 'tax_return',
    title: 'Tax return 2025',
    workflowId: options.engagementWorkflowId ?? `tax-return:${engagementId}`,
    runId: randomUUID(),
    stage: 'invoicing',
    progress: 90,
    actor: systemActor,
  });
  let connectionId: string | null = null;
  let realmId: string | null = null;
  if (options.quickbooks) {
    realmId = `93420000000${String(++realmSeq).padStart(5, '0')}`;
    sandbox.createRealm({ id: realmId, companyName: `Upkeep Co ${realmSeq}`, months: 1 });
    const authorizeUrl = new URL(ledger.authorizationUrl('state'));
    const approved = await fetch(`${sandbox.url}/connect/oauth2`, {
      method: 'POST',
      redirect: 'manual',
      body: new URLSearchParams({
        ...Object.fromEntries(authorizeUrl.searchParams),
        realmId,
        decision: 'approve',
      }),
    });
    const grant = await ledger.exchangeCode(approved.headers.get('location') ?? '');
    const connected = await connectLedgerCompany(em, {
      organizationId: firmId,
      clientId,
      provider: 'quickbooks',
      realmId,
      companyName: `Upkeep Co ${realmSeq}`,
      tokens: grant,
      actor: systemActor,
    });
    connectionId = connected.id;
  }
  return { clientId, engagementId, email, connectionId, realmId };
}

/** An upload whose ticket ran out long ago, with a file in storage nobody completed. */
async function abandonedUpload(clientId: string, engagementId: string) {
  const uploadId = randomUUID();
  const blobKey = uploadBlobKey(firmId, uploadId);
  await startDocumentUpload(forTenant(orm, firmId), {
    organizationId: firmId,
    uploadId,
    blobKey,
    clientId,
    engagementId,
    fileName: 'bank-statement.pdf',
    mediaType: 'application/pdf',
    sizeBytes: 11,
    maxBytes: 1024,
    expiresAt: minutesAgo(60),
    actor: systemActor,
  });
  await storage.container.getBlockBlobClient(blobKey).upload('%PDF-1.7 x', 10);
  return { uploadId, blobKey };
}

/** A workflow that only waits (on a queue nobody serves): signals to it are kept in its history. */
async function waitingWorkflow(workflowId: string): Promise<void> {
  await temporal.client.workflow.start(platformMaintenanceWorkflowType, {
    workflowId,
    taskQueue: `nobody-serves-${randomUUID()}`,
    args: [{}],
    workflowExecutionTimeout: '10 minutes',
  });
}

async function signalsOf(workflowId: string): Promise<string[]> {
  const history = await temporal.client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? [])
    .map((event) => event.workflowExecutionSignaledEventAttributes?.signalName)
    .filter((name): name is string => typeof name === 'string');
}

/** Our invoice, issued through the local adapter, and an `invoice.paid` for it received long ago. */
async function paidEventLeftReceived(client: { clientId: string; engagementId: string }) {
  const invoiceId = randomUUID();
  const issued = await createBillingActivities({ orm, payments }).issueInvoice({
    organizationId: firmId,
    invoiceId,
    clientId: client.clientId,
    engagementId: client.engagementId,
    description: 'Bookkeeping, October',
    lines: [{ description: 'Monthly bookkeeping', amountMinor: 30_000 }],
    currency: 'usd',
    dueDate: '2026-12-31T00:00:00.000Z',
  });
  const event = buildLocalInvoicePaidEvent(
    {
      invoiceId,
      organizationId: firmId,
      clientId: client.clientId,
      engagementId: client.engagementId,
      providerInvoiceId: localPaymentIds.invoice(invoiceId),
      customerId: localPaymentIds.customer(client.clientId),
      number: issued.number,
      amountMinor: issued.amountDueMinor,
      currency: 'usd',
      hostedUrl: issued.hostedUrl,
    },
    { webhookSecret },
  );
  const em = forSystem(orm, 'test: a webhook stored before a restart');
  const stored = await storeStripeEvent(em, {
    eventId: event.eventId,
    type: 'invoice.paid',
    payload: JSON.parse(event.payload) as Record<string, unknown>,
  });
  await em.execute(`UPDATE webhook_event SET received_at = ? WHERE id = ?`, [
    minutesAgo(20),
    stored.webhookEventId,
  ]);
  return { invoiceId, webhookEventId: stored.webhookEventId! };
}

/** A QuickBooks change whose close could not be told when it arrived. */
async function failedQuickbooksEvent(realmId: string) {
  const em = forSystem(orm, 'test: a QuickBooks delivery that failed');
  const occurredAt = new Date();
  const stored = await storeQuickbooksEvent(em, {
    eventId: `evt-${randomUUID()}`,
    type: 'Customer.Update',
    payload: {
      format: 'cloudevents',
      realmId,
      entity: 'Customer',
      entityId: '58',
      operation: 'Update',
      occurredAt: occurredAt.toISOString(),
    },
  });
  await recordQuickbooksEventOutcome(em, {
    webhookEventId: stored.webhookEventId!,
    status: 'failed',
    note: 'Could not notify the close: Temporal is unavailable',
  });
  return { webhookEventId: stored.webhookEventId!, period: occurredAt.toISOString().slice(0, 7) };
}

const webhookRow = (id: string) =>
  forSystem(orm, 'test').findOneOrFail(WebhookEvent, { id }, { refresh: true });
const connectionRow = (id: string) =>
  forTenant(orm, firmId).findOneOrFail(IntegrationConnection, { id }, { refresh: true });
const uploadRow = (id: string) =>
  forTenant(orm, firmId).findOneOrFail(DocumentUpload, { id }, { refresh: true });
const blobExists = (key: string) => storage.container.getBlobClient(key).exists();

/** Moves a connection's refresh token to days from expiry, as months without use would. */
async function makeIdle(connectionId: string, daysLeft: number): Promise<void> {
  await forSystem(orm, 'test: an idle connection').execute(
    `UPDATE integration_connection
        SET refresh_token_expires_at = now() + make_interval(days => ?),
            last_refreshed_at = now() - interval '95 days'
      WHERE id = ?`,
    [daysLeft, connectionId],
  );
}

async function withWorker<T>(
  options: { storage?: BlobStorage },
  body: (taskQueue: string) => Promise<T>,
): Promise<T> {
  const taskQueue = `maintenance-test-${randomUUID()}`;
  const worker: Worker = await createIntegrationsWorker({
    connection,
    namespace: namespace(),
    orm,
    payments,
    ledger,
    storage: options.storage ?? storage,
    taskQueue,
    temporal: temporal.client,
    workflowBundle: await workflowBundle(),
    dataConverter: dataConverter(),
    shutdownGraceTime: '5 seconds',
  });
  return worker.runUntil(body(taskQueue));
}

async function runMaintenance(taskQueue: string, workflowId = `platform-maintenance-test-${randomUUID()}`) {
  const result = await temporal.client.workflow.execute<typeof platformMaintenanceWorkflow>(
    platformMaintenanceWorkflowType,
    {
      workflowId,
      taskQueue,
      args: [{}],
      workflowExecutionTimeout: '5 minutes',
    },
  );
  return { result, workflowId };
}

/** Writes a workflow's history for the replay test (run with CPA_RECORD_HISTORIES=1). */
async function recordHistory(workflowId: string, name: string): Promise<void> {
  if (process.env.CPA_RECORD_HISTORIES !== '1') return;
  const folder = new URL('../../tests/histories/platform-maintenance/', import.meta.url);
  await mkdir(folder, { recursive: true });
  // Stack traces in failures name this machine's checkout: keep paths relative to the repository.
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const json = (await decodedHistoryJSON(temporal.client, workflowId)).replaceAll(root, '');
  await writeFile(new URL(`${name}.json`, folder), json);
}

describe('platform maintenance workflow', () => {
  it('expires abandoned uploads, sweeps old Stripe events, refreshes idle QuickBooks connections and retries failed QuickBooks events, then finds nothing more to do', async () => {
    const engagementWorkflowId = `tax-return:${randomUUID()}`;
    await waitingWorkflow(engagementWorkflowId);
    const billed = await newClient({ engagementWorkflowId });
    const upload = await abandonedUpload(billed.clientId, billed.engagementId);
    const paid = await paidEventLeftReceived(billed);

    const books = await newClient({ quickbooks: true });
    await makeIdle(books.connectionId!, 5);
    const before = await connectionRow(books.connectionId!);
    const fresh = await newClient({ quickbooks: true });
    const freshVersion = (await connectionRow(fresh.connectionId!)).tokenVersion;
    const failedChange = await failedQuickbooksEvent(books.realmId!);
    const closeWorkflowId = `close:${books.clientId}:${failedChange.period}`;
    await waitingWorkflow(closeWorkflowId);

    await withWorker({}, async (taskQueue) => {
      const first = await runMaintenance(taskQueue);
      expect(first.result.failed).toEqual([]);
      expect(first.result.jobs).toEqual({
        expireAbandonedUploads: { status: 'done', counts: { expired: 1 } },
        sweepStripeEvents: { status: 'done', counts: { tried: 1, processed: 1, settled: 0, retry: 0 } },
        refreshIdleLedgerConnections: {
          status: 'done',
          counts: { refreshed: 1, reconnectNeeded: 0, failed: 0 },
        },
        retryQuickbooksEvents: { status: 'done', counts: { handled: 1, failed: 0, unreadable: 0 } },
      });
      await recordHistory(first.workflowId, 'all-jobs-done');

      // The abandoned upload is expired and its file gone.
      expect((await uploadRow(upload.uploadId)).status).toBe('expired');
      expect(await blobExists(upload.blobKey)).toBe(false);
      // The Stripe event is processed: the invoice is paid and its engagement was told once.
      expect(await webhookRow(paid.webhookEventId)).toMatchObject({ status: 'processed', error: null });
      expect((await forTenant(orm, firmId).findOneOrFail(Invoice, { id: paid.invoiceId })).status).toBe(
        'paid',
      );
      expect(await signalsOf(engagementWorkflowId)).toEqual(['invoicePaid']);
      // The idle connection has new tokens from the sandbox, saved as a new version.
      const after = await connectionRow(books.connectionId!);
      expect(after.status).toBe('connected');
      expect(after.tokenVersion).toBe(before.tokenVersion + 1);
      expect(after.refreshTokenExpiresAt!.getTime()).toBeGreaterThan(Date.now() + 60 * 86_400_000);
      // A connection in use is left alone.
      expect((await connectionRow(fresh.connectionId!)).tokenVersion).toBe(freshVersion);
      // The failed QuickBooks change reached its close.
      expect(await webhookRow(failedChange.webhookEventId)).toMatchObject({ status: 'processed' });
      expect(await signalsOf(closeWorkflowId)).toEqual(['ledgerChanged']);

      const second = await runMaintenance(taskQueue);
      expect(second.result).toEqual({
        failed: [],
        jobs: {
          expireAbandonedUploads: { status: 'done', counts: { expired: 0 } },
          sweepStripeEvents: { status: 'done', counts: { tried: 0, processed: 0, settled: 0, retry: 0 } },
          refreshIdleLedgerConnections: {
            status: 'done',
            counts: { refreshed: 0, reconnectNeeded: 0, failed: 0 },
          },
          retryQuickbooksEvents: { status: 'done', counts: { handled: 0, failed: 0, unreadable: 0 } },
        },
      });
      expect(await signalsOf(engagementWorkflowId)).toEqual(['invoicePaid']);
      expect(await signalsOf(closeWorkflowId)).toEqual(['ledgerChanged']);
      expect((await connectionRow(books.connectionId!)).tokenVersion).toBe(before.tokenVersion + 1);
    });
    await temporal.client.workflow.getHandle(engagementWorkflowId).terminate('test over');
    await temporal.client.workflow.getHandle(closeWorkflowId).terminate('test over');
  });

  it('reports a failing job and still finishes the others', async () => {
    const client = await newClient({ quickbooks: true });
    const upload = await abandonedUpload(client.clientId, client.engagementId);
    await makeIdle(client.connectionId!, 3);
    const brokenStorage: BlobStorage = {
      ...storage,
      deleteBlob: () => Promise.reject(new Error('the storage account is unreachable')),
    };
    await withWorker({ storage: brokenStorage }, async (taskQueue) => {
      const { result, workflowId } = await runMaintenance(taskQueue);
      expect(result.failed).toEqual(['expireAbandonedUploads']);
      expect(result.jobs.expireAbandonedUploads).toEqual({
        status: 'failed',
        error: 'the storage account is unreachable',
      });
      expect(result.jobs.refreshIdleLedgerConnections).toEqual({
        status: 'done',
        counts: { refreshed: 1, reconnectNeeded: 0, failed: 0 },
      });
      expect(result.jobs.sweepStripeEvents?.status).toBe('done');
      expect(result.jobs.retryQuickbooksEvents?.status).toBe('done');
      await recordHistory(workflowId, 'one-job-failed');
    });
    expect((await uploadRow(upload.uploadId)).status).toBe('pending');
    expect(await blobExists(upload.blobKey)).toBe(true);
    // With storage back, the next round expires it.
    await withWorker({}, async (taskQueue) => {
      const { result } = await runMaintenance(taskQueue);
      expect(result.jobs.expireAbandonedUploads).toEqual({ status: 'done', counts: { expired: 1 } });
    });
    expect(await blobExists(upload.blobKey)).toBe(false);
  });

  it('moves an idle connection whose refresh token QuickBooks refuses to "reconnect needed" with a staff task', async () => {
    const client = await newClient({ quickbooks: true });
    await makeIdle(client.connectionId!, 2);
    // The client revoked the app in QuickBooks: the refresh is refused with invalid_grant.
    expect(sandbox.revokeGrants(client.realmId!)).toBeGreaterThan(0);
    await withWorker({}, async (taskQueue) => {
      const { result } = await runMaintenance(taskQueue);
      expect(result.jobs.refreshIdleLedgerConnections).toEqual({
        status: 'done',
        counts: { refreshed: 0, reconnectNeeded: 1, failed: 0 },
      });
    });
    const broken = await connectionRow(client.connectionId!);
    expect(broken.status).toBe('reconnect_needed');
    expect(broken.statusReason).toBeTruthy();
    const tasks = await forTenant(orm, firmId).find(Task, { client: client.clientId });
    expect(tasks).toHaveLength(1);
  });
});

describe('platform maintenance schedule', () => {
  it('is created once with an explicit overlap policy and catch-up window, updated on a second startup, and its actions run the workflow', async () => {
    const scheduleId = `platform-maintenance-test-${randomUUID()}`;
    await withWorker({}, async (taskQueue) => {
      expect(
        await upsertMaintenanceSchedule(temporal.client, {
          scheduleId,
          taskQueue,
          everyMinutes: 15,
          enabled: true,
        }),
      ).toBe('created');
      expect(
        await upsertMaintenanceSchedule(temporal.client, {
          scheduleId,
          taskQueue,
          everyMinutes: 30,
          enabled: true,
        }),
      ).toBe('updated');
      const handle = temporal.client.schedule.getHandle(scheduleId);
      const described = await handle.describe();
      expect(described.policies.overlap).toBe(ScheduleOverlapPolicy.SKIP);
      expect(described.policies.catchupWindow).toBe(30 * 60_000);
      expect(described.spec.intervals?.map((i) => i.every)).toEqual([30 * 60_000]);
      expect(described.action).toMatchObject({ workflowType: platformMaintenanceWorkflowType, taskQueue });
      const listed: string[] = [];
      for await (const schedule of temporal.client.schedule.list()) {
        if (schedule.scheduleId === scheduleId) listed.push(schedule.scheduleId);
      }
      expect(listed).toEqual([scheduleId]);

      await handle.trigger();
      const deadline = Date.now() + 60_000;
      let runId: string | undefined;
      while (!runId && Date.now() < deadline) {
        runId = (await handle.describe()).info.recentActions[0]?.action.workflow.workflowId;
        if (!runId) await new Promise((resolve) => setTimeout(resolve, 250));
      }
      expect(runId).toBeDefined();
      const result = (await temporal.client.workflow
        .getHandle(runId!)
        .result()) as TPlatformMaintenanceResult;
      expect(result.failed).toEqual([]);

      expect(
        await upsertMaintenanceSchedule(temporal.client, {
          scheduleId,
          taskQueue,
          everyMinutes: 30,
          enabled: false,
        }),
      ).toBe('paused');
      expect((await handle.describe()).state.paused).toBe(true);
      await handle.delete();
      expect(
        await upsertMaintenanceSchedule(temporal.client, {
          scheduleId,
          taskQueue,
          everyMinutes: 30,
          enabled: false,
        }),
      ).toBe('absent');
    });
  });

  it('refuses an interval that is not a whole number of minutes from 1 to 1440', () => {
    expect(() => maintenanceScheduleOptions({ everyMinutes: 0, enabled: true })).toThrow(/1 to 1440/);
    expect(() => maintenanceScheduleOptions({ everyMinutes: 2.5, enabled: true })).toThrow(/1 to 1440/);
  });
});

describe('local invoice email', () => {
  it('emails the client the invoice once with a working /pay/ link, however often sending is retried', async () => {
    const client = await newClient();
    const invoiceId = randomUUID();
    const billing = createBillingActivities({ orm, payments });
    const input = {
      organizationId: firmId,
      invoiceId,
      clientId: client.clientId,
      engagementId: client.engagementId,
      description: 'Tax preparation 2025',
      lines: [{ description: '2025 business return', amountMinor: 82_500 }],
      currency: 'usd',
      dueDate: '2026-12-31T00:00:00.000Z',
    };
    const issued = await billing.issueInvoice(input);
    await billing.issueInvoice(input);
    // A retried send after the email went out (the activity died before recording it) sends nothing.
    await payments.sendInvoice({ invoiceId, providerInvoiceId: localPaymentIds.invoice(invoiceId) });

    const [email] = await waitForEmails(client.email, 1);
    expect(email!.subject).toBe(`Invoice ${issued.number} from Upkeep & Partners`);
    const link = /https?:\/\/\S+\/pay\/[0-9a-f-]+\?key=[A-Za-z0-9_-]+/.exec(email!.text ?? '')?.[0];
    expect(link).toBeDefined();
    const payUrl = new URL(link!);
    expect(payUrl.origin).toBe(publicUrl);
    expect(payUrl.pathname).toBe(`/pay/${invoiceId}`);
    expect(isLocalPaymentKey(webhookSecret, invoiceId, payUrl.searchParams.get('key'))).toBe(true);
    expect(email!.text).toContain('$825.00');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await listEmails(client.email)).toHaveLength(1);
  });
});
