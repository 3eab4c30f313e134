import { randomUUID } from 'node:crypto';
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
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
    { properties: ['organization', 'type', 'dueAt'] },
    { properties: ['organization', 'dueAt'] },
    { properties: ['organization', 'updatedAt', 'id'] },
    { properties: ['organization', 'taxYear', 'type'] },
    { properties: ['client'] },
    { properties: ['preparer', 'status'] },
    { properties: ['reviewer', 'status'] },
  ],
  properties: {
    id: p
      .uuid()
      .primary()
      .onCreate(() => randomUUID()),
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
    dueAt: p.datetime().columnType('timestamptz').nullable(),
    /** After an extension is filed. */
    extendedDueAt: p.datetime().columnType('timestamptz').nullable(),
    preparer: () => p.manyToOne(User).nullable(),
    reviewer: () => p.manyToOne(User).nullable(),
    startedBy: () => p.manyToOne(User).nullable(),
    createdAt: p
      .datetime()
      .columnType('timestamptz')
      .onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .columnType('timestamptz')
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
    completedAt: p.datetime().columnType('timestamptz').nullable(),
  },
});

export type IEngagement = InferEntity<typeof Engagement>;
