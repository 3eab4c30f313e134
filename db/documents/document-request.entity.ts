import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { idColumn, createdAtColumn, updatedAtColumn } from '../shared/columns';
import { Organization } from '../organizations/organization.entity';
import { Engagement } from '../engagements/engagement.entity';

/**
 * open: asked for, nothing usable yet; received: a file arrived and is being processed or reviewed;
 * accepted / waived: done; rejected: a file was refused and the client was asked again;
 * withdrawn: the engagement was cancelled, nothing is asked any more.
 */
export const documentRequestStatuses = [
  'open',
  'received',
  'accepted',
  'rejected',
  'waived',
  'withdrawn',
] as const;
export type TDocumentRequestStatus = (typeof documentRequestStatuses)[number];

/** One item of an engagement's document checklist. */
export const DocumentRequest = defineEntity({
  name: 'DocumentRequest',
  tableName: 'document_request',
  indexes: [{ properties: ['engagement', 'status'] }],
  uniques: [{ properties: ['engagement', 'key'] }],
  properties: {
    id: idColumn(),
    organization: () => p.manyToOne(Organization),
    engagement: () => p.manyToOne(Engagement),
    category: p.string().length(60),
    label: p.string().length(200),
    required: p.boolean().default(true),
    status: p.enum(documentRequestStatuses).default('open'),
    note: p.text().nullable(),
    /** Business key of the item within its engagement (checklist template key or staff-added key). */
    key: p.string().length(120).nullable(),
    /** Why the last file was refused, shown to the client with the request to upload again. */
    rejectionReason: p.string().length(500).nullable(),
    /** Why staff no longer need this item. */
    waivedReason: p.string().length(500).nullable(),
    createdAt: createdAtColumn(),
    updatedAt: updatedAtColumn(),
  },
});

export type IDocumentRequest = InferEntity<typeof DocumentRequest>;
