import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { idColumn, createdAtColumn, timestampColumn } from '../shared/columns';
import { Organization } from '../organizations/organization.entity';
import { User } from './user.entity';

export const staffRoles = ['owner', 'admin', 'manager', 'preparer', 'reviewer'] as const;
export type TStaffRole = (typeof staffRoles)[number];

/** A user's role in one firm. A deactivated membership opens nothing; its sessions were revoked. */
export const Membership = defineEntity({
  name: 'Membership',
  tableName: 'membership',
  uniques: [{ properties: ['organization', 'user'] }],
  properties: {
    id: idColumn(),
    organization: () => p.manyToOne(Organization),
    user: () => p.manyToOne(User).index(),
    role: p.enum(staffRoles),
    createdAt: createdAtColumn(),
    deactivatedAt: timestampColumn().nullable(),
  },
});

export type IMembership = InferEntity<typeof Membership>;
