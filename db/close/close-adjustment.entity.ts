import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { idColumn, createdAtColumn } from '../shared/columns';
import { Organization } from '../organizations/organization.entity';
import { Engagement } from '../engagements/engagement.entity';
import { User } from '../users/user.entity';

/**
 * An adjustment staff made to the books during a close (a missing bank fee, a reclassification),
 * listed in the close report. `key` makes recording it idempotent.
 */
export const CloseAdjustment = defineEntity({
  name: 'CloseAdjustment',
  tableName: 'close_adjustment',
  indexes: [{ properties: ['engagement', 'createdAt'] }, { properties: ['recordedBy'] }],
  properties: {
    id: idColumn(),
    organization: () => p.manyToOne(Organization),
    engagement: () => p.manyToOne(Engagement),
    key: p.string().length(300).unique(),
    description: p.string().length(300),
    /** Signed, in cents. */
    amountMinor: p.bigint('number'),
    ledgerAccountId: p.string().length(40).nullable(),
    accountName: p.string().length(200).nullable(),
    recordedBy: () => p.manyToOne(User).nullable(),
    createdAt: createdAtColumn(),
  },
});

export type ICloseAdjustment = InferEntity<typeof CloseAdjustment>;
