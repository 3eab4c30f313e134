import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { idColumn, createdAtColumn, timestampColumn } from '../shared/columns';
import { Organization } from '../organizations/organization.entity';
import { Contact } from '../clients/contact.entity';

/**
 * A link emailed to a client contact that opens the portal. Only the SHA-256 of the token is stored.
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
    lastUsedAt: timestampColumn().nullable(),
  },
});

export type IPortalLink = InferEntity<typeof PortalLink>;
