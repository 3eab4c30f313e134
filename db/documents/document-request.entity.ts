import { randomUUID } from 'node:crypto';
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
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
    id: p
      .uuid()
      .primary()
      .onCreate(() => randomUUID()),
    organization: () => p.manyToOne(Organization),
    engagement: () => p.manyToOne(Engagement),
    category: p.string().length(60),
    label: p.string().length(200),
    required: p.boolean().default(true),
    status: p.enum(documentRequestStatuses).default('open'),
    note: p.text().nullable(),
    createdAt: p
      .datetime()
      .columnType('timestamptz')
      .onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .columnType('timestamptz')
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
});

export type IDocumentRequest = InferEntity<typeof DocumentRequest>;
