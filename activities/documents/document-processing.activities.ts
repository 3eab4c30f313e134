/**
 * Reading one uploaded document for intake (`documents` task queue). It runs the document-AI
 * activity (`extractDocument`, which streams the file, reads it and stores fields with confidence and
 * page) and turns its outcome into what intake needs: whether a person must review the document and
 * why, in words staff read (field labels, never values).
 */
import type { MikroORM } from '@mikro-orm/postgresql';
import { ApplicationFailure } from '@temporalio/activity';
import { Document } from '../../db/documents/document.entity';
import { forTenant } from '../../db/tenancy/tenant-context';
import {
  toDocumentCategory,
  type DocumentAi,
  type TDocumentCategory,
} from '../../integrations/document-ai/document-ai';
import { catalogField, categoryLabel, requiredFieldsFor } from '../../integrations/document-ai/field-catalog';
import type { BlobStorage } from '../../integrations/storage/blob-storage';
import { failFastOnBusinessErrors } from '../shared/business-errors';
import { createDocumentAiActivities, documentAiFailureTypes } from './extract-document.activities';

export interface DocumentProcessingActivityDeps {
  orm: MikroORM;
  storage: Pick<BlobStorage, 'container'>;
  documentAi: DocumentAi;
}

export type TReadIntakeDocumentResult =
  | { outcome: 'read'; category: string; needsReview: boolean; reviewReasons: string[]; confidence: number }
  | { outcome: 'unreadable'; reason: string };

/** Categories that say "the reader could not tell": they never contradict what the client was asked for. */
const vagueCategories = new Set<TDocumentCategory>(['other', 'unknown-tax-form']);
const unreadableTypes = new Set<string>([
  documentAiFailureTypes.bad_document,
  documentAiFailureTypes.unsupported_type,
]);

function fieldLabels(category: TDocumentCategory, names: string[]): string {
  return names.map((name) => catalogField(category, name)?.label ?? name).join('; ');
}

export function createDocumentProcessingActivities({
  orm,
  storage,
  documentAi,
}: DocumentProcessingActivityDeps) {
  const documentAiActivities = createDocumentAiActivities({ orm, storage, documentAi });
  return {
    /**
     * Classifies and reads a verified document (through `extractDocument`) and says whether staff
     * must review it: low confidence, missing required fields, or a document that is not what was
     * asked for. A file the reader cannot read (damaged, encrypted, unsupported) is reported as
     * unreadable rather than failing the workflow. Safe to repeat: a document already read is not
     * read again, and the same answer is worked out from what was stored.
     */
    async readIntakeDocument(input: {
      organizationId: string;
      documentId: string;
      /** What the checklist item asked for; null for an unrequested document. */
      expectedCategory: string | null;
      reviewConfidenceThreshold: number;
    }): Promise<TReadIntakeDocumentResult> {
      let extracted;
      try {
        extracted = await documentAiActivities.extractDocument({
          organizationId: input.organizationId,
          documentId: input.documentId,
          ...(input.expectedCategory ? { category: input.expectedCategory } : {}),
          reviewConfidenceThreshold: input.reviewConfidenceThreshold,
        });
      } catch (error) {
        if (error instanceof ApplicationFailure && error.type && unreadableTypes.has(error.type)) {
          return { outcome: 'unreadable', reason: `The file could not be read: ${error.message}` };
        }
        throw error;
      }
      return failFastOnBusinessErrors(async () => {
        const document = await forTenant(orm, input.organizationId).findOneOrFail(Document, {
          id: input.documentId,
          organization: input.organizationId,
        });
        const category = toDocumentCategory(extracted.category);
        const fields = document.extractedFields ?? [];
        const present = new Set(fields.filter((f) => f.value !== null && f.value !== '').map((f) => f.name));
        const missing = requiredFieldsFor(category).filter((name) => !present.has(name));
        const lowConfidence = fields
          .filter((f) => f.confidence < input.reviewConfidenceThreshold)
          .map((f) => f.name);
        const confidence = document.extractionConfidence ?? extracted.confidence ?? 0;
        const detected = extracted.detectedCategory ? toDocumentCategory(extracted.detectedCategory) : null;
        const mismatch =
          input.expectedCategory !== null &&
          detected !== null &&
          !vagueCategories.has(detected) &&
          detected !== category;

        const threshold = Math.round(input.reviewConfidenceThreshold * 100);
        const reasons: string[] = [];
        if (mismatch && detected)
          reasons.push(
            `It reads like a ${categoryLabel(detected)}, but it was uploaded as a ${categoryLabel(category)}.`,
          );
        if (missing.length > 0) reasons.push(`Required fields not found: ${fieldLabels(category, missing)}.`);
        if (lowConfidence.length > 0)
          reasons.push(
            `Read with less than ${threshold}% confidence: ${fieldLabels(category, lowConfidence)}.`,
          );
        if (confidence < input.reviewConfidenceThreshold)
          reasons.push(
            `The reader is ${Math.round(confidence * 100)}% sure of the document as a whole (the firm asks for ${threshold}%).`,
          );
        reasons.push(...(document.extractionWarnings ?? []).slice(0, 5));
        const needsReview = document.ocrStatus === 'needs_review' || mismatch;
        return {
          outcome: 'read',
          category,
          needsReview,
          reviewReasons: needsReview
            ? reasons.length > 0
              ? reasons
              : ['The reader asked for a person to check it.']
            : [],
          confidence,
        };
      });
    },
  };
}

export type DocumentProcessingActivities = ReturnType<typeof createDocumentProcessingActivities>;
