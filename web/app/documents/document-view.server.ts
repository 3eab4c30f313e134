import {
  Document,
  type IDocument,
  type TDocumentReviewStatus,
  type TExtractedField,
  type TOcrStatus,
} from '../../../db/documents/document.entity';
import type { EntityManager } from '../../../db/types';
import type { TEngagementVisibility } from '../auth/permissions.server';
import { canSeeDocument } from '../engagements/engagement-scope.server';
import type { TDateFormat } from '../ui/dates.server';

/** "2.4 MB", "812 KB", "96 bytes". */
export function fileSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

const ocrLabels: Record<TOcrStatus, string> = {
  pending: 'Waiting to be read',
  processing: 'Being read',
  extracted: 'Fields extracted',
  needs_review: 'Needs review',
  failed: 'Could not be read',
};

const reviewLabels: Record<TDocumentReviewStatus, string> = {
  pending: 'Not reviewed yet',
  accepted: 'Accepted',
  rejected: 'Rejected',
};

/** `WagesTipsAndOtherCompensation` → `Wages tips and other compensation`; other names as written. */
export function fieldLabel(name: string): string {
  if (!/^[A-Z][A-Za-z0-9]*$/.test(name)) return name.replaceAll('_', ' ');
  const words = name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function fieldValue(field: TExtractedField): string {
  return field.value === null ? '—' : String(field.value);
}

/**
 * A document of this firm that this staff member may see, with what the staff page shows; null when
 * there is none (missing, another firm's, or on an engagement not assigned to them).
 */
export async function findVisibleDocument(
  em: EntityManager,
  input: { organizationId: string; visibility: TEngagementVisibility; documentId: string },
): Promise<IDocument | null> {
  const document = await em.findOne(
    Document,
    { id: input.documentId, organization: input.organizationId },
    { populate: ['client', 'engagement', 'request', 'uploadedByContact', 'reviewer'] },
  );
  if (!document) return null;
  return (await canSeeDocument(em, { ...input, document })) ? document : null;
}

/** What the staff document page shows: metadata and the fields read from it. */
export function documentDetail(document: IDocument, format: TDateFormat) {
  return {
    id: document.id,
    fileName: document.originalFileName,
    category: document.category.replaceAll('_', ' '),
    mediaType: document.mediaType,
    size: fileSize(document.sizeBytes),
    sha256: document.sha256,
    uploaded: format.dateTime(document.createdAt),
    uploadedBy: document.uploadedByContact ? document.uploadedByContact.name : 'Staff',
    client: { id: document.client.id, name: document.client.displayName },
    engagement: document.engagement ? { id: document.engagement.id, title: document.engagement.title } : null,
    request: document.request ? document.request.label : null,
    ocrStatus: document.ocrStatus as TOcrStatus,
    ocrLabel: ocrLabels[document.ocrStatus as TOcrStatus],
    reviewStatus: document.reviewStatus as TDocumentReviewStatus,
    reviewLabel: reviewLabels[document.reviewStatus as TDocumentReviewStatus],
    reviewedBy: document.reviewer?.name ?? null,
    reviewed: document.reviewedAt ? format.dateTime(document.reviewedAt) : null,
    fields: (document.extractedFields ?? []).map((field) => ({
      name: fieldLabel(field.name),
      value: fieldValue(field),
      confidence: Math.round(field.confidence * 100),
      page: field.page,
    })),
  };
}
