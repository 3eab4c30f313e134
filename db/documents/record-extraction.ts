import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../lib/errors';
import type { TActor } from '../audit/actor';
import { recordAuditEvent } from '../audit/record-audit-event';
import { Document, type IDocument, type TExtractedField } from './document.entity';

/**
 * Stores the fields read from a document. Below the firm's confidence threshold, or with a required
 * field missing, the document needs a person's review; otherwise it is extracted.
 */
export async function recordExtraction(
  em: EntityManager,
  input: {
    organizationId: string;
    documentId: string;
    fields: TExtractedField[];
    requiredFields: string[];
    confidenceThreshold: number;
    actor: TActor;
  },
): Promise<IDocument> {
  return em.transactional(async (tx) => {
    const document = await tx.findOne(Document, { id: input.documentId, organization: input.organizationId });
    if (!document) throw new AppError('not_found', 'Document not found.');
    if (document.reviewStatus !== 'pending') {
      throw new AppError('conflict', 'This document has already been reviewed.', {
        reason: 'invalid_status_transition',
      });
    }
    const present = new Set(
      input.fields.filter((f) => f.value !== null && f.value !== '').map((f) => f.name),
    );
    const missing = input.requiredFields.filter((name) => !present.has(name));
    const lowConfidence = input.fields
      .filter((f) => f.confidence < input.confidenceThreshold)
      .map((f) => f.name);
    document.extractedFields = input.fields;
    document.ocrStatus = missing.length > 0 || lowConfidence.length > 0 ? 'needs_review' : 'extracted';
    recordAuditEvent(tx, {
      organizationId: input.organizationId,
      actor: input.actor,
      action: 'document.extraction_recorded',
      target: { type: 'document', id: document.id },
      details: { ocrStatus: document.ocrStatus, fields: input.fields.length, missing, lowConfidence },
    });
    return document;
  });
}
