import { randomUUID } from 'node:crypto';
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { Organization } from '../organizations/organization.entity';
import { Client } from '../clients/client.entity';
import { EncryptedStringType } from '../shared/encrypted-string.type';

export const integrationProviders = ['quickbooks'] as const;
export const connectionStatuses = ['connected', 'reconnect_needed', 'disconnected'] as const;
export type TIntegrationProvider = (typeof integrationProviders)[number];
export type TConnectionStatus = (typeof connectionStatuses)[number];

/** A client's connection to a vendor (a QuickBooks company). Tokens are encrypted at rest. */
export const IntegrationConnection = defineEntity({
  name: 'IntegrationConnection',
  tableName: 'integration_connection',
  uniques: [{ properties: ['provider', 'externalId'] }],
  indexes: [{ properties: ['organization', 'status'] }, { properties: ['client'] }],
  properties: {
    id: p
      .uuid()
      .primary()
      .onCreate(() => randomUUID()),
    organization: () => p.manyToOne(Organization),
    client: () => p.manyToOne(Client),
    provider: p.enum(integrationProviders),
    /** The vendor's account ID (QuickBooks realm ID). */
    externalId: p.string().length(100),
    accessToken: p.type(EncryptedStringType).nullable().lazy(),
    refreshToken: p.type(EncryptedStringType).nullable().lazy(),
    accessTokenExpiresAt: p.datetime().columnType('timestamptz').nullable(),
    refreshTokenExpiresAt: p.datetime().columnType('timestamptz').nullable(),
    status: p.enum(connectionStatuses).default('connected'),
    createdAt: p
      .datetime()
      .columnType('timestamptz')
      .onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .columnType('timestamptz')
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
});

export type IIntegrationConnection = InferEntity<typeof IntegrationConnection>;
