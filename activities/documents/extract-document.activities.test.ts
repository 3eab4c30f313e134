/**
 * The extract-document activity on a real database and real blob storage (Azurite), run in Temporal's
 * MockActivityEnvironment (heartbeats, cancellation), with the local reader and with the Azure adapter
 * against the local Document Intelligence fake for every kind of failure.
 */
import { createHash, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../db/clients/create-client';
import { Document, type IDocument } from '../../db/documents/document.entity';
import { recordDocument } from '../../db/documents/record-document';
import { startEngagementRecord } from '../../db/engagements/start-engagement-record';
import { Organization, defaultOrganizationSettings } from '../../db/organizations/organization.entity';
import { createOrm, type Orm } from '../../db/orm';
import { forSystem, forTenant } from '../../db/tenancy/tenant-context';
import {
  createAzureDocumentAi,
  type AzureDocumentAiOptions,
} from '../../integrations/document-ai/azure-document-ai';
import type { DocumentAi } from '../../integrations/document-ai/document-ai';
import {
  startDocumentIntelligenceFake,
  type DocumentIntelligenceFake,
} from '../../integrations/document-ai/fake-server';
import { createLocalDocumentAi } from '../../integrations/document-ai/local-document-ai';
import { documentBlobKey } from '../../integrations/storage/blob-keys';
import { createBlobStorage } from '../../integrations/storage/blob-storage';
import { createTestDatabase, dropTestDatabase } from '../../tests/support/databases';
import {
  createDocumentAiActivities,
  type TExtractDocumentInput,
  type TExtractDocumentResult,
} from './extract-document.activities';

const apiKey = 'activity-test-key-0123456789abcdef';
const storage = createBlobStorage({
  connectionString: process.env.AZURE_STORAGE_CONNECTION_STRING!,
  containerName: process.env.BLOB_CONTAINER!,
});
const fixture = async (name: string) =>
  new Uint8Array(await readFile(new URL(`../../integrations/document-ai/fixtures/${name}`, import.meta.url)));

let url: string;
let orm: Orm;
let firmId: string;
let engagementId: string;
let fake: DocumentIntelligenceFake;
const local = createLocalDocumentAi();

beforeAll(async () => {
  url = await createTestDatabase('extract document');
  orm = await createOrm({ databaseUrl: url, poolMax: 3 });
  const em = forSystem(orm, 'test setup: create the firm');
  const firm = em.create(Organization, {
    name: 'Harbor Test CPA',
    slug: 'harbor-test',
    settings: defaultOrganizationSettings,
  });
  await em.flush();
  firmId = firm.id;
  const clientId = randomUUID();
  engagementId = randomUUID();
  const tenant = forTenant(orm, firmId);
  await createClient(tenant, {
    organizationId: firmId,
    clientId,
    kind: 'individual',
    displayName: 'Sample Client',
    contact: { id: randomUUID(), name: 'Sample Client', email: 'sample.client@example.test' },
    actor: { type: 'system' },
  });
  await startEngagementRecord(tenant, {
    organizationId: firmId,
    engagementId,
    clientId,
    type: 'tax_return',
    title: 'Tax return 2025',
    workflowId: `tax-return:${engagementId}`,
    runId: randomUUID(),
    stage: 'collecting_documents',
    progress: 20,
    actor: { type: 'system' },
  });
  fake = await startDocumentIntelligenceFake({ apiKey, runningPolls: 1, retryAfterSeconds: 0 });
});

afterAll(async () => {
  await local.close();
  await fake?.close();
  await orm?.close(true);
  if (url) await dropTestDatabase(url);
});

/** Stores a file in blob storage and records it as a document of the engagement. */
async function storedDocument(
  bytes: Uint8Array,
  options: { category: string; mediaType: string; upload?: boolean },
) {
  const blobKey = documentBlobKey(firmId);
  if (options.upload !== false)
    await storage.container.getBlockBlobClient(blobKey).uploadData(Buffer.from(bytes));
  const { document } = await recordDocument(forTenant(orm, firmId), {
    organizationId: firmId,
    engagementId,
    blobKey,
    sha256: createHash('sha256').update(bytes).update(randomUUID()).digest('hex'),
    sizeBytes: bytes.byteLength,
    mediaType: options.mediaType,
    originalFileName: 'upload.pdf',
    category: options.category,
    actor: { type: 'system' },
  });
  return document;
}

async function reload(id: string): Promise<IDocument> {
  return forTenant(orm, firmId).findOneOrFail(Document, { id });
}

const silentLogger = new DefaultLogger('ERROR', () => {});

/** Runs the activity as a worker would, recording the heartbeats it sends. */
function runExtract(
  documentAi: DocumentAi,
  documentId: string,
  options: { threshold?: number; storage?: boolean } = {},
): { run: Promise<TExtractDocumentResult>; heartbeats: unknown[]; env: MockActivityEnvironment } {
  const env = new MockActivityEnvironment({ activityType: 'extractDocument' }, { logger: silentLogger });
  const heartbeats: unknown[] = [];
  env.on('heartbeat', (details: unknown) => heartbeats.push(details));
  const activities = createDocumentAiActivities({
    documentAi,
    orm,
    ...(options.storage === false ? {} : { storage }),
  });
  const extract = (input: TExtractDocumentInput) => activities.extractDocument(input);
  const run = env.run<[TExtractDocumentInput], TExtractDocumentResult, typeof extract>(extract, {
    organizationId: firmId,
    documentId,
    ...(options.threshold === undefined ? {} : { reviewConfidenceThreshold: options.threshold }),
  });
  return { run, heartbeats, env };
}

async function failureOf(run: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await run.then(
    () => {
      throw new Error('expected the activity to fail');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApplicationFailure);
  return error as ApplicationFailure;
}

const azure = (overrides: Partial<AzureDocumentAiOptions> = {}) =>
  createAzureDocumentAi({
    endpoint: fake.endpoint,
    key: apiKey,
    retryDelayMs: 10,
    pollIntervalMs: 10,
    ...overrides,
  });

describe('extractDocument activity', () => {
  it('reads a stored W-2 with the local reader, heartbeating, and sends it to review with values kept out of the result', async () => {
    const document = await storedDocument(await fixture('w2-text-layer.pdf'), {
      category: 'w2',
      mediaType: 'application/pdf',
    });
    const { run, heartbeats } = runExtract(local, document.id);
    const result = await run;

    expect(result).toEqual({
      documentId: document.id,
      outcome: 'needs_review',
      needsReview: true,
      category: 'w2',
      detectedCategory: 'w2',
      model: 'local/pdf-text',
      confidence: 0.6,
      fieldCount: 15,
      missingFields: [],
      lowConfidenceFields: expect.arrayContaining([
        'WagesTipsAndOtherCompensation',
        'EmployerName',
      ]) as string[],
      warnings: [
        "Read offline by the platform's local reader: a person checks each value against the document.",
      ],
    } satisfies TExtractDocumentResult);
    const text = JSON.stringify(result);
    for (const value of ['85250', '85,250', 'Sample Employer', '4321', '00-0012345'])
      expect(text).not.toContain(value);
    expect(heartbeats.length).toBeGreaterThanOrEqual(3);
    expect(heartbeats).toContainEqual({ stage: 'reading' });
    expect(heartbeats.at(-1)).toEqual({ stage: 'recording' });

    const stored = await reload(document.id);
    expect(stored).toMatchObject({
      ocrStatus: 'needs_review',
      extractionModel: 'local/pdf-text',
      extractionConfidence: 0.6,
    });
    expect(stored.extractedFields).toContainEqual({
      name: 'WagesTipsAndOtherCompensation',
      value: 85250,
      confidence: 0.6,
      page: 1,
      boundingRegion: expect.any(Array) as number[],
      label: 'Box 1: Wages, tips, other compensation',
    });
    expect(stored.extractedFields?.find((f) => f.name === 'EmployeeSsnLast4')?.value).toBe('4321');
    expect(JSON.stringify(stored.extractedFields)).not.toContain('000-00-4321');
  });

  it('does not read a document twice when Temporal retries after the extraction was stored', async () => {
    const document = await storedDocument(await fixture('1099-int.pdf'), {
      category: '1099-int',
      mediaType: 'application/pdf',
    });
    let reads = 0;
    const counting: DocumentAi = { ...local, analyze: (input) => ((reads += 1), local.analyze(input)) };
    const first = await runExtract(counting, document.id).run;
    const second = await runExtract(counting, document.id).run;
    expect(reads).toBe(1);
    expect(first.outcome).toBe('needs_review');
    // The retry answers as the first attempt did, from what was stored.
    expect(second).toEqual({ ...first, outcome: 'already_read', detectedCategory: null });
  });

  it('stores a confident Azure extraction as extracted when every field clears the threshold', async () => {
    const document = await storedDocument(await fixture('bank-statement.pdf'), {
      category: 'bank-statement',
      mediaType: 'application/pdf',
    });
    const result = await runExtract(azure(), document.id, { threshold: 0.5 }).run;
    expect(result).toMatchObject({
      outcome: 'extracted',
      needsReview: false,
      model: 'prebuilt-bankStatement.us',
      missingFields: [],
      lowConfidenceFields: [],
    });
    const stored = await reload(document.id);
    expect(stored.ocrStatus).toBe('extracted');
    expect(stored.extractedFields?.find((f) => f.name === 'EndingBalance')).toMatchObject({
      value: 13395.42,
      page: 2,
    });
  });

  it("uses the firm's review threshold and sends a form filed as the wrong kind to review", async () => {
    const document = await storedDocument(await fixture('1099-int.pdf'), {
      category: 'w2',
      mediaType: 'application/pdf',
    });
    const result = await runExtract(local, document.id).run;
    expect(result).toMatchObject({ outcome: 'needs_review', category: 'w2', detectedCategory: '1099-int' });
    // The 1099-INT's own box 4 is named like the W-2's box 2, so only the other W-2 fields are missing.
    expect(result.missingFields).toEqual(['EmployerName', 'EmployerEin', 'WagesTipsAndOtherCompensation']);
    expect(result.warnings).toContain('This looks like a 1099-INT, not the W-2 that was asked for.');
  });

  describe('failures, classified for Temporal', () => {
    it('throttling with a long Retry-After: retryable, retried after the wait the service asked for', async () => {
      const document = await storedDocument(await fixture('w2-text-layer.pdf'), {
        category: 'w2',
        mediaType: 'application/pdf',
      });
      fake.inject({ on: 'analyze', status: 429, retryAfterSeconds: 90 });
      const failure = await failureOf(runExtract(azure(), document.id).run);
      expect(failure).toMatchObject({
        type: 'DocumentAiThrottled',
        nonRetryable: false,
        message: 'Document Intelligence is throttling requests (HTTP 429); it asked to wait 90 s',
      });
      expect(failure.nextRetryDelay).toBe(90_000);
      expect((await reload(document.id)).ocrStatus).toBe('pending');
    });

    it('a service that keeps failing: retryable, with the status in the reason', async () => {
      const document = await storedDocument(await fixture('w2-text-layer.pdf'), {
        category: 'w2',
        mediaType: 'application/pdf',
      });
      fake.inject({ on: 'poll', status: 503, times: 3 });
      const failure = await failureOf(runExtract(azure({ maxAttempts: 3 }), document.id).run);
      expect(failure).toMatchObject({
        type: 'DocumentAiUnavailable',
        nonRetryable: false,
        message: 'Document Intelligence is unavailable (HTTP 503 ServiceUnavailable) (gave up after 3 tries)',
      });
    });

    it('a service that does not answer in time: retryable timeout', async () => {
      const document = await storedDocument(await fixture('w2-text-layer.pdf'), {
        category: 'w2',
        mediaType: 'application/pdf',
      });
      fake.inject({ on: 'analyze', delayMs: 300, times: 2 });
      const failure = await failureOf(
        runExtract(azure({ requestTimeoutMs: 100, maxAttempts: 2 }), document.id).run,
      );
      expect(failure).toMatchObject({ type: 'DocumentAiTimeout', nonRetryable: false });
      expect(failure.message).toContain('did not answer within 100 ms');
    });

    it('a bad key: not retried, and the reason tells ops which setting to fix; the document stays pending', async () => {
      const document = await storedDocument(await fixture('w2-text-layer.pdf'), {
        category: 'w2',
        mediaType: 'application/pdf',
      });
      const wrongKey = createAzureDocumentAi({ endpoint: fake.endpoint, key: 'not-the-right-key-000000000' });
      const failure = await failureOf(runExtract(wrongKey, document.id).run);
      expect(failure).toMatchObject({ type: 'DocumentAiAuthenticationFailed', nonRetryable: true });
      expect(failure.message).toContain(
        'Ops: check AZURE_DOCUMENT_INTELLIGENCE_KEY and AZURE_DOCUMENT_INTELLIGENCE_ENDPOINT',
      );
      expect(failure.message).not.toContain('not-the-right-key');
      expect((await reload(document.id)).ocrStatus).toBe('pending');
    });

    it('a damaged file: not retried, and the document is marked unreadable with the reason', async () => {
      const document = await storedDocument(new TextEncoder().encode('%PDF-1.7 truncated upload'), {
        category: 'w2',
        mediaType: 'application/pdf',
      });
      const failure = await failureOf(runExtract(azure(), document.id).run);
      expect(failure).toMatchObject({ type: 'DocumentAiBadDocument', nonRetryable: true });
      const stored = await reload(document.id);
      expect(stored.ocrStatus).toBe('failed');
      expect(stored.extractionWarnings).toEqual([failure.message]);

      const again = await failureOf(runExtract(azure(), document.id).run);
      expect(again).toMatchObject({
        type: 'DocumentAiBadDocument',
        nonRetryable: true,
        message: failure.message,
      });
    });

    it('a type the reader cannot read: not retried, marked unreadable', async () => {
      const document = await storedDocument(await fixture('w2-scanned.png'), {
        category: 'w2',
        mediaType: 'image/gif',
      });
      const failure = await failureOf(runExtract(local, document.id).run);
      expect(failure).toMatchObject({
        type: 'DocumentAiUnsupportedType',
        nonRetryable: true,
        message: 'The local reader reads PDFs and PNG, JPEG, TIFF or BMP images, not image/gif.',
      });
      expect((await reload(document.id)).ocrStatus).toBe('failed');
    });

    it('a file missing from storage, a worker without storage and an unknown document: not retried', async () => {
      const missing = await storedDocument(await fixture('w2-text-layer.pdf'), {
        category: 'w2',
        mediaType: 'application/pdf',
        upload: false,
      });
      expect(await failureOf(runExtract(local, missing.id).run)).toMatchObject({
        type: 'DocumentContentMissing',
        nonRetryable: true,
        message: 'The uploaded file is missing from document storage; ask the client to upload it again.',
      });

      const document = await storedDocument(await fixture('w2-text-layer.pdf'), {
        category: 'w2',
        mediaType: 'application/pdf',
      });
      expect(await failureOf(runExtract(local, document.id, { storage: false }).run)).toMatchObject({
        type: 'DocumentStorageNotConfigured',
        nonRetryable: true,
      });

      expect(await failureOf(runExtract(local, randomUUID()).run)).toMatchObject({
        type: 'AppError:not_found',
        nonRetryable: true,
        message: 'Document not found.',
      });
    });

    it('stops promptly when the activity is cancelled, leaving the document pending', async () => {
      const slow = await startDocumentIntelligenceFake({
        apiKey,
        runningPolls: 10_000,
        retryAfterSeconds: 0,
      });
      try {
        const document = await storedDocument(await fixture('w2-text-layer.pdf'), {
          category: 'w2',
          mediaType: 'application/pdf',
        });
        const reader = createAzureDocumentAi({ endpoint: slow.endpoint, key: apiKey, pollIntervalMs: 20 });
        const { run, env, heartbeats } = runExtract(reader, document.id);
        env.on('heartbeat', () => {
          if (heartbeats.length === 5) env.cancel();
        });
        const error = await run.then(
          () => null,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(CancelledFailure);
        const polls = slow.requests.length;
        await new Promise((resolve) => setTimeout(resolve, 150));
        expect(slow.requests.length).toBe(polls);
        expect((await reload(document.id)).ocrStatus).toBe('pending');
      } finally {
        await slow.close();
      }
    });
  });
});
