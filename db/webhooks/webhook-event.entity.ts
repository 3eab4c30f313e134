import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { idColumn, createdAtColumn, timestampColumn } from '../shared/columns';
import { Organization } from '../organizations/organization.entity';

export const webhookProviders = ['stripe', 'quickbooks'] as const;
export const webhookEventStatuses = ['received', 'processed', 'failed', 'ignored'] as const;
export type TWebhookProvider = (typeof webhookProviders)[number];
export type TWebhookEventStatus = (typeof webhookEventStatuses)[number];

/**
 * One delivery from a vendor. (provider, providerEventId) is unique, so a duplicate or out-of-order
 * delivery is recognised. The firm is unknown until the event is matched, hence a nullable organization.
 */
export const WebhookEvent = defineEntity({
  name: 'WebhookEvent',
  tableName: 'webhook_event',
  uniques: [{ properties: ['provider', 'providerEventId'] }],
  indexes: [{ properties: ['status', 'receivedAt'] }, { properties: ['organization', 'receivedAt'] }],
  properties: {
    id: idColumn(),
    organization: () => p.manyToOne(Organization).nullable(),
    provider: p.enum(webhookProviders),
    providerEventId: p.string().length(200),
    type: p.string().length(120),
    status: p.enum(webhookEventStatuses).default('received'),
    payload: p.json<Record<string, unknown>>(),
    error: p.string().length(500).nullable(),
    receivedAt: createdAtColumn(),
    processedAt: timestampColumn().nullable(),
  },
});

export type IWebhookEvent = InferEntity<typeof WebhookEvent>;
