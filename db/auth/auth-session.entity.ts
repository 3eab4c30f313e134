import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { Contact } from '../clients/contact.entity';
import { Organization } from '../organizations/organization.entity';
import { createdAtColumn, idColumn, timestampColumn } from '../shared/columns';
import { User } from '../users/user.entity';

/** Who a session belongs to: a staff member (a User in one firm) or a portal contact. */
export const sessionSubjectKinds = ['staff', 'portal'] as const;
export type TSessionSubjectKind = (typeof sessionSubjectKinds)[number];

/** Why a session ended before it expired. */
export const sessionRevokeReasons = [
  'signed_out',
  'signed_out_everywhere',
  'revoked_by_user',
  'replaced',
  'password_changed',
  'password_reset',
  'mfa_reset',
  'membership_deactivated',
  'access_withdrawn',
] as const;
export type TSessionRevokeReason = (typeof sessionRevokeReasons)[number];

/**
 * A server-side sign-in session. The browser's cookie holds only a random session ID (signed); this
 * row holds its SHA-256, so a database reader cannot take over a session. A session counts only while
 * it is not revoked and neither its idle nor its absolute expiry has passed; a session that still needs
 * its second factor (`secondFactorRequired` without `secondFactorVerifiedAt`) opens nothing but the
 * second-factor and enrolment pages.
 */
export const AuthSession = defineEntity({
  name: 'AuthSession',
  tableName: 'auth_session',
  indexes: [{ properties: ['organization', 'lastSeenAt'] }],
  checks: [
    {
      name: 'auth_session_subject_check',
      expression:
        "(subject_kind = 'staff' and user_id is not null and contact_id is null) or (subject_kind = 'portal' and contact_id is not null and user_id is null)",
    },
  ],
  properties: {
    id: idColumn(),
    organization: () => p.manyToOne(Organization),
    subjectKind: p.enum(sessionSubjectKinds),
    user: () => p.manyToOne(User).nullable().index(),
    contact: () => p.manyToOne(Contact).nullable().index(),
    tokenHash: p.string().length(64).unique(),
    createdAt: createdAtColumn(),
    lastSeenAt: timestampColumn(),
    idleExpiresAt: timestampColumn(),
    absoluteExpiresAt: timestampColumn(),
    ip: p.string().length(64).nullable(),
    userAgent: p.string().length(300).nullable(),
    secondFactorRequired: p.boolean(),
    secondFactorVerifiedAt: timestampColumn().nullable(),
    revokedAt: timestampColumn().nullable(),
    revokedReason: p.enum(sessionRevokeReasons).nullable(),
  },
});

export type IAuthSession = InferEntity<typeof AuthSession>;
