/**
 * Document intake through the staff app over real HTTP: starting an intake from the Collect documents
 * page, the engagement page's checklist and documents, review with a corrected field, waive, a refusal
 * shown in the workflow's words, cancel, and what a preparer not on the engagement may do. Real
 * Postgres, Temporal, Redis, Azurite and mail capture; the web server and workers run in this process
 * (the documents worker on its own queue, reading files with a scenario reader).
 */
import { randomUUID } from 'node:crypto';
import type { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '../../db/clients/client.entity';
import { Contact } from '../../db/clients/contact.entity';
import { Document } from '../../db/documents/document.entity';
import { DocumentRequest } from '../../db/documents/document-request.entity';
import { startDocumentUpload } from '../../db/documents/start-document-upload';
import { Engagement } from '../../db/engagements/engagement.entity';
import { demoLogins } from '../../db/seed/demo-logins';
import { forSystem, forTenant } from '../../db/tenancy/tenant-context';
import { createBlobStorage } from '../../integrations/storage/blob-storage';
import { uploadBlobKey } from '../../integrations/storage/blob-keys';
import { maxUploadBytes } from '../../integrations/storage/media-types';
import { scenarioDocumentAi, scenarioPdf } from '../../tests/support/document-intake';
import { connectWorker, namespace, workflowBundle } from '../../tests/support/temporal';
import { createDocumentsWorker } from '../../workers/create-documents-worker';
import {
  documentIntakeWorkflowId,
  documentUploadedSignal,
  getStatusQuery,
  type TDocumentIntakeStatus,
} from '../../workflows/intake/document-intake.contracts';
import { taskQueues } from '../../workflows/shared/task-queues';
import { signInPortalContact } from './support/access-fixtures';
import { HttpSession, locationOf, signInStaff, visibleText } from './support/http-session';
import { startTestPlatform, type TestPlatform } from './support/test-platform';

const manager = demoLogins.find((login) => login.role === 'manager')!;
const preparer = demoLogins.find((login) => login.role === 'preparer')!;

let platform: TestPlatform;
let session: HttpSession;
let documentsQueue: string;
let documentsWorker: Worker;
let documentsRun: Promise<void>;
const storage = createBlobStorage({
  connectionString: process.env.AZURE_STORAGE_CONNECTION_STRING ?? '',
  containerName: process.env.BLOB_CONTAINER ?? '',
});

beforeAll(async () => {
  platform = await startTestPlatform({ name: 'intake-page' });
  documentsQueue = `documents-web-${randomUUID()}`;
  const connection = await connectWorker();
  documentsWorker = await createDocumentsWorker({
    connection,
    namespace: namespace(),
    orm: platform.orm,
    storage,
    documentAi: scenarioDocumentAi(),
    workflowBundle: await workflowBundle(),
    taskQueue: documentsQueue,
    shutdownGraceTime: '1 second',
  });
  documentsRun = documentsWorker.run().finally(() => connection.close());
  session = new HttpSession(platform.web.url);
  await signInStaff(session, manager);
});

afterAll(async () => {
  documentsWorker?.shutdown();
  await documentsRun;
  await platform?.stop();
});

const em = () => forSystem(platform.orm, 'test assertions');

async function demoClient() {
  const contact = await em().findOneOrFail(
    Contact,
    { organization: platform.demoFirmId, portalAccess: true, client: { kind: 'individual' } },
    { populate: ['client'], orderBy: { createdAt: 'asc' } },
  );
  return { clientId: contact.client.id, contactId: contact.id };
}

async function status(engagementId: string): Promise<TDocumentIntakeStatus> {
  return platform.temporal.workflow.getHandle(documentIntakeWorkflowId(engagementId)).query(getStatusQuery);
}

async function waitFor(engagementId: string, predicate: (s: TDocumentIntakeStatus) => boolean) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const current = await status(engagementId).catch(() => null);
    if (current && predicate(current)) return current;
    if (Date.now() > deadline) throw new Error(`intake never matched: ${JSON.stringify(current)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Starts an intake the way the Collect documents page does, but with this file's documents queue. */
async function startIntake(): Promise<{ engagementId: string; clientId: string; contactId: string }> {
  const client = await demoClient();
  const engagementId = randomUUID();
  await platform.temporal.workflow.start('documentIntakeWorkflow', {
    taskQueue: taskQueues.engagements,
    workflowId: documentIntakeWorkflowId(engagementId),
    args: [
      {
        organizationId: platform.demoFirmId,
        clientId: client.clientId,
        engagementId,
        checklistType: 'tax_return',
        clientKind: 'individual',
        taxYear: 2026,
        documentsTaskQueue: documentsQueue,
      },
    ],
  });
  await waitFor(engagementId, (s) => s.stage === 'collecting');
  return { engagementId, ...client };
}

async function upload(ctx: { engagementId: string; clientId: string; contactId: string }, requestId: string) {
  const uploadId = randomUUID();
  const blobKey = uploadBlobKey(platform.demoFirmId, uploadId);
  const bytes = scenarioPdf('blurry');
  await startDocumentUpload(forTenant(platform.orm, platform.demoFirmId), {
    organizationId: platform.demoFirmId,
    uploadId,
    blobKey,
    clientId: ctx.clientId,
    requestId,
    fileName: 'w2-photo.pdf',
    mediaType: 'application/pdf',
    sizeBytes: bytes.byteLength,
    maxBytes: maxUploadBytes,
    expiresAt: new Date(Date.now() + 600_000),
    actor: { type: 'contact', id: ctx.contactId },
  });
  await storage.container.getBlockBlobClient(blobKey).uploadData(bytes);
  await platform.temporal.workflow
    .getHandle(documentIntakeWorkflowId(ctx.engagementId))
    .signal(documentUploadedSignal, {
      uploadId,
      blobKey,
      declaredMediaType: 'application/pdf',
      sizeBytes: bytes.byteLength,
      originalFileName: 'w2-photo.pdf',
      requestId,
      uploadedBy: { type: 'contact', id: ctx.contactId },
      uploadedAt: new Date().toISOString(),
    });
}

async function postIntake(engagementId: string, form: Record<string, string>) {
  const response = await session.post(`/app/engagements/${engagementId}/intake`, form);
  return { status: response.status, body: (await response.json()) as { ok: boolean; message: string } };
}

describe('document intake in the staff app', () => {
  it('starts an intake from the Collect documents page and shows its checklist on the engagement page', async () => {
    const form = await session.page('/app/engagements/intake/new');
    expect(form.status).toBe(200);
    const engagementId = /name="engagementId" value="([^"]+)"/.exec(form.html)?.[1] ?? '';
    const { clientId } = await demoClient();

    const invalid = await session.post('/app/engagements/intake/new', {
      engagementId,
      clientId,
      checklistType: 'monthly_close',
      taxYear: '',
      period: '',
      dueDate: '',
    });
    expect(invalid.status).toBe(400);
    expect(visibleText(await invalid.text())).toContain('Enter the month');

    const started = await session.post('/app/engagements/intake/new', {
      engagementId,
      clientId,
      checklistType: 'document_intake',
      taxYear: '',
      period: '',
      dueDate: '',
    });
    expect(started.status).toBe(302);
    expect(locationOf(started)).toBe(`/app/engagements/${engagementId}`);
    // The same form sent again starts nothing new.
    const again = await session.post('/app/engagements/intake/new', {
      engagementId,
      clientId,
      checklistType: 'document_intake',
      taxYear: '',
      period: '',
      dueDate: '',
    });
    expect(locationOf(again)).toBe(`/app/engagements/${engagementId}`);

    await waitFor(engagementId, (s) => s.stage === 'collecting');
    const page = await session.page(`/app/engagements/${engagementId}`);
    expect(page.status).toBe(200);
    const text = visibleText(page.html);
    expect(text).toContain('Collecting documents');
    expect(text).toContain("Driver's license or passport");
    expect(text).toContain('Waiting for the client');
    expect(text).toContain('2 documents from the checklist (from the client');
    const engagement = await em().findOneOrFail(Engagement, { id: engagementId });
    expect(engagement).toMatchObject({ type: 'document_intake', stage: 'collecting' });
  });

  it('reviews a low-confidence upload from the page: a rejection needs a reason, the accept saves the correction', async () => {
    const ctx = await startIntake();
    const w2 = (await status(ctx.engagementId)).checklist.find((i) => i.key === 'w2')!;
    await upload(ctx, w2.requestId);
    const waiting = await waitFor(
      ctx.engagementId,
      (s) => s.documents[0]?.status === 'needs_review' && Boolean(s.documents[0]?.reviewTaskId),
    );
    const documentId = waiting.documents[0]!.documentId!;

    const page = await session.page(`/app/engagements/${ctx.engagementId}`);
    const text = visibleText(page.html);
    expect(text).toContain('w2-photo.pdf');
    expect(text).toContain('Needs review');
    expect(text).toContain('Box 1: Wages, tips, other compensation');
    expect(text).toContain('42%');
    expect(page.html).toContain('name="field:WagesTipsAndOtherCompensation"');

    const noReason = await postIntake(ctx.engagementId, {
      intent: 'review',
      documentId,
      decision: 'reject',
      reason: '',
    });
    expect(noReason).toEqual({
      status: 409,
      body: {
        ok: false,
        message: 'Say why the document is rejected: the client reads it',
        form: `review:${documentId}`,
      },
    });

    const accepted = await postIntake(ctx.engagementId, {
      intent: 'review',
      documentId,
      decision: 'accept',
      reason: '',
      'original:WagesTipsAndOtherCompensation': '58250.12',
      'field:WagesTipsAndOtherCompensation': '58,250.21',
      'original:EmployerName': 'Harbor Freight Lines',
      'field:EmployerName': 'Harbor Freight Lines',
    });
    expect(accepted).toMatchObject({ status: 200, body: { ok: true, message: 'Document accepted.' } });
    const document = await em().findOneOrFail(Document, { id: documentId });
    expect(document.reviewStatus).toBe('accepted');
    const fields = document.extractedFields ?? [];
    expect(fields.find((f) => f.name === 'WagesTipsAndOtherCompensation')).toMatchObject({
      value: 58250.21,
      correctedFrom: 58250.12,
    });
    expect(fields.find((f) => f.name === 'EmployerName')?.correctedFrom).toBeUndefined();

    const refused = await postIntake(ctx.engagementId, {
      intent: 'review',
      documentId,
      decision: 'accept',
      reason: '',
    });
    expect(refused).toMatchObject({
      status: 409,
      body: { ok: false, message: 'This document is already accepted.' },
    });
  });

  it('waives an item, refuses a second waiver in the workflow’s words, and cancels with compensations', async () => {
    const ctx = await startIntake();
    const item = (await status(ctx.engagementId)).checklist.find((i) => i.key === 'prior-year-return')!;
    const short = await postIntake(ctx.engagementId, {
      intent: 'waive',
      requestId: item.requestId,
      reason: 'no',
    });
    expect(short).toMatchObject({
      status: 400,
      body: { ok: false, message: 'Say why in a few words: the client reads it' },
    });
    const waived = await postIntake(ctx.engagementId, {
      intent: 'waive',
      requestId: item.requestId,
      reason: 'We prepared it last year',
    });
    expect(waived).toMatchObject({ status: 200, body: { ok: true, message: 'Item waived.' } });
    const twice = await postIntake(ctx.engagementId, {
      intent: 'waive',
      requestId: item.requestId,
      reason: 'We prepared it last year',
    });
    expect(twice).toMatchObject({
      status: 409,
      body: { ok: false, message: 'This item is already waived.' },
    });

    const added = await postIntake(ctx.engagementId, {
      intent: 'add',
      category: 'bank-statement',
      label: 'December bank statement',
      required: 'on',
      note: '',
    });
    expect(added).toMatchObject({ status: 200, body: { ok: true } });
    expect((await status(ctx.engagementId)).checklist.map((i) => i.label)).toContain(
      'December bank statement',
    );

    const cancelled = await postIntake(ctx.engagementId, {
      intent: 'cancel',
      reason: 'Client left the firm',
      notifyClient: 'on',
    });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.message).toMatch(/^Engagement cancelled/);
    const engagement = await em().findOneOrFail(Engagement, { id: ctx.engagementId });
    expect(engagement.status).toBe('cancelled');
    const open = await em().count(DocumentRequest, {
      engagement: ctx.engagementId,
      status: { $in: ['open', 'rejected'] },
    });
    expect(open).toBe(0);
    const page = visibleText((await session.page(`/app/engagements/${ctx.engagementId}`)).html);
    expect(page).toContain('Withdrawn');
    expect(page).not.toContain('Save review');
  });

  it('shows the client the documents still needed, with the reason a file was rejected', async () => {
    const ctx = await startIntake();
    const w2 = (await status(ctx.engagementId)).checklist.find((i) => i.key === 'w2')!;
    await upload(ctx, w2.requestId);
    const waiting = await waitFor(
      ctx.engagementId,
      (s) => s.documents[0]?.status === 'needs_review' && Boolean(s.documents[0]?.reviewTaskId),
    );
    const rejected = await postIntake(ctx.engagementId, {
      intent: 'review',
      documentId: waiting.documents[0]!.documentId!,
      decision: 'reject',
      reason: 'Box 1 is cut off in the photo.',
    });
    expect(rejected).toMatchObject({ status: 200, body: { ok: true } });

    const client = new HttpSession(platform.web.url);
    await signInPortalContact(client, platform.orm, {
      organizationId: platform.demoFirmId,
      contactId: ctx.contactId,
    });
    const page = await client.page(`/portal/engagements/${ctx.engagementId}/documents`);
    expect(page.status).toBe(200);
    const text = visibleText(page.html);
    expect(text).toContain('Documents we need');
    expect(text).toContain('Form W-2 for 2026 from each employer');
    expect(text).toContain(
      'We could not use the file you sent: Box 1 is cut off in the photo. Please upload it again.',
    );
    expect(text).toContain("Driver's license or passport");

    const stranger = await em().findOneOrFail(
      Contact,
      { organization: platform.demoFirmId, portalAccess: true, client: { $ne: ctx.clientId } },
      { orderBy: { createdAt: 'desc' } },
    );
    const other = new HttpSession(platform.web.url);
    await signInPortalContact(other, platform.orm, {
      organizationId: platform.demoFirmId,
      contactId: stranger.id,
    });
    expect((await other.get(`/portal/engagements/${ctx.engagementId}/documents`)).status).toBe(404);
  });

  it('answers 404 to a preparer who is not on the engagement', async () => {
    const ctx = await startIntake();
    const other = new HttpSession(platform.web.url);
    await signInStaff(other, preparer);
    const page = await other.get(`/app/engagements/${ctx.engagementId}`);
    expect(page.status).toBe(404);
    const post = await other.post(`/app/engagements/${ctx.engagementId}/intake`, {
      intent: 'waive',
      requestId: randomUUID(),
      reason: 'Not needed at all',
    });
    expect(post.status).toBe(404);
    expect(await em().count(Client, { organization: platform.demoFirmId })).toBeGreaterThan(0);
  });
});
