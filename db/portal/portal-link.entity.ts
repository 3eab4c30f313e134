import { randomUUID } from 'node:crypto';
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { Organization } from '../organizations/organization.entity';
import { Contact } from '../clients/contact.entity';

/**
 * A link emailed to a client contact that opens the portal. Only the SHA-256 of the token is stored.
 */
export const PortalLink = defineEntity({
  name: 'PortalLink',
  tableName: 'portal_link',
  properties: {
    id: p
      .uuid()
      .primary()
      .onCreate(() => randomUUID()),
    organization: () => p.manyToOne(Organization),
    contact: () => p.manyToOne(Contact).index(),
    tokenHash: p.string().length(64).unique(),
    purpose: p.string().length(40),
    expiresAt: p.datetime().columnType('timestamptz'),
    createdAt: p
      .datetime()
      .columnType('timestamptz')
      .onCreate(() => new Date()),
    lastUsedAt: p.datetime().columnType('timestamptz').nullable(),
  },
});

export type IPortalLink = InferEntity<typeof PortalLink>;
