import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { idColumn, createdAtColumn, updatedAtColumn, timestampColumn } from '../shared/columns';
import { Organization } from '../organizations/organization.entity';
import { Client } from '../clients/client.entity';
import { User } from '../users/user.entity';

export const engagementTypes = [
  'client_onboarding',
  'document_intake',
  'tax_return',
  'monthly_close',
] as const;
export const engagementStatuses = ['active', 'completed', 'cancelled', 'failed'] as const;
export type TEngagementType = (typeof engagementTypes)[number];
export type TEngagementStatus = (typeof engagementStatuses)[number];

/**
 * The read model of one engagement workflow: the workflow decides, activities project here.
 */
export const Engagement = defineEntity({
  name: 'Engagement',
  tableName: 'engagement',
  indexes: [
    { properties: ['organization', 'stage', 'updatedAt'] },
    { properties: ['organization', 'stage', 'dueAt'] },
    { properties: ['organization', 'type', 'updatedAt', 'id'] },
    { properties: ['startedBy'] },
    { properties: ['organization', 'type', 'dueAt'] },
    { properties: ['organization', 'dueAt'] },
    { properties: ['organization', 'updatedAt', 'id'] },
    { properties: ['organization', 'taxYear', 'type'] },
    { properties: ['client'] },
    { properties: ['preparer', 'status'] },
    { properties: ['reviewer', 'status'] },
  ],
  properties: {
    id: idColumn(),
    organization: () => p.manyToOne(Organization),
    client: () => p.manyToOne(Client),
    type: p.enum(engagementTypes),
    title: p.string().length(200),
    status: p.enum(engagementStatuses).default('active'),
    stage: p.string().length(60),
    progress: p.integer().default(0),
    waitingFor: p.string().length(300).nullable(),
    workflowId: p.string().length(200).unique(),
    runId: p.string().length(64).nullable(),
    /** Tax engagements: the tax year. */
    taxYear: p.integer().nullable(),
    /** Monthly close: the period as yyyy-mm. */
    period: p.string().length(7).nullable(),
    dueAt: timestampColumn().nullable(),
    /** After an extension is filed. */
    extendedDueAt: timestampColumn().nullable(),
    preparer: () => p.manyToOne(User).nullable(),
    reviewer: () => p.manyToOne(User).nullable(),
    startedBy: () => p.manyToOne(User).nullable(),
    createdAt: createdAtColumn(),
    updatedAt: updatedAtColumn(),
    completedAt: timestampColumn().nullable(),
  },
});

export type IEngagement = InferEntity<typeof Engagement>;
