import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../lib/errors';
import type { TActor } from '../audit/actor';
import { Document, type IDocument, type TExtractedField } from './document.entity';
import { recordExtraction } from './record-extraction';

export interface TRecordDocumentAnalysisInput {
  organizationId: string;
  documentId: string;
  /** What the document is, once read (the checklist item's category, or what the reader found). */
  category: string;
  fields: TExtractedField[];
  /** The reader's confidence in the document as a whole (0-1). */
  confidence: number;
  model: string;
  warnings: string[];
  requiredFields: string[];
  confidenceThreshold: number;
  actor: TActor;
}

export interface TDocumentAnalysisOutcome {
  document: IDocument;
  needsReview: boolean;
  missingFields: string[];
  lowConfidenceFields: string[];
}

/**
 * Stores what the document reader found (fields with confidence and page, the overall confidence,
 * model and warnings) through `recordExtraction`, and says whether a person must review it: any
 * field or the document as a whole below the firm's threshold, or a required field missing.
 */
export async function recordDocumentAnalysis(
  em: EntityManager,
  input: TRecordDocumentAnalysisInput,
): Promise<TDocumentAnalysisOutcome> {
  if (!(input.confidenceThreshold >= 0 && input.confidenceThreshold <= 1)) {
    throw new AppError('invalid_input', 'The review threshold must be between 0 and 1.');
  }
  return em.transactional(async (tx) => {
    const document = await recordExtraction(tx, {
      organizationId: input.organizationId,
      documentId: input.documentId,
      fields: input.fields,
      requiredFields: input.requiredFields,
      confidenceThreshold: input.confidenceThreshold,
      actor: input.actor,
    });
    const present = new Set(
      input.fields.filter((f) => f.value !== null && f.value !== '').map((f) => f.name),
    );
    const missingFields = input.requiredFields.filter((name) => !present.has(name));
    const lowConfidenceFields = input.fields
      .filter((f) => f.confidence < input.confidenceThreshold)
      .map((f) => f.name);
    const lowOverall = input.confidence < input.confidenceThreshold;
    const row = await tx.findOneOrFail(Document, { id: document.id, organization: input.organizationId });
    row.category = input.category.slice(0, 60);
    row.extractionConfidence = input.confidence;
    row.extractionModel = input.model.slice(0, 120);
    row.extractionWarnings = input.warnings.map((w) => w.slice(0, 300)).slice(0, 20);
    if (lowOverall) row.ocrStatus = 'needs_review';
    return {
      document: row,
      needsReview: row.ocrStatus === 'needs_review',
      missingFields,
      lowConfidenceFields,
    };
  });
}
