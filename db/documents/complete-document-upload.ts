import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../lib/errors';
import { documentBlobKey } from '../../integrations/storage/blob-keys';
import type { BlobStorage, TUploadRejectionCode } from '../../integrations/storage/blob-storage';
import type { TUploadMediaType } from '../../integrations/storage/media-types';
import type { TActor } from '../audit/actor';
import { recordAuditEvent } from '../audit/record-audit-event';
import { Document, type IDocument } from './document.entity';
import {
  DocumentUpload,
  type IDocumentUpload,
  type TUploadRejectionCode as TStoredRejectionCode,
} from './document-upload.entity';
import { recordDocument } from './record-document';

/** A finished upload may still be completed this long after its URL expired (a slow connection). */
export const uploadCompletionGraceSeconds = 15 * 60;

// The rejection codes the storage port returns are exactly the ones the table stores.
const sameCodes: [TUploadRejectionCode, TStoredRejectionCode] extends [
  TStoredRejectionCode,
  TUploadRejectionCode,
]
  ? true
  : never = true;
void sameCodes;

export type TCompleteDocumentUploadResult =
  | { status: 'verified'; upload: IDocumentUpload; document: IDocument }
  | { status: 'duplicate'; upload: IDocumentUpload; document: IDocument }
  | { status: 'rejected'; upload: IDocumentUpload; code: TUploadRejectionCode; reason: string };

export interface TCompleteDocumentUploadInput {
  organizationId: string;
  uploadId: string;
  /** Only this uploader may complete it: the portal contact or staff member who started it. */
  uploadedBy: { type: 'contact' | 'user'; id: string };
  /** The SHA-256 the browser computed, when it could. */
  expectedSha256?: string;
  actor: TActor;
  now?: Date;
}

/**
 * Verifies an uploaded file and, when it passes, makes it a Document.
 *
 * The file is read once from its upload key (size within the limit and as declared, media type
 * sniffed from its bytes and matching the declared one, SHA-256). A refused file is deleted and the
 * reason kept on the upload. A file whose content the engagement already has is linked to that
 * Document and deleted. Otherwise exactly the version that was read is copied to a document key that
 * no upload URL can write (so the file cannot be swapped after the check), recorded with
 * `recordDocument`, and the upload blob is deleted.
 *
 * Safe to call again (a retried activity, a double click): a finished upload returns its outcome.
 */
export async function completeDocumentUpload(
  em: EntityManager,
  storage: BlobStorage,
  input: TCompleteDocumentUploadInput,
): Promise<TCompleteDocumentUploadResult> {
  const now = input.now ?? new Date();
  const upload = await em.findOne(
    DocumentUpload,
    {
      id: input.uploadId,
      organization: input.organizationId,
      ...(input.uploadedBy.type === 'contact'
        ? { uploadedByContact: input.uploadedBy.id }
        : { uploadedByUser: input.uploadedBy.id }),
    },
    { populate: ['document'] },
  );
  if (!upload) throw new AppError('not_found', 'This upload could not be found.');

  const finished = await finishedOutcome(storage, upload);
  if (finished) return finished;
  if (
    upload.status === 'expired' ||
    now.getTime() > upload.expiresAt.getTime() + uploadCompletionGraceSeconds * 1000
  ) {
    await expireUpload(em, storage, upload, now);
    throw new AppError(
      'expired',
      'This upload took too long and has expired. Please upload the file again.',
      {
        reason: 'upload_expired',
      },
    );
  }

  const verification = await storage.verifyUpload({
    key: upload.blobKey,
    declaredType: upload.declaredMediaType as TUploadMediaType,
    maxBytes: upload.maxBytes,
    expectedBytes: upload.declaredSizeBytes,
    expectedSha256: input.expectedSha256,
  });
  if (!verification.ok) return reject(em, storage, upload, verification, input.actor, now);

  const existing = await em.findOne(Document, {
    organization: input.organizationId,
    engagement: upload.engagement.id,
    sha256: verification.sha256,
  });
  if (existing) {
    await markDuplicate(em, upload, existing, verification, now);
    await storage.deleteBlob(upload.blobKey);
    return { status: 'duplicate', upload, document: existing };
  }

  // Derived from the upload, so a retry copies to (and records) the same key.
  const finalKey = documentBlobKey(input.organizationId, upload.id);
  const copied = await storage.copyBlob({
    from: upload.blobKey,
    to: finalKey,
    etag: verification.etag,
    contentType: verification.mediaType,
  });
  if (!copied) {
    return reject(
      em,
      storage,
      upload,
      {
        code: 'missing',
        reason: 'The file changed while we were checking it. Please upload it again.',
        sizeBytes: verification.sizeBytes,
        sniffedType: verification.mediaType,
      },
      input.actor,
      now,
    );
  }

  const { document, duplicate } = await em.transactional(async (tx) => {
    const recorded = await recordDocument(tx, {
      organizationId: input.organizationId,
      engagementId: upload.engagement.id,
      requestId: upload.request?.id,
      blobKey: finalKey,
      sha256: verification.sha256,
      sizeBytes: verification.sizeBytes,
      mediaType: verification.mediaType,
      originalFileName: upload.fileName,
      category: upload.category,
      uploadedByContactId: upload.uploadedByContact?.id,
      actor: input.actor,
    });
    const row = await tx.findOneOrFail(DocumentUpload, { id: upload.id });
    Object.assign(row, {
      status: recorded.duplicate ? 'duplicate' : 'verified',
      sha256: verification.sha256,
      sizeBytes: verification.sizeBytes,
      mediaType: verification.mediaType,
      document: recorded.document,
      completedAt: now,
    } satisfies Partial<IDocumentUpload>);
    return recorded;
  });
  // Same content recorded by a concurrent upload in the meantime: this copy is not needed.
  if (duplicate) await storage.deleteBlob(finalKey);
  await storage.deleteBlob(upload.blobKey);
  const fresh = await em.findOneOrFail(DocumentUpload, { id: upload.id }, { refresh: true });
  return { status: duplicate ? 'duplicate' : 'verified', upload: fresh, document };
}

/** The outcome of an upload that was already completed (after making sure its upload blob is gone). */
async function finishedOutcome(
  storage: BlobStorage,
  upload: IDocumentUpload,
): Promise<TCompleteDocumentUploadResult | null> {
  if ((upload.status === 'verified' || upload.status === 'duplicate') && upload.document) {
    await storage.deleteBlob(upload.blobKey);
    return { status: upload.status, upload, document: upload.document };
  }
  if (upload.status === 'rejected') {
    await storage.deleteBlob(upload.blobKey);
    return {
      status: 'rejected',
      upload,
      code: upload.rejectionCode ?? 'missing',
      reason: upload.rejectionReason ?? 'The file could not be accepted. Please upload it again.',
    };
  }
  return null;
}

async function reject(
  em: EntityManager,
  storage: BlobStorage,
  upload: IDocumentUpload,
  refusal: {
    code: TUploadRejectionCode;
    reason: string;
    sizeBytes: number | null;
    sniffedType: string | null;
  },
  actor: TActor,
  now: Date,
): Promise<TCompleteDocumentUploadResult> {
  // Recorded before the blob is deleted: a retry after a failed delete finds the reason and deletes again.
  await em.transactional(async (tx) => {
    const row = await tx.findOneOrFail(DocumentUpload, { id: upload.id });
    Object.assign(row, {
      status: 'rejected',
      rejectionCode: refusal.code,
      rejectionReason: refusal.reason.slice(0, 300),
      sizeBytes: refusal.sizeBytes,
      mediaType: refusal.sniffedType,
      completedAt: now,
    } satisfies Partial<IDocumentUpload>);
    recordAuditEvent(tx, {
      organizationId: upload.organization.id,
      actor,
      action: 'document_upload.rejected',
      target: { type: 'document_upload', id: upload.id },
      details: {
        code: refusal.code,
        declaredMediaType: upload.declaredMediaType,
        sniffedMediaType: refusal.sniffedType,
        sizeBytes: refusal.sizeBytes,
        engagementId: upload.engagement.id,
        requestId: upload.request?.id ?? null,
      },
    });
  });
  await storage.deleteBlob(upload.blobKey);
  const fresh = await em.findOneOrFail(DocumentUpload, { id: upload.id }, { refresh: true });
  return { status: 'rejected', upload: fresh, code: refusal.code, reason: refusal.reason };
}

async function markDuplicate(
  em: EntityManager,
  upload: IDocumentUpload,
  existing: IDocument,
  verification: { sha256: string; sizeBytes: number; mediaType: string },
  now: Date,
): Promise<void> {
  await em.transactional(async (tx) => {
    const row = await tx.findOneOrFail(DocumentUpload, { id: upload.id });
    Object.assign(row, {
      status: 'duplicate',
      sha256: verification.sha256,
      sizeBytes: verification.sizeBytes,
      mediaType: verification.mediaType,
      document: tx.getReference(Document, existing.id),
      completedAt: now,
    } satisfies Partial<IDocumentUpload>);
  });
  upload.status = 'duplicate';
  upload.document = existing;
}

async function expireUpload(
  em: EntityManager,
  storage: BlobStorage,
  upload: IDocumentUpload,
  now: Date,
): Promise<void> {
  // The file first: an upload marked expired is never looked at again, so a failed delete must
  // leave it pending for the next sweep.
  await storage.deleteBlob(upload.blobKey);
  if (upload.status !== 'expired') {
    await em.nativeUpdate(
      DocumentUpload,
      { id: upload.id, status: 'pending' },
      { status: 'expired', completedAt: now },
    );
  }
}

/**
 * Expires uploads nobody completed (their URL ran out more than the grace period ago) and deletes
 * whatever was uploaded for them, so an abandoned or oversized upload never stays in storage. A sweep
 * over every firm: pass `forSystem(orm, ...)`. Returns how many were expired; call until it returns 0.
 */
export async function expireAbandonedUploads(
  em: EntityManager,
  storage: BlobStorage,
  { now = new Date(), limit = 100 }: { now?: Date; limit?: number } = {},
): Promise<number> {
  const cutoff = new Date(now.getTime() - uploadCompletionGraceSeconds * 1000);
  const stale = await em.find(
    DocumentUpload,
    { status: 'pending', expiresAt: { $lt: cutoff } },
    { orderBy: { expiresAt: 'asc' }, limit },
  );
  for (const upload of stale) await expireUpload(em, storage, upload, now);
  return stale.length;
}
