import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { idColumn, createdAtColumn, timestampColumn } from '../shared/columns';
import { Organization } from '../organizations/organization.entity';
import { Contact } from '../clients/contact.entity';
import { User } from '../users/user.entity';

/**
 * A link emailed to a client contact that opens the portal. Only the SHA-256 of the token is stored.
 * A link works once (`lastUsedAt` is set when it is opened), until `expiresAt`, and only while it
 * is the contact's newest: issuing a new link revokes the older unused ones (`revokedAt`).
 */
export const PortalLink = defineEntity({
  name: 'PortalLink',
  tableName: 'portal_link',
  properties: {
    id: idColumn(),
    organization: () => p.manyToOne(Organization),
    contact: () => p.manyToOne(Contact).index(),
    tokenHash: p.string().length(64).unique(),
    purpose: p.string().length(40),
    expiresAt: timestampColumn(),
    createdAt: createdAtColumn(),
    /** When the link was opened; a used link does not open again. */
    lastUsedAt: timestampColumn().nullable(),
    revokedAt: timestampColumn().nullable(),
    /** The staff member who sent it, when it was sent by hand (a re-send). */
    issuedBy: () => p.manyToOne(User).nullable().index(),
  },
});

export type IPortalLink = InferEntity<typeof PortalLink>;
