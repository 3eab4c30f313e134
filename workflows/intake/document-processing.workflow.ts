import { proxyActivities } from '@temporalio/workflow';
import type { DocumentProcessingActivities } from '../../activities/documents/document-processing.activities';
import type { DocumentUploadActivities } from '../../activities/documents/verify-upload.activities';
import type { TDocumentProcessingInput, TDocumentProcessingResult } from './document-intake.contracts';

/** Verification streams the whole file once: generous, heartbeated. */
const verify = proxyActivities<DocumentUploadActivities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '2 minutes',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/** Reading may OCR several pages or poll Document Intelligence: long, heartbeated. */
const read = proxyActivities<DocumentProcessingActivities>({
  startToCloseTimeout: '15 minutes',
  heartbeatTimeout: '2 minutes',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

/**
 * Processes one upload, as a child of document intake on the `documents` task queue (ID
 * `doc:<uploadId>`): verify it (size, sniffed type, SHA-256; the same content already on the
 * engagement is recognised as a duplicate and not processed again), then classify and read it
 * through the document-AI port, storing fields with confidence and page provenance. Reports to the
 * intake whether a person must review it; the intake owns the checklist, tasks and emails.
 */
export async function documentProcessingWorkflow(
  input: TDocumentProcessingInput,
): Promise<TDocumentProcessingResult> {
  const { upload } = input;
  const verified = await verify.verifyDocumentUpload({
    organizationId: input.organizationId,
    uploadId: upload.uploadId,
    uploadedBy: upload.uploadedBy,
  });
  if (verified.status === 'rejected' || !verified.documentId) {
    return {
      outcome: 'refused',
      uploadId: upload.uploadId,
      reason: verified.reason ?? 'The file could not be accepted. Please upload it again.',
    };
  }
  if (verified.status === 'duplicate') {
    return { outcome: 'duplicate', uploadId: upload.uploadId, documentId: verified.documentId };
  }

  const documentId = verified.documentId;
  const result = await read.readIntakeDocument({
    organizationId: input.organizationId,
    documentId,
    expectedCategory: input.expectedCategory,
    reviewConfidenceThreshold: input.reviewConfidenceThreshold,
  });
  if (result.outcome === 'unreadable') {
    return { outcome: 'unreadable', uploadId: upload.uploadId, documentId, reason: result.reason };
  }
  return {
    outcome: 'processed',
    uploadId: upload.uploadId,
    documentId,
    category: result.category,
    needsReview: result.needsReview,
    reviewReasons: result.reviewReasons,
    confidence: result.confidence,
  };
}
