import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../lib/errors';
import { systemActor } from '../audit/actor';
import { recordAuditEvent } from '../audit/record-audit-event';
import { Document, type IDocument } from '../documents/document.entity';
import { Engagement } from '../engagements/engagement.entity';

/**
 * Records a close's generated report (a PDF already in blob storage) as a Document of the close.
 * Idempotent by blob key. Generated documents need no reading or review: they are accepted as made.
 */
export async function recordCloseReport(
  em: EntityManager,
  input: {
    organizationId: string;
    engagementId: string;
    blobKey: string;
    sha256: string;
    sizeBytes: number;
    fileName: string;
  },
): Promise<IDocument> {
  return em.transactional(async (tx) => {
    const existing = await tx.findOne(Document, {
      blobKey: input.blobKey,
      organization: input.organizationId,
    });
    if (existing) return existing;
    const engagement = await tx.findOne(Engagement, {
      id: input.engagementId,
      organization: input.organizationId,
    });
    if (!engagement || engagement.type !== 'monthly_close')
      throw new AppError('not_found', 'Close not found.');
    const document = tx.create(Document, {
      organization: input.organizationId,
      client: engagement.client,
      engagement,
      blobKey: input.blobKey,
      sha256: input.sha256,
      sizeBytes: input.sizeBytes,
      mediaType: 'application/pdf',
      originalFileName: input.fileName,
      category: 'close_report',
      ocrStatus: 'extracted',
      reviewStatus: 'accepted',
      reviewedAt: new Date(),
    });
    recordAuditEvent(tx, {
      organizationId: input.organizationId,
      actor: systemActor,
      action: 'close.report_recorded',
      target: { type: 'document', id: document.id },
      details: { engagementId: engagement.id },
    });
    return document;
  });
}
