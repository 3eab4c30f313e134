import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { idColumn, createdAtColumn } from '../shared/columns';
import { Organization } from '../organizations/organization.entity';
import { Client } from './client.entity';

/** A person at a client. Email is stored lower-case. */
export const Contact = defineEntity({
  name: 'Contact',
  tableName: 'contact',
  uniques: [{ properties: ['client', 'email'] }],
  indexes: [{ properties: ['organization', 'email'] }],
  properties: {
    id: idColumn(),
    organization: () => p.manyToOne(Organization),
    client: () => p.manyToOne(Client),
    name: p.string().length(200),
    email: p.string().length(320),
    portalAccess: p.boolean().default(true),
    createdAt: createdAtColumn(),
  },
});

export type IContact = InferEntity<typeof Contact>;
