import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { Contact } from '../clients/contact.entity';
import { Organization } from '../organizations/organization.entity';
import { createdAtColumn, idColumn, timestampColumn } from '../shared/columns';

/**
 * A one-time sign-in code emailed to a portal contact. Only a keyed hash of the code is stored
 * (bound to the contact, so equal codes of two contacts differ). A code works once, until
 * `expiresAt`, and is spent after a few wrong guesses; a newer code replaces every older one.
 */
export const PortalSignInCode = defineEntity({
  name: 'PortalSignInCode',
  tableName: 'portal_sign_in_code',
  indexes: [{ properties: ['contact', 'createdAt'] }],
  properties: {
    id: idColumn(),
    organization: () => p.manyToOne(Organization),
    contact: () => p.manyToOne(Contact),
    codeHash: p.string().length(64),
    expiresAt: timestampColumn(),
    failedAttempts: p.integer().default(0),
    usedAt: timestampColumn().nullable(),
    /** Set when a newer code was sent or too many wrong guesses were made. */
    voidedAt: timestampColumn().nullable(),
    createdAt: createdAtColumn(),
  },
});

export type IPortalSignInCode = InferEntity<typeof PortalSignInCode>;
