import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../lib/errors';
import type { TActor } from '../audit/actor';
import { recordAuditEvent } from '../audit/record-audit-event';
import { Engagement } from '../engagements/engagement.entity';
import { Document, type IDocument } from './document.entity';
import { DocumentRequest } from './document-request.entity';

export interface TRecordDocumentInput {
  organizationId: string;
  engagementId: string;
  requestId?: string;
  blobKey: string;
  sha256: string;
  sizeBytes: number;
  mediaType: string;
  originalFileName: string;
  category: string;
  uploadedByContactId?: string;
  actor: TActor;
}

/**
 * Records an uploaded file against an engagement. Idempotent by blob key; the same content
 * (sha256) uploaded again to the same engagement is recognised as a duplicate and not recorded twice.
 */
export async function recordDocument(
  em: EntityManager,
  input: TRecordDocumentInput,
): Promise<{ document: IDocument; duplicate: boolean }> {
  if (!/^[0-9a-f]{64}$/.test(input.sha256)) {
    throw new AppError('invalid_input', 'The file could not be verified. Please upload it again.', {
      reason: 'invalid_sha256',
    });
  }
  return em.transactional(async (tx) => {
    const sameBlob = await tx.findOne(Document, {
      blobKey: input.blobKey,
      organization: input.organizationId,
    });
    if (sameBlob) return { document: sameBlob, duplicate: false };
    const engagement = await tx.findOne(Engagement, {
      id: input.engagementId,
      organization: input.organizationId,
    });
    if (!engagement) throw new AppError('not_found', 'Engagement not found.');
    const sameContent = await tx.findOne(Document, {
      organization: input.organizationId,
      engagement: engagement.id,
      sha256: input.sha256,
    });
    if (sameContent) return { document: sameContent, duplicate: true };

    const request = input.requestId
      ? await tx.findOne(DocumentRequest, { id: input.requestId, engagement: engagement.id })
      : null;
    if (input.requestId && !request) throw new AppError('not_found', 'Document request not found.');
    if (request?.status === 'open' || request?.status === 'rejected') request.status = 'received';

    const document = tx.create(Document, {
      organization: input.organizationId,
      client: engagement.client,
      engagement,
      request,
      blobKey: input.blobKey,
      sha256: input.sha256,
      sizeBytes: input.sizeBytes,
      mediaType: input.mediaType,
      originalFileName: input.originalFileName,
      category: input.category,
      ocrStatus: 'pending',
      reviewStatus: 'pending',
      uploadedByContact: input.uploadedByContactId ?? null,
    });
    recordAuditEvent(tx, {
      organizationId: input.organizationId,
      actor: input.actor,
      action: 'document.recorded',
      target: { type: 'document', id: document.id },
      details: { engagementId: engagement.id, requestId: request?.id ?? null, category: input.category },
    });
    return { document, duplicate: false };
  });
}
