import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { idColumn, createdAtColumn, timestampColumn } from '../shared/columns';
import { Organization } from '../organizations/organization.entity';
import { Client } from '../clients/client.entity';
import { Contact } from '../clients/contact.entity';
import { Engagement } from '../engagements/engagement.entity';
import { User } from '../users/user.entity';
import { Document } from './document.entity';
import { DocumentRequest } from './document-request.entity';

/**
 * pending: an upload URL was issued, the file is not verified yet; verified: the file passed the
 * checks and is a Document; duplicate: it passed, but the engagement already had the same content
 * (the existing Document is linked, the new blob deleted); rejected: it failed a check (the blob is
 * deleted, the reason kept); expired: nobody completed it in time (the blob, if any, is deleted).
 */
export const documentUploadStatuses = ['pending', 'verified', 'duplicate', 'rejected', 'expired'] as const;
export type TDocumentUploadStatus = (typeof documentUploadStatuses)[number];

/** Why an upload was refused; each has a readable reason next to it. */
export const uploadRejectionCodes = [
  'missing',
  'empty',
  'too_large',
  'size_mismatch',
  'type_mismatch',
  'unsupported_type',
  'checksum_mismatch',
] as const;
export type TUploadRejectionCode = (typeof uploadRejectionCodes)[number];

/**
 * One browser upload, from the moment the platform hands out a write URL until the file is verified
 * (then it points at its Document) or refused (then it says why). The blob key never contains names.
 */
export const DocumentUpload = defineEntity({
  name: 'DocumentUpload',
  tableName: 'document_upload',
  indexes: [
    { properties: ['status', 'expiresAt'] },
    { properties: ['client'] },
    { properties: ['engagement'] },
    { properties: ['request'] },
    { properties: ['document'] },
    { properties: ['uploadedByContact'] },
    { properties: ['uploadedByUser'] },
  ],
  properties: {
    id: idColumn(),
    organization: () => p.manyToOne(Organization),
    client: () => p.manyToOne(Client),
    engagement: () => p.manyToOne(Engagement),
    request: () => p.manyToOne(DocumentRequest).nullable(),
    uploadedByContact: () => p.manyToOne(Contact).nullable(),
    uploadedByUser: () => p.manyToOne(User).nullable(),
    blobKey: p.string().length(300).unique(),
    fileName: p.string().length(255),
    category: p.string().length(60),
    declaredMediaType: p.string().length(120),
    declaredSizeBytes: p.bigint('number'),
    /** The most the platform accepts for this upload. */
    maxBytes: p.bigint('number'),
    status: p.enum(documentUploadStatuses).default('pending'),
    rejectionCode: p.enum(uploadRejectionCodes).nullable(),
    /** A sentence for the person who uploaded, e.g. "The file is a PNG image, not a PDF." */
    rejectionReason: p.string().length(300).nullable(),
    /** What verification measured. */
    sha256: p.string().length(64).nullable(),
    sizeBytes: p.bigint('number').nullable(),
    mediaType: p.string().length(120).nullable(),
    document: () => p.manyToOne(Document).nullable(),
    /** The write URL stops working at this time; an upload still pending after it is expired. */
    expiresAt: timestampColumn(),
    createdAt: createdAtColumn(),
    completedAt: timestampColumn().nullable(),
  },
});

export type IDocumentUpload = InferEntity<typeof DocumentUpload>;
