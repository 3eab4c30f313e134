/**
 * Browser uploads from start to Document, against real Postgres and Azurite: a good file becomes a
 * Document under a key no upload URL can write; a bad one is refused with its reason and deleted;
 * the same content twice is recognised; retries and double clicks give the first outcome.
 */
import { randomUUID } from 'node:crypto';
import {
  afterAll,
  afterEach,
  beforeAll,
  beforeEach,
  describe,
  expect,
  it,
  vi,
  type MockInstance,
} from 'vitest';
import { documentBlobKey, uploadBlobKey } from '../../integrations/storage/blob-keys';
import { createBlobStorage } from '../../integrations/storage/blob-storage';
import type { TUploadMediaType } from '../../integrations/storage/media-types';
import { samplePdf, samplePng } from '../../integrations/storage/testing/sample-files';
import { isAppError } from '../../lib/errors';
import { createTestDatabase, dropTestDatabase } from '../../tests/support/databases';
import { AuditEvent } from '../audit/audit-event.entity';
import { systemActor, type TActor } from '../audit/actor';
import { createClient } from '../clients/create-client';
import { Engagement } from '../engagements/engagement.entity';
import { startEngagementRecord } from '../engagements/start-engagement-record';
import { Organization, defaultOrganizationSettings } from '../organizations/organization.entity';
import { createOrm, type Orm } from '../orm';
import { forSystem, forTenant } from '../tenancy/tenant-context';
import { completeDocumentUpload, expireAbandonedUploads } from './complete-document-upload';
import { Document } from './document.entity';
import { DocumentRequest } from './document-request.entity';
import { DocumentUpload } from './document-upload.entity';
import { maxPendingUploadsPerClient, startDocumentUpload } from './start-document-upload';

const storage = createBlobStorage({
  connectionString: process.env.AZURE_STORAGE_CONNECTION_STRING!,
  containerName: process.env.BLOB_CONTAINER!,
});

let url: string;
let orm: Orm;
let firmId: string;
let clientId: string;
let contactId: string;
let otherContactId: string;
let otherClientId: string;
let engagementId: string;
let requestId: string;
let contact: TActor;

async function newEngagement(client: string): Promise<string> {
  const id = randomUUID();
  await startEngagementRecord(forTenant(orm, firmId), {
    actor: systemActor,
    organizationId: firmId,
    engagementId: id,
    clientId: client,
    type: 'document_intake',
    title: '2026 documents',
    workflowId: `intake:${id}`,
    runId: randomUUID(),
    stage: 'collecting',
    progress: 10,
  });
  return id;
}

async function newRequest(engagement: string, status: DocumentRequestStatus = 'open'): Promise<string> {
  const em = forTenant(orm, firmId);
  const request = em.create(DocumentRequest, {
    organization: firmId,
    engagement,
    category: 'w2',
    label: 'W-2 from each employer',
    status,
  });
  await em.flush();
  return request.id;
}
type DocumentRequestStatus = 'open' | 'received' | 'accepted' | 'rejected' | 'waived';

beforeAll(async () => {
  url = await createTestDatabase('document uploads');
  orm = await createOrm({ databaseUrl: url, poolMax: 4 });
  const em = forSystem(orm, 'test setup: the firm');
  const firm = em.create(Organization, {
    name: 'Ledger & Co',
    slug: 'ledger-co',
    settings: defaultOrganizationSettings,
  });
  await em.flush();
  firmId = firm.id;
  clientId = randomUUID();
  contactId = randomUUID();
  otherContactId = randomUUID();
  await createClient(forTenant(orm, firmId), {
    actor: systemActor,
    organizationId: firmId,
    clientId,
    kind: 'individual',
    displayName: 'Ava Martinez',
    contact: { id: contactId, name: 'Ava Martinez', email: 'ava@example.test' },
  });
  const otherClient = randomUUID();
  otherClientId = otherClient;
  await createClient(forTenant(orm, firmId), {
    actor: systemActor,
    organizationId: firmId,
    clientId: otherClient,
    kind: 'individual',
    displayName: 'Ben Other',
    contact: { id: otherContactId, name: 'Ben Other', email: 'ben@example.test' },
  });
  engagementId = await newEngagement(clientId);
  requestId = await newRequest(engagementId);
  contact = { type: 'contact', id: contactId };
});

afterAll(async () => {
  await orm?.close(true);
  if (url) await dropTestDatabase(url);
});

let consoleError: MockInstance<typeof console.error>;
beforeEach(() => {
  consoleError = vi.spyOn(console, 'error');
});
afterEach(() => {
  expect(consoleError, 'no unexpected console.error').not.toHaveBeenCalled();
  consoleError.mockRestore();
});

/** What the web endpoints do: start an upload, hand out its URL, the browser PUTs the file. */
async function upload(
  body: Buffer,
  {
    mediaType = 'application/pdf',
    fileName = 'W-2 Acme 2026.pdf',
    request = requestId,
    sizeBytes = body.length,
    maxBytes = 1024 * 1024,
    expiresInSeconds = 600,
  }: {
    mediaType?: TUploadMediaType;
    fileName?: string;
    request?: string;
    sizeBytes?: number;
    maxBytes?: number;
    expiresInSeconds?: number;
  } = {},
) {
  const uploadId = randomUUID();
  const blobKey = uploadBlobKey(firmId, uploadId);
  const target = await storage.createUploadUrl({
    key: blobKey,
    contentType: mediaType,
    maxBytes,
    expiresInSeconds,
  });
  await startDocumentUpload(forTenant(orm, firmId), {
    organizationId: firmId,
    uploadId,
    blobKey,
    clientId,
    requestId: request,
    fileName,
    mediaType,
    sizeBytes,
    maxBytes,
    expiresAt: target.expiresAt,
    actor: contact,
  });
  const response = await fetch(target.url, {
    method: 'PUT',
    headers: target.headers,
    body: new Uint8Array(body),
  });
  expect(response.status).toBe(201);
  return { uploadId, blobKey };
}

const complete = (uploadId: string, extra: { now?: Date; expectedSha256?: string; by?: string } = {}) =>
  completeDocumentUpload(forTenant(orm, firmId), storage, {
    organizationId: firmId,
    uploadId,
    uploadedBy: { type: 'contact', id: extra.by ?? contactId },
    expectedSha256: extra.expectedSha256,
    actor: contact,
    now: extra.now,
  });

const blobExists = (key: string) => storage.container.getBlobClient(key).exists();

async function appError(
  promise: Promise<unknown>,
): Promise<{ reason?: string; userMessage: string; code: string }> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isAppError(error)) throw new Error(`expected an AppError, got ${String(error)}`);
  return error;
}

describe('completing an upload', () => {
  it('makes a good file a Document under its own key, marks the request received and removes the upload blob', async () => {
    const pdf = await samplePdf('Form W-2 for Ava');
    const { uploadId, blobKey } = await upload(pdf);
    const result = await complete(uploadId);
    expect(result.status).toBe('verified');
    if (result.status !== 'verified') return;
    const finalKey = documentBlobKey(firmId, uploadId);
    expect(result.document).toMatchObject({
      blobKey: finalKey,
      sizeBytes: pdf.length,
      mediaType: 'application/pdf',
      originalFileName: 'W-2 Acme 2026.pdf',
      category: 'w2',
      ocrStatus: 'pending',
    });
    expect(result.upload).toMatchObject({
      status: 'verified',
      sha256: result.document.sha256,
      rejectionReason: null,
    });
    expect(finalKey).not.toContain('Ava');
    expect(await blobExists(blobKey)).toBe(false);
    expect(await storage.container.getBlobClient(finalKey).downloadToBuffer()).toEqual(pdf);
    const request = await forTenant(orm, firmId).findOneOrFail(DocumentRequest, { id: requestId });
    expect(request.status).toBe('received');

    // A double click or a retried activity gets the same answer and changes nothing.
    const again = await complete(uploadId);
    expect(again.status).toBe('verified');
    expect(again.status === 'verified' && again.document.id).toBe(result.document.id);
    expect(await forTenant(orm, firmId).count(Document, { blobKey: finalKey })).toBe(1);
  });

  it('refuses a PNG declared as a PDF: the reason is kept, the blob deleted, and asking again says the same', async () => {
    const { uploadId, blobKey } = await upload(samplePng(), { fileName: 'scan.pdf' });
    const result = await complete(uploadId);
    expect(result).toMatchObject({
      status: 'rejected',
      code: 'type_mismatch',
      reason: 'The file is a PNG image, not a PDF. Please choose the right file or upload it as what it is.',
    });
    expect(await blobExists(blobKey)).toBe(false);
    const row = await forTenant(orm, firmId).findOneOrFail(DocumentUpload, { id: uploadId });
    expect(row).toMatchObject({
      status: 'rejected',
      rejectionCode: 'type_mismatch',
      mediaType: 'image/png',
      document: null,
    });
    expect(row.rejectionReason).toMatch(/PNG image, not a PDF/);
    const audits = await forTenant(orm, firmId).find(AuditEvent, {
      action: 'document_upload.rejected',
      targetId: uploadId,
    });
    expect(audits).toHaveLength(1);
    expect(audits[0]!.details).toMatchObject({ code: 'type_mismatch', declaredMediaType: 'application/pdf' });
    expect(JSON.stringify(audits[0]!.details)).not.toContain('scan.pdf');
    expect(await complete(uploadId)).toMatchObject({ status: 'rejected', code: 'type_mismatch' });
    expect(await forTenant(orm, firmId).count(Document, { originalFileName: 'scan.pdf' })).toBe(0);
  });

  it('refuses and deletes a file larger than the limit it was given, whatever was declared', async () => {
    const big = Buffer.concat([await samplePdf(), Buffer.alloc(70 * 1024, 0x20)]);
    const { uploadId, blobKey } = await upload(big, { sizeBytes: 1000, maxBytes: 64 * 1024 });
    expect(await complete(uploadId)).toMatchObject({ status: 'rejected', code: 'too_large' });
    expect(await blobExists(blobKey)).toBe(false);
  });

  it('recognises content the engagement already has and links the existing Document', async () => {
    const pdf = await samplePdf('The same 1099-INT');
    const first = await upload(pdf, { fileName: '1099.pdf' });
    const original = await complete(first.uploadId);
    const second = await upload(pdf, { fileName: '1099 again.pdf' });
    const duplicate = await complete(second.uploadId);
    expect(duplicate.status).toBe('duplicate');
    expect(duplicate.status === 'duplicate' && original.status === 'verified').toBe(true);
    if (duplicate.status !== 'duplicate' || original.status !== 'verified') return;
    expect(duplicate.document.id).toBe(original.document.id);
    expect(duplicate.upload.status).toBe('duplicate');
    expect(await blobExists(second.blobKey)).toBe(false);
    expect(await blobExists(documentBlobKey(firmId, second.uploadId))).toBe(false);
  });

  it('refuses a file damaged in transit (the browser’s hash differs)', async () => {
    const { uploadId } = await upload(await samplePdf());
    expect(await complete(uploadId, { expectedSha256: '0'.repeat(64) })).toMatchObject({
      status: 'rejected',
      code: 'checksum_mismatch',
    });
  });

  it('lets only the person who started the upload complete it', async () => {
    const { uploadId, blobKey } = await upload(await samplePdf());
    const error = await appError(complete(uploadId, { by: otherContactId }));
    expect(error.code).toBe('not_found');
    expect(await blobExists(blobKey)).toBe(true);
    const otherFirm = await appError(
      completeDocumentUpload(forTenant(orm, randomUUID()), storage, {
        organizationId: firmId,
        uploadId,
        uploadedBy: { type: 'contact', id: contactId },
        actor: contact,
      }),
    );
    expect(otherFirm.code).toBe('not_found');
  });

  it('expires an upload completed long after its URL ran out, deleting the file', async () => {
    const { uploadId, blobKey } = await upload(await samplePdf());
    const error = await appError(complete(uploadId, { now: new Date(Date.now() + 2 * 3600_000) }));
    expect(error).toMatchObject({ code: 'expired', reason: 'upload_expired' });
    expect(await blobExists(blobKey)).toBe(false);
    expect((await forTenant(orm, firmId).findOneOrFail(DocumentUpload, { id: uploadId })).status).toBe(
      'expired',
    );
  });
});

describe('starting an upload', () => {
  const start = (overrides: Partial<Parameters<typeof startDocumentUpload>[1]>) => {
    const uploadId = randomUUID();
    return startDocumentUpload(forTenant(orm, firmId), {
      organizationId: firmId,
      uploadId,
      blobKey: uploadBlobKey(firmId, uploadId),
      clientId,
      requestId,
      fileName: 'w2.pdf',
      mediaType: 'application/pdf',
      sizeBytes: 1000,
      maxBytes: 1024 * 1024,
      expiresAt: new Date(Date.now() + 600_000),
      actor: contact,
      ...overrides,
    });
  };

  it('refuses a request of another client, a waived request and a closed engagement, writing nothing', async () => {
    const before = await forTenant(orm, firmId).count(DocumentUpload, {});
    const otherClientRequest = await newRequest(await newEngagement(otherClientId));
    const foreign = await appError(start({ requestId: otherClientRequest }));
    expect(foreign.code).toBe('not_found');
    const wrongClient = await appError(start({ clientId: otherClientId }));
    expect(wrongClient.code).toBe('not_found');
    const waived = await appError(start({ requestId: await newRequest(engagementId, 'waived') }));
    expect(waived).toMatchObject({ code: 'conflict', reason: 'document_request_closed' });
    const closedEngagement = await newEngagement(clientId);
    await forTenant(orm, firmId).nativeUpdate(Engagement, { id: closedEngagement }, { status: 'completed' });
    const closed = await appError(start({ requestId: undefined, engagementId: closedEngagement }));
    expect(closed).toMatchObject({ code: 'conflict', reason: 'engagement_closed' });
    const nowhere = await appError(start({ requestId: undefined }));
    expect(nowhere).toMatchObject({ code: 'invalid_input', reason: 'upload_target_missing' });
    expect(await forTenant(orm, firmId).count(DocumentUpload, {})).toBe(before);
  });

  it('limits how many uploads a client may have in progress', async () => {
    const engagement = await newEngagement(clientId);
    const pending = await forTenant(orm, firmId).count(DocumentUpload, {
      client: clientId,
      status: 'pending',
    });
    for (let i = pending; i < maxPendingUploadsPerClient; i += 1) {
      await start({ requestId: undefined, engagementId: engagement });
    }
    const error = await appError(start({ requestId: undefined, engagementId: engagement }));
    expect(error).toMatchObject({ code: 'conflict', reason: 'too_many_pending_uploads' });
    // The sweep expires abandoned ones (and deletes whatever they uploaded), which frees the slots.
    const later = new Date(Date.now() + 2 * 3600_000);
    const { blobKey } = await forTenant(orm, firmId).findOneOrFail(
      DocumentUpload,
      { client: clientId, status: 'pending' },
      { orderBy: { createdAt: 'desc' } },
    );
    await storage.container.getBlockBlobClient(blobKey).uploadData(await samplePdf());
    expect(
      await expireAbandonedUploads(forSystem(orm, 'test: sweep'), storage, { now: later }),
    ).toBeGreaterThanOrEqual(maxPendingUploadsPerClient);
    expect(await blobExists(blobKey)).toBe(false);
    expect(await forTenant(orm, firmId).count(DocumentUpload, { client: clientId, status: 'pending' })).toBe(
      0,
    );
  });
});
