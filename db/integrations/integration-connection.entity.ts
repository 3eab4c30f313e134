import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { idColumn, createdAtColumn, updatedAtColumn, timestampColumn } from '../shared/columns';
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
    id: idColumn(),
    organization: () => p.manyToOne(Organization),
    client: () => p.manyToOne(Client),
    provider: p.enum(integrationProviders),
    /** The vendor's account ID (QuickBooks realm ID). */
    externalId: p.string().length(100),
    accessToken: p.type(EncryptedStringType).nullable().lazy(),
    refreshToken: p.type(EncryptedStringType).nullable().lazy(),
    accessTokenExpiresAt: timestampColumn().nullable(),
    refreshTokenExpiresAt: timestampColumn().nullable(),
    status: p.enum(connectionStatuses).default('connected'),
    createdAt: createdAtColumn(),
    updatedAt: updatedAtColumn(),
  },
});

export type IIntegrationConnection = InferEntity<typeof IntegrationConnection>;
