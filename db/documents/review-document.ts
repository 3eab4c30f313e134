import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../lib/errors';
import type { TActor } from '../audit/actor';
import { recordAuditEvent } from '../audit/record-audit-event';
import { User } from '../users/user.entity';
import { Document, type IDocument, type TExtractedField } from './document.entity';
import { DocumentRequest } from './document-request.entity';

export interface TFieldCorrection {
  name: string;
  /** The right value as the reviewer typed it; empty clears the field. */
  value: string;
}

export interface TReviewDocumentInput {
  organizationId: string;
  documentId: string;
  decision: 'accept' | 'reject';
  /** Required to reject: shown to the client. Optional note when accepting. */
  reason?: string | null;
  corrections?: TFieldCorrection[];
  /** The reviewer; null when the platform accepted a confident, complete extraction by itself. */
  reviewerUserId: string | null;
  actor: TActor;
}

/** A corrected value keeps the field's kind: amounts stay numbers. */
function correctedValue(previous: TExtractedField['value'], typed: string): TExtractedField['value'] {
  const trimmed = typed.trim();
  if (trimmed === '') return null;
  if (typeof previous === 'number') {
    const number = Number(trimmed.replace(/[$,\s]/g, ''));
    if (Number.isFinite(number)) return number;
  }
  return trimmed;
}

/**
 * Records a review of an uploaded document: corrections to extracted fields (the reader's value is
 * kept as `correctedFrom`), then accept (the checklist item is accepted) or reject with a reason (the
 * item asks the client again, with the reason). Repeating the same decision changes nothing; a
 * different decision on a reviewed document is refused.
 */
export async function reviewDocument(em: EntityManager, input: TReviewDocumentInput): Promise<IDocument> {
  const reason = input.reason?.trim() ?? '';
  if (input.decision === 'reject' && reason.length < 3) {
    throw new AppError('invalid_input', 'Say why the document is rejected: the client will read it.', {
      reason: 'rejection_reason_required',
    });
  }
  return em.transactional(async (tx) => {
    const document = await tx.findOne(
      Document,
      { id: input.documentId, organization: input.organizationId },
      { populate: ['request'] },
    );
    if (!document) throw new AppError('not_found', 'Document not found.');
    const target = input.decision === 'accept' ? 'accepted' : 'rejected';
    if (document.reviewStatus === target) return document;
    if (document.reviewStatus !== 'pending') {
      throw new AppError('conflict', `This document was already ${document.reviewStatus}.`, {
        reason: 'invalid_status_transition',
      });
    }

    const corrections = input.corrections ?? [];
    if (corrections.length > 0) {
      const fields = [...(document.extractedFields ?? [])];
      for (const correction of corrections) {
        const index = fields.findIndex((f) => f.name === correction.name);
        const previous = index >= 0 ? fields[index] : undefined;
        const value = correctedValue(previous?.value ?? null, correction.value);
        if (previous && previous.value === value) continue;
        const corrected: TExtractedField = {
          name: correction.name,
          value,
          confidence: 1,
          page: previous?.page ?? null,
          boundingRegion: previous?.boundingRegion ?? null,
          ...(previous?.label ? { label: previous.label } : {}),
          correctedFrom: previous ? previous.value : null,
        };
        if (index >= 0) fields[index] = corrected;
        else fields.push(corrected);
      }
      document.extractedFields = fields;
    }

    document.reviewStatus = target;
    document.reviewedAt = new Date();
    document.reviewer = input.reviewerUserId ? tx.getReference(User, input.reviewerUserId) : null;
    document.reviewNote = reason ? reason.slice(0, 500) : null;

    const request = document.request
      ? await tx.findOne(DocumentRequest, { id: document.request.id, organization: input.organizationId })
      : null;
    if (request && request.status !== 'waived' && request.status !== 'withdrawn') {
      if (target === 'accepted') {
        request.status = 'accepted';
        request.rejectionReason = null;
      } else if (request.status !== 'accepted') {
        request.status = 'rejected';
        request.rejectionReason = reason.slice(0, 500);
      }
    }
    recordAuditEvent(tx, {
      organizationId: input.organizationId,
      actor: input.actor,
      action: target === 'accepted' ? 'document.accepted' : 'document.rejected',
      target: { type: 'document', id: document.id },
      details: {
        requestId: request?.id ?? null,
        corrected: corrections.map((c) => c.name),
        automatic: input.reviewerUserId === null,
      },
    });
    return document;
  });
}
