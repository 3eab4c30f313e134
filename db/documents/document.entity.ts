import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { idColumn, createdAtColumn, timestampColumn } from '../shared/columns';
import { Organization } from '../organizations/organization.entity';
import { Client } from '../clients/client.entity';
import { Contact } from '../clients/contact.entity';
import { Engagement } from '../engagements/engagement.entity';
import { User } from '../users/user.entity';
import { DocumentRequest } from './document-request.entity';

export const ocrStatuses = ['pending', 'processing', 'extracted', 'needs_review', 'failed'] as const;
export const documentReviewStatuses = ['pending', 'accepted', 'rejected'] as const;
export type TOcrStatus = (typeof ocrStatuses)[number];
export type TDocumentReviewStatus = (typeof documentReviewStatuses)[number];

/** One field read from a document, with how sure the reader is and where it was found. */
export interface TExtractedField {
  name: string;
  value: string | number | null;
  confidence: number;
  page: number | null;
  /** Polygon in page units (x1, y1, x2, y2, ...), when the reader reports one. */
  boundingRegion: number[] | null;
  /** What a person calls the field, e.g. "Box 1: Wages, tips, other compensation". */
  label?: string;
  /** Set when a reviewer corrected the value: what the reader had read. */
  correctedFrom?: string | number | null;
}

/** An uploaded file. The blob key never contains client names. */
export const Document = defineEntity({
  name: 'Document',
  tableName: 'document',
  indexes: [
    { properties: ['engagement', 'ocrStatus'] },
    { properties: ['organization', 'ocrStatus', 'createdAt'] },
    { properties: ['organization', 'sha256'] },
    { properties: ['client'] },
    { properties: ['request'] },
    { properties: ['uploadedByContact'] },
    { properties: ['reviewer'] },
  ],
  properties: {
    id: idColumn(),
    organization: () => p.manyToOne(Organization),
    client: () => p.manyToOne(Client),
    engagement: () => p.manyToOne(Engagement).nullable(),
    request: () => p.manyToOne(DocumentRequest).nullable(),
    blobKey: p.string().length(300).unique(),
    sha256: p.string().length(64),
    sizeBytes: p.bigint('number'),
    mediaType: p.string().length(120),
    originalFileName: p.string().length(255),
    category: p.string().length(60),
    ocrStatus: p.enum(ocrStatuses).default('pending'),
    extractedFields: p.json<TExtractedField[]>().nullable(),
    /** How sure the reader was about the document as a whole (0-1). */
    extractionConfidence: p.double().runtimeType('number').$type<number>().nullable(),
    /** The model that read it, e.g. `prebuilt-tax.us.w2` or `local/ocr`. */
    extractionModel: p.string().length(120).nullable(),
    /** Sentences the reader left for the reviewer (never sensitive values). */
    extractionWarnings: p.json<string[]>().nullable(),
    /** The reviewer's reason when rejecting (shown to the client), or a note when accepting. */
    reviewNote: p.string().length(500).nullable(),
    reviewStatus: p.enum(documentReviewStatuses).default('pending'),
    reviewer: () => p.manyToOne(User).nullable(),
    reviewedAt: timestampColumn().nullable(),
    uploadedByContact: () => p.manyToOne(Contact).nullable(),
    createdAt: createdAtColumn(),
  },
});

export type IDocument = InferEntity<typeof Document>;
