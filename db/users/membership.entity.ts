import { randomUUID } from 'node:crypto';
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { Organization } from '../organizations/organization.entity';
import { User } from './user.entity';

export const staffRoles = ['owner', 'admin', 'manager', 'preparer', 'reviewer'] as const;
export type TStaffRole = (typeof staffRoles)[number];

/** A user's role in one firm. */
export const Membership = defineEntity({
  name: 'Membership',
  tableName: 'membership',
  uniques: [{ properties: ['organization', 'user'] }],
  properties: {
    id: p
      .uuid()
      .primary()
      .onCreate(() => randomUUID()),
    organization: () => p.manyToOne(Organization),
    user: () => p.manyToOne(User).index(),
    role: p.enum(staffRoles),
    createdAt: p
      .datetime()
      .columnType('timestamptz')
      .onCreate(() => new Date()),
  },
});

export type IMembership = InferEntity<typeof Membership>;
