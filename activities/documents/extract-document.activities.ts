/**
 * Reading an uploaded document with the document-AI port (Azure Document Intelligence, or the local
 * reader): the activity streams the file from storage, heartbeats while the reader works, stores the
 * fields with their confidence and page, and tells Temporal which failures to retry. Field values stay
 * in Postgres; the workflow learns counts and reasons, never values.
 */
import type { MikroORM } from '@mikro-orm/postgresql';
import { ApplicationFailure, Context } from '@temporalio/activity';
import { systemActor } from '../../db/audit/actor';
import { Document, type IDocument, type TExtractedField } from '../../db/documents/document.entity';
import { markDocumentUnreadable } from '../../db/documents/mark-document-unreadable';
import { recordDocumentAnalysis } from '../../db/documents/record-document-analysis';
import { defaultOrganizationSettings, Organization } from '../../db/organizations/organization.entity';
import { forTenant } from '../../db/tenancy/tenant-context';
import { AppError } from '../../lib/errors';
import {
  isDocumentAiError,
  toDocumentCategory,
  type DocumentAi,
  type DocumentAiError,
  type TDocumentCategory,
  type TDocumentContent,
  type TExtraction,
} from '../../integrations/document-ai/document-ai';
import { requiredFieldsFor } from '../../integrations/document-ai/field-catalog';
import type { BlobStorage } from '../../integrations/storage/blob-storage';
import { failFastOnBusinessErrors } from '../shared/business-errors';

export interface DocumentAiActivityDeps {
  documentAi: DocumentAi;
  /** Where uploaded files are; without it the activity fails, naming the missing configuration. */
  storage?: Pick<BlobStorage, 'container'>;
  orm: MikroORM;
}

export interface TExtractDocumentInput {
  organizationId: string;
  documentId: string;
  /** What the document is expected to be; the document's own category when not given. */
  category?: string;
  /** The firm's review threshold (0-1); the firm's setting when not given. */
  reviewConfidenceThreshold?: number;
}

/** What the workflow learns: the outcome and why, never a field value. */
export interface TExtractDocumentResult {
  documentId: string;
  /** `already_read`: an earlier attempt stored the extraction; nothing was read again. */
  outcome: 'extracted' | 'needs_review' | 'already_read';
  /** Whether a person must review what was read (also for `already_read`). */
  needsReview: boolean;
  /** What the document was expected to be. */
  category: string;
  /** What the reader found it to be. */
  detectedCategory: string | null;
  model: string | null;
  confidence: number | null;
  fieldCount: number;
  missingFields: string[];
  lowConfidenceFields: string[];
  warnings: string[];
}

/** ApplicationFailure types, one per kind of document-AI failure (for retry policies and logs). */
export const documentAiFailureTypes = {
  throttled: 'DocumentAiThrottled',
  unavailable: 'DocumentAiUnavailable',
  timeout: 'DocumentAiTimeout',
  analysis_failed: 'DocumentAiAnalysisFailed',
  authentication: 'DocumentAiAuthenticationFailed',
  bad_document: 'DocumentAiBadDocument',
  unsupported_type: 'DocumentAiUnsupportedType',
  configuration: 'DocumentAiConfiguration',
} as const satisfies Record<DocumentAiError['kind'], string>;

/** Storage could not give the file: missing (non-retryable) or unreachable (retryable). */
export const documentContentFailureTypes = {
  missing: 'DocumentContentMissing',
  unavailable: 'DocumentStorageUnavailable',
  notConfigured: 'DocumentStorageNotConfigured',
} as const;

/**
 * Turns a document-AI failure into the ApplicationFailure Temporal acts on: throttling, service errors
 * and timeouts retry (after the wait the service asked for, when it said); a bad key, a bad document, an
 * unsupported type or a configuration error do not, and their message says who must act.
 */
export function documentAiFailure(error: DocumentAiError): ApplicationFailure {
  return ApplicationFailure.create({
    type: documentAiFailureTypes[error.kind],
    message: error.message,
    nonRetryable: !error.retryable,
    ...(error.retryable && error.retryAfterMs !== undefined ? { nextRetryDelay: error.retryAfterMs } : {}),
    details: [{ kind: error.kind, status: error.status ?? null, code: error.code ?? null }],
    cause: error,
  });
}

const vagueCategories = new Set<TDocumentCategory>(['other', 'unknown-tax-form']);
const alreadyRead = new Set(['extracted', 'needs_review']);

export function createDocumentAiActivities({ documentAi, storage, orm }: DocumentAiActivityDeps) {
  /** Streams the stored file; each call opens a new download (the reader may retry its upload). */
  function blobContent(document: IDocument, signal: AbortSignal): TDocumentContent {
    if (!storage) {
      throw ApplicationFailure.create({
        type: documentContentFailureTypes.notConfigured,
        message: 'This worker has no document storage configured, so it cannot read uploaded files.',
        nonRetryable: true,
      });
    }
    const blob = storage.container.getBlobClient(document.blobKey);
    return async function* () {
      const download = await blob.download(0, undefined, { abortSignal: signal });
      const body = download.readableStreamBody;
      if (!body) return;
      for await (const chunk of body) {
        yield typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      }
    };
  }

  return {
    /**
     * Reads one uploaded document and stores what was read. Idempotent: a document already read is
     * not read again. A file the reader cannot read is marked unreadable and fails without retries;
     * a throttled, failing or slow service fails with a retryable, readable reason.
     */
    async extractDocument(input: TExtractDocumentInput): Promise<TExtractDocumentResult> {
      return failFastOnBusinessErrors(async () => {
        const context = Context.current();
        const signal = context.cancellationSignal;
        const em = forTenant(orm, input.organizationId);
        const document = await em.findOne(Document, {
          id: input.documentId,
          organization: input.organizationId,
        });
        if (!document) throw new AppError('not_found', 'Document not found.');
        if (alreadyRead.has(document.ocrStatus) && document.extractedFields) {
          const threshold = input.reviewConfidenceThreshold ?? (await firmThreshold(input.organizationId));
          return storedResult(document, threshold);
        }
        if (document.ocrStatus === 'failed') {
          throw ApplicationFailure.create({
            type: documentAiFailureTypes.bad_document,
            message: document.extractionWarnings?.[0] ?? 'The file could not be read.',
            nonRetryable: true,
          });
        }
        if (document.reviewStatus !== 'pending') {
          throw new AppError('conflict', 'This document has already been reviewed.', {
            reason: 'invalid_status_transition',
          });
        }

        const asked = toDocumentCategory(input.category ?? document.category);
        const threshold = input.reviewConfidenceThreshold ?? (await firmThreshold(input.organizationId));
        context.heartbeat({ stage: 'reading' });
        let extraction: TExtraction;
        try {
          extraction = await documentAi.analyze({
            content: blobContent(document, signal),
            contentType: document.mediaType,
            category: asked,
            onProgress: () => context.heartbeat({ stage: 'reading' }),
            signal,
          });
        } catch (error) {
          if (signal.aborted) throw error;
          throw await classify(error, document, input.organizationId);
        }

        context.heartbeat({ stage: 'recording' });
        const found = extraction.category;
        const category = vagueCategories.has(asked) ? found : asked;
        // A different form than the one asked for lacks the asked form's required fields: review follows.
        const requiredFields = requiredFieldsFor(category);
        const outcome = await recordDocumentAnalysis(em, {
          organizationId: input.organizationId,
          documentId: document.id,
          category,
          fields: toExtractedFields(extraction),
          confidence: extraction.confidence,
          model: extraction.modelId,
          warnings: extraction.warnings,
          requiredFields,
          confidenceThreshold: threshold,
          actor: systemActor,
        });
        return {
          documentId: document.id,
          outcome: outcome.needsReview ? 'needs_review' : 'extracted',
          needsReview: outcome.needsReview,
          category,
          detectedCategory: found,
          model: extraction.modelId,
          confidence: extraction.confidence,
          fieldCount: Object.keys(extraction.fields).length,
          missingFields: outcome.missingFields,
          lowConfidenceFields: outcome.lowConfidenceFields,
          warnings: extraction.warnings,
        };
      });
    },
  };

  async function firmThreshold(organizationId: string): Promise<number> {
    const firm = await forTenant(orm, organizationId).findOne(Organization, { id: organizationId });
    return (
      firm?.settings.reviewConfidenceThreshold ?? defaultOrganizationSettings.reviewConfidenceThreshold ?? 0.8
    );
  }

  /** The failure Temporal should see for an error of the reader or of storage. */
  async function classify(error: unknown, document: IDocument, organizationId: string): Promise<unknown> {
    if (isDocumentAiError(error)) {
      if (error.kind === 'bad_document' || error.kind === 'unsupported_type') {
        await markDocumentUnreadable(forTenant(orm, organizationId), {
          organizationId,
          documentId: document.id,
          reason: error.message,
          actor: systemActor,
        });
      }
      return documentAiFailure(error);
    }
    const status = (error as { statusCode?: unknown } | null)?.statusCode;
    if (status === 404) {
      return ApplicationFailure.create({
        type: documentContentFailureTypes.missing,
        message: 'The uploaded file is missing from document storage; ask the client to upload it again.',
        nonRetryable: true,
        cause: error instanceof Error ? error : undefined,
      });
    }
    if ((error as { name?: unknown } | null)?.name === 'RestError') {
      return ApplicationFailure.create({
        type: documentContentFailureTypes.unavailable,
        message: `Document storage could not be read${typeof status === 'number' ? ` (HTTP ${status})` : ''}; retrying.`,
        nonRetryable: false,
        cause: error instanceof Error ? error : undefined,
      });
    }
    return error;
  }
}

/** The extraction as the document row stores it: one entry per field, in reading order. */
export function toExtractedFields(extraction: TExtraction): TExtractedField[] {
  return Object.entries(extraction.fields).map(([name, field]) => ({
    name,
    value: field.value,
    confidence: field.confidence,
    page: field.page ?? null,
    boundingRegion: field.boundingRegion ?? null,
    ...(field.label ? { label: field.label } : {}),
  }));
}

/**
 * The summary of an extraction stored by an earlier attempt, worked out again from the stored fields
 * (the same rules as when it was recorded), so a retried activity answers as the first attempt did.
 */
function storedResult(document: IDocument, threshold: number): TExtractDocumentResult {
  const fields = document.extractedFields ?? [];
  const present = new Set(fields.filter((f) => f.value !== null && f.value !== '').map((f) => f.name));
  return {
    documentId: document.id,
    outcome: 'already_read',
    needsReview: document.ocrStatus === 'needs_review',
    category: document.category,
    detectedCategory: null,
    model: document.extractionModel ?? null,
    confidence: document.extractionConfidence ?? null,
    fieldCount: fields.length,
    missingFields: requiredFieldsFor(toDocumentCategory(document.category)).filter(
      (name) => !present.has(name),
    ),
    lowConfidenceFields: fields.filter((f) => f.confidence < threshold).map((f) => f.name),
    warnings: document.extractionWarnings ?? [],
  };
}

export type DocumentAiActivities = ReturnType<typeof createDocumentAiActivities>;
