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
    /** Why the connection is not connected (shown to staff), e.g. the refresh token was revoked. */
    statusReason: p.string().length(500).nullable(),
    statusChangedAt: timestampColumn().nullable(),
    /**
     * Incremented with every change of the token pair. A refresh saves its rotated tokens only if
     * this is still the version it started from, so two concurrent refreshes never lose the newer
     * refresh token (db/integrations/save-refreshed-tokens.ts).
     */
    tokenVersion: p.integer().default(0),
    lastRefreshedAt: timestampColumn().nullable(),
    /** The company's name in the vendor's system, for staff to recognise it. */
    companyName: p.string().length(200).nullable(),
    connectedAt: timestampColumn().nullable(),
    /**
     * Change data capture cursors: entity name → the `changedSince` of the next poll (ISO 8601).
     * Only ever moved forward (db/integrations/advance-sync-cursor.ts).
     */
    syncCursors: p.json<Record<string, string>>().nullable(),
    createdAt: createdAtColumn(),
    updatedAt: updatedAtColumn(),
  },
});

export type IIntegrationConnection = InferEntity<typeof IntegrationConnection>;
