import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { Organization } from '../organizations/organization.entity';
import { createdAtColumn, idColumn, timestampColumn } from '../shared/columns';
import { staffRoles } from '../users/membership.entity';
import { User } from '../users/user.entity';

/**
 * An emailed invitation to join a firm's staff with a role. Single use: accepting it creates the user
 * and their membership. Only the SHA-256 of its token is stored. Email is stored lower-case.
 */
export const StaffInvitation = defineEntity({
  name: 'StaffInvitation',
  tableName: 'staff_invitation',
  indexes: [{ properties: ['organization', 'email'] }],
  properties: {
    id: idColumn(),
    organization: () => p.manyToOne(Organization),
    email: p.string().length(320),
    role: p.enum(staffRoles),
    invitedBy: () => p.manyToOne(User).nullable().index(),
    tokenHash: p.string().length(64).unique(),
    createdAt: createdAtColumn(),
    expiresAt: timestampColumn(),
    acceptedAt: timestampColumn().nullable(),
    acceptedUser: () => p.manyToOne(User).nullable().index(),
    revokedAt: timestampColumn().nullable(),
  },
});

export type IStaffInvitation = InferEntity<typeof StaffInvitation>;
