import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { idColumn, timestampColumn } from '../shared/columns';
import { Organization } from '../organizations/organization.entity';
import { Engagement } from './engagement.entity';

/**
 * One line of an engagement's timeline. `key` makes projections idempotent when an activity is retried.
 */
export const EngagementEvent = defineEntity({
  name: 'EngagementEvent',
  tableName: 'engagement_event',
  indexes: [{ properties: ['engagement', 'occurredAt'] }],
  properties: {
    id: idColumn(),
    organization: () => p.manyToOne(Organization),
    engagement: () => p.manyToOne(Engagement),
    key: p.string().length(300).unique(),
    kind: p.string().length(60),
    stage: p.string().length(60),
    message: p.string().length(500),
    occurredAt: timestampColumn(),
  },
});

export type IEngagementEvent = InferEntity<typeof EngagementEvent>;
