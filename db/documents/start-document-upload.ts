import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../lib/errors';
import type { TActor } from '../audit/actor';
import { Engagement } from '../engagements/engagement.entity';
import { DocumentRequest } from './document-request.entity';
import { DocumentUpload, type IDocumentUpload } from './document-upload.entity';

/** Uploads a client may have open (URL issued, not completed) at once. */
export const maxPendingUploadsPerClient = 20;

export interface TStartDocumentUploadInput {
  organizationId: string;
  /** Chosen by the caller so the blob key can be made from it before the row exists. */
  uploadId: string;
  blobKey: string;
  clientId: string;
  /** The checklist item the file answers; its engagement is used. */
  requestId?: string;
  /** Without a request: the engagement the file belongs to. */
  engagementId?: string;
  fileName: string;
  mediaType: string;
  sizeBytes: number;
  maxBytes: number;
  /** Without a request: what the file is (`other` unless given). */
  category?: string;
  expiresAt: Date;
  /** A portal contact (`contact`) or a staff member (`user`). */
  actor: TActor;
}

/**
 * Records that the platform is about to hand out an upload URL for one file, after checking that the
 * file is wanted: the request is this client's and still open, or the engagement is this client's.
 * Nothing is written when a check fails.
 */
export async function startDocumentUpload(
  em: EntityManager,
  input: TStartDocumentUploadInput,
): Promise<IDocumentUpload> {
  return em.transactional(async (tx) => {
    let engagementId = input.engagementId;
    let category = input.category ?? 'other';
    let requestId: string | null = null;
    if (input.requestId) {
      const request = await tx.findOne(
        DocumentRequest,
        { id: input.requestId, organization: input.organizationId, engagement: { client: input.clientId } },
        { populate: ['engagement'] },
      );
      if (!request) throw new AppError('not_found', 'This document request could not be found.');
      if (request.status === 'accepted' || request.status === 'waived') {
        throw new AppError('conflict', 'This document is no longer needed, so there is nothing to upload.', {
          reason: 'document_request_closed',
        });
      }
      if (engagementId && engagementId !== request.engagement.id) {
        throw new AppError('invalid_input', 'This document request belongs to another engagement.', {
          reason: 'request_engagement_mismatch',
        });
      }
      engagementId = request.engagement.id;
      category = request.category;
      requestId = request.id;
    }
    if (!engagementId) {
      throw new AppError('invalid_input', 'Choose which engagement or document request the file is for.', {
        reason: 'upload_target_missing',
      });
    }
    const engagement = await tx.findOne(Engagement, {
      id: engagementId,
      organization: input.organizationId,
      client: input.clientId,
    });
    if (!engagement) throw new AppError('not_found', 'This engagement could not be found.');
    if (engagement.status !== 'active') {
      throw new AppError('conflict', 'This engagement is closed, so it takes no more documents.', {
        reason: 'engagement_closed',
      });
    }

    const pending = await tx.count(DocumentUpload, {
      organization: input.organizationId,
      client: input.clientId,
      status: 'pending',
      expiresAt: { $gt: new Date() },
    });
    if (pending >= maxPendingUploadsPerClient) {
      throw new AppError(
        'conflict',
        'Too many uploads are in progress. Wait for them to finish, then try again.',
        { reason: 'too_many_pending_uploads' },
      );
    }

    return tx.create(DocumentUpload, {
      id: input.uploadId,
      organization: input.organizationId,
      client: input.clientId,
      engagement: engagement.id,
      request: requestId,
      uploadedByContact: input.actor.type === 'contact' ? (input.actor.id ?? null) : null,
      uploadedByUser: input.actor.type === 'user' ? (input.actor.id ?? null) : null,
      blobKey: input.blobKey,
      fileName: input.fileName,
      category,
      declaredMediaType: input.mediaType,
      declaredSizeBytes: input.sizeBytes,
      maxBytes: input.maxBytes,
      status: 'pending',
      expiresAt: input.expiresAt,
    });
  });
}
