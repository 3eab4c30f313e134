import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { idColumn, createdAtColumn, updatedAtColumn } from '../shared/columns';
import { Organization } from '../organizations/organization.entity';
import { Engagement } from '../engagements/engagement.entity';

export const documentRequestStatuses = ['open', 'received', 'accepted', 'rejected', 'waived'] as const;
export type TDocumentRequestStatus = (typeof documentRequestStatuses)[number];

/** One item of an engagement's document checklist. */
export const DocumentRequest = defineEntity({
  name: 'DocumentRequest',
  tableName: 'document_request',
  indexes: [{ properties: ['engagement', 'status'] }],
  properties: {
    id: idColumn(),
    organization: () => p.manyToOne(Organization),
    engagement: () => p.manyToOne(Engagement),
    category: p.string().length(60),
    label: p.string().length(200),
    required: p.boolean().default(true),
    status: p.enum(documentRequestStatuses).default('open'),
    note: p.text().nullable(),
    createdAt: createdAtColumn(),
    updatedAt: updatedAtColumn(),
  },
});

export type IDocumentRequest = InferEntity<typeof DocumentRequest>;
