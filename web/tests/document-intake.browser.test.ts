/**
 * Reviewing an uploaded document on the engagement page in Chromium: the review form shows what was
 * read (low-confidence rows marked), a rejection without a reason is refused in place with the
 * workflow's sentence, and an accept with a corrected amount updates the page without a reload.
 * Set CPA_SCREENSHOT_DIR to keep screenshots of the page.
 */
import { mkdir } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { launchTestBrowser } from './support/browser';
import type { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Contact } from '../../db/clients/contact.entity';
import { Document } from '../../db/documents/document.entity';
import { startDocumentUpload } from '../../db/documents/start-document-upload';
import { demoLogins } from '../../db/seed/demo-logins';
import { forSystem, forTenant } from '../../db/tenancy/tenant-context';
import { totpCode } from '../../lib/crypto/totp';
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
import { startTestPlatform, type TestPlatform } from './support/test-platform';

const manager = demoLogins.find((login) => login.role === 'manager')!;

let platform: TestPlatform;
let browser: Browser;
let documentsWorker: Worker;
let documentsRun: Promise<void>;
let documentsQueue: string;
const browserProblems: string[] = [];
const storage = createBlobStorage({
  connectionString: process.env.AZURE_STORAGE_CONNECTION_STRING ?? '',
  containerName: process.env.BLOB_CONTAINER ?? '',
});

function watch(page: Page): void {
  page.on('pageerror', (error) => browserProblems.push(error.message));
  page.on('console', (message) => {
    // A refused review answers 409 on purpose: the browser logs it as a failed resource load.
    if (message.type() === 'error' && !/status of 409/.test(message.text()))
      browserProblems.push(message.text());
  });
}

beforeAll(async () => {
  platform = await startTestPlatform({ name: 'intake browser' });
  documentsQueue = `documents-browser-${randomUUID()}`;
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
  browser = await launchTestBrowser();
});

afterAll(async () => {
  await browser?.close();
  documentsWorker?.shutdown();
  await documentsRun;
  await platform?.stop();
});

async function waitFor(engagementId: string, predicate: (s: TDocumentIntakeStatus) => boolean) {
  const handle = platform.temporal.workflow.getHandle(documentIntakeWorkflowId(engagementId));
  const deadline = Date.now() + 30_000;
  for (;;) {
    const status = await handle.query(getStatusQuery).catch(() => null);
    if (status && predicate(status)) return status;
    if (Date.now() > deadline) throw new Error(`intake never matched: ${JSON.stringify(status)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** An intake with a blurry W-2 uploaded by the client, waiting for review. */
async function intakeWaitingForReview(): Promise<{ engagementId: string; documentId: string }> {
  const em = forSystem(platform.orm, 'test setup');
  const contact = await em.findOneOrFail(
    Contact,
    { organization: platform.demoFirmId, portalAccess: true, client: { kind: 'individual' } },
    { populate: ['client'], orderBy: { createdAt: 'asc' } },
  );
  const engagementId = randomUUID();
  await platform.temporal.workflow.start('documentIntakeWorkflow', {
    taskQueue: taskQueues.engagements,
    workflowId: documentIntakeWorkflowId(engagementId),
    args: [
      {
        organizationId: platform.demoFirmId,
        clientId: contact.client.id,
        engagementId,
        checklistType: 'tax_return',
        clientKind: 'individual',
        taxYear: 2026,
        documentsTaskQueue: documentsQueue,
      },
    ],
  });
  const started = await waitFor(engagementId, (s) => s.stage === 'collecting');
  const requestId = started.checklist.find((i) => i.key === 'w2')!.requestId;
  const uploadId = randomUUID();
  const blobKey = uploadBlobKey(platform.demoFirmId, uploadId);
  const bytes = scenarioPdf('blurry');
  await startDocumentUpload(forTenant(platform.orm, platform.demoFirmId), {
    organizationId: platform.demoFirmId,
    uploadId,
    blobKey,
    clientId: contact.client.id,
    requestId,
    fileName: 'w2-phone-photo.pdf',
    mediaType: 'application/pdf',
    sizeBytes: bytes.byteLength,
    maxBytes: maxUploadBytes,
    expiresAt: new Date(Date.now() + 600_000),
    actor: { type: 'contact', id: contact.id },
  });
  await storage.container.getBlockBlobClient(blobKey).uploadData(bytes);
  await platform.temporal.workflow
    .getHandle(documentIntakeWorkflowId(engagementId))
    .signal(documentUploadedSignal, {
      uploadId,
      blobKey,
      declaredMediaType: 'application/pdf',
      sizeBytes: bytes.byteLength,
      originalFileName: 'w2-phone-photo.pdf',
      requestId,
      uploadedBy: { type: 'contact', id: contact.id },
      uploadedAt: new Date().toISOString(),
    });
  const waiting = await waitFor(
    engagementId,
    (s) => s.documents[0]?.status === 'needs_review' && Boolean(s.documents[0]?.reviewTaskId),
  );
  return { engagementId, documentId: waiting.documents[0]!.documentId! };
}

async function screenshot(page: Page, name: string): Promise<void> {
  const dir = process.env.CPA_SCREENSHOT_DIR;
  if (!dir) return;
  await mkdir(dir, { recursive: true });
  await page.screenshot({ path: `${dir}/${name}.png`, fullPage: true });
}

describe('document review in the browser', () => {
  it('refuses a rejection without a reason in place, then accepts with a corrected amount', async () => {
    const { engagementId, documentId } = await intakeWaitingForReview();
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    watch(page);
    await page.goto(`${platform.web.url}/app/engagements/${engagementId}`);
    await page.getByLabel('Email').fill(manager.email);
    await page.getByLabel('Password').fill(manager.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel('Authentication code').fill(totpCode(manager.totpSecret!));
    await page.getByRole('button', { name: 'Verify and continue' }).click();
    await page.waitForURL(`${platform.web.url}/app/engagements/${engagementId}`);

    const documents = page.getByRole('region', { name: 'Documents' });
    await expect.poll(() => documents.getByRole('link', { name: 'w2-phone-photo.pdf' }).count()).toBe(1);
    await expect.poll(() => documents.getByText('Needs review').count()).toBeGreaterThan(0);
    const wages = documents.getByLabel('Box 1: Wages, tips, other compensation');
    expect(await wages.inputValue()).toBe('58250.12');
    await screenshot(page, 'intake-review');

    await documents.getByLabel('Reject and ask the client again').check();
    await documents.getByRole('button', { name: 'Save review' }).click();
    await expect
      .poll(() => documents.getByRole('status').textContent())
      .toBe('Say why the document is rejected: the client reads it');
    await screenshot(page, 'intake-review-refused');

    await wages.fill('58,250.21');
    await documents.getByLabel('Accept (with the values above)').check();
    await documents.getByRole('button', { name: 'Save review' }).click();
    await expect.poll(() => documents.getByText('Accepted', { exact: true }).count()).toBeGreaterThan(0);
    await expect.poll(() => documents.getByRole('button', { name: 'Save review' }).count()).toBe(0);
    await screenshot(page, 'intake-accepted');

    const document = await forSystem(platform.orm, 'test assertions').findOneOrFail(Document, {
      id: documentId,
    });
    expect(document.extractedFields?.find((f) => f.name === 'WagesTipsAndOtherCompensation')).toMatchObject({
      value: 58250.21,
      correctedFrom: 58250.12,
    });
    expect(browserProblems).toEqual([]);
  });
});
