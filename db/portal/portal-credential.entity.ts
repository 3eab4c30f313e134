import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { Contact } from '../clients/contact.entity';
import { Organization } from '../organizations/organization.entity';
import { createdAtColumn, idColumn, timestampColumn, updatedAtColumn } from '../shared/columns';
import { EncryptedStringType } from '../shared/encrypted-string.type';

/** How a portal contact chose to sign in after their first visit. */
export const portalSignInMethods = ['password', 'email_code'] as const;
export type TPortalSignInMethod = (typeof portalSignInMethods)[number];

/**
 * How one portal contact signs in: the method they chose on their first visit, their password hash
 * (scrypt, when they chose a password) and an optional authenticator app (TOTP). The TOTP secret is
 * encrypted at the field level; until `totpConfirmedAt` is set it is an enrolment in progress and is
 * not asked for. `totpLastUsedStep` is the time step of the last accepted code, so a code that was
 * seen cannot be replayed. A contact without a row has not chosen yet (email codes still work).
 */
export const PortalCredential = defineEntity({
  name: 'PortalCredential',
  tableName: 'portal_credential',
  properties: {
    id: idColumn(),
    organization: () => p.manyToOne(Organization),
    contact: () => p.manyToOne(Contact).unique(),
    signInMethod: p.enum(portalSignInMethods),
    passwordHash: p.string().length(300).nullable().lazy(),
    passwordSetAt: timestampColumn().nullable(),
    totpSecret: p.type(EncryptedStringType).nullable().lazy(),
    totpConfirmedAt: timestampColumn().nullable(),
    totpLastUsedStep: p.integer().nullable(),
    lastSignInAt: timestampColumn().nullable(),
    createdAt: createdAtColumn(),
    updatedAt: updatedAtColumn(),
  },
});

export type IPortalCredential = InferEntity<typeof PortalCredential>;
