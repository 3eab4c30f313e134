import type { MikroORM } from '@mikro-orm/postgresql';
import { heartbeat, log } from '@temporalio/activity';
import { systemActor } from '../../db/audit/actor';
import { completeDocumentUpload } from '../../db/documents/complete-document-upload';
import { forTenant } from '../../db/tenancy/tenant-context';
import type { BlobStorage } from '../../integrations/storage/blob-storage';
import { failFastOnBusinessErrors } from '../shared/business-errors';

export interface DocumentUploadActivityDeps {
  orm: MikroORM;
  storage: BlobStorage;
}

export interface TVerifyDocumentUploadResult {
  status: 'verified' | 'duplicate' | 'rejected';
  /** The Document the upload became (or duplicated); null when it was rejected. */
  documentId: string | null;
  /** Why it was rejected, in words for the uploader. */
  reason: string | null;
}

/**
 * Activities for browser uploads (run on the `documents` task queue: they stream whole files).
 * Storage and database failures are retried by Temporal; a missing or expired upload fails at once.
 * Abandoned uploads are swept by the platform maintenance schedule (activities/maintenance).
 */
export function createDocumentUploadActivities({ orm, storage }: DocumentUploadActivityDeps) {
  return {
    /**
     * Verifies an uploaded file (size, sniffed type, SHA-256) and records it as a Document, or
     * rejects it with a reason and deletes it. Idempotent: a retry returns the first outcome.
     */
    async verifyDocumentUpload(input: {
      organizationId: string;
      uploadId: string;
      uploadedBy: { type: 'contact' | 'user'; id: string };
    }): Promise<TVerifyDocumentUploadResult> {
      return failFastOnBusinessErrors(async () => {
        heartbeat();
        const result = await completeDocumentUpload(forTenant(orm, input.organizationId), storage, {
          organizationId: input.organizationId,
          uploadId: input.uploadId,
          uploadedBy: input.uploadedBy,
          actor: systemActor,
        });
        if (result.status === 'rejected') {
          log.info('upload rejected', { uploadId: input.uploadId, code: result.code });
          return { status: 'rejected', documentId: null, reason: result.reason };
        }
        return { status: result.status, documentId: result.document.id, reason: null };
      });
    },
  };
}

export type DocumentUploadActivities = ReturnType<typeof createDocumentUploadActivities>;
