import { randomUUID } from 'node:crypto';
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { Organization } from '../organizations/organization.entity';
import { Client } from './client.entity';

/** A person at a client. Email is stored lower-case. */
export const Contact = defineEntity({
  name: 'Contact',
  tableName: 'contact',
  uniques: [{ properties: ['client', 'email'] }],
  indexes: [{ properties: ['organization', 'email'] }],
  properties: {
    id: p
      .uuid()
      .primary()
      .onCreate(() => randomUUID()),
    organization: () => p.manyToOne(Organization),
    client: () => p.manyToOne(Client),
    name: p.string().length(200),
    email: p.string().length(320),
    portalAccess: p.boolean().default(true),
    createdAt: p
      .datetime()
      .columnType('timestamptz')
      .onCreate(() => new Date()),
  },
});

export type IContact = InferEntity<typeof Contact>;
