import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { idColumn, createdAtColumn, updatedAtColumn, timestampColumn } from '../shared/columns';
import { Organization } from '../organizations/organization.entity';
import { EncryptedStringType } from '../shared/encrypted-string.type';

export const clientKinds = ['individual', 'business'] as const;
export const clientStatuses = ['prospect', 'active', 'inactive'] as const;
export type TClientKind = (typeof clientKinds)[number];
export type TClientStatus = (typeof clientStatuses)[number];

/** What the client tells the firm about themselves in the portal. */
export interface TClientProfile {
  legalName: string;
  preferredName?: string;
  phone: string;
  addressLine1: string;
  addressLine2?: string;
  city: string;
  state: string;
  postalCode: string;
  preferredContact: 'email' | 'phone';
}

export const Client = defineEntity({
  name: 'Client',
  tableName: 'client',
  indexes: [
    { properties: ['organization', 'status', 'displayName', 'id'] },
    { properties: ['organization', 'displayName', 'id'] },
    { properties: ['organization', 'kind', 'displayName', 'id'] },
    { properties: ['organization', 'taxIdHash'] },
    // The name search's case-insensitive prefix (db/queries/list-clients.ts).
    {
      name: 'client_organization_id_lower_display_name_index',
      expression:
        'create index "client_organization_id_lower_display_name_index" on "client" ("organization_id", lower("display_name") text_pattern_ops)',
    },
  ],
  properties: {
    id: idColumn(),
    organization: () => p.manyToOne(Organization),
    kind: p.enum(clientKinds),
    displayName: p.string().length(200),
    status: p.enum(clientStatuses).default('prospect'),
    profile: p.json<TClientProfile>().nullable(),
    /** SSN or EIN, encrypted at rest (field encryption). */
    taxId: p.type(EncryptedStringType).nullable().lazy(),
    /** Keyed hash of the normalised tax ID, for duplicate checks and lookup without decrypting. */
    taxIdHash: p.string().length(64).nullable(),
    /** Last four digits, for display (`•••-••-1234`). */
    taxIdLast4: p.string().length(4).nullable(),
    profileSubmittedAt: timestampColumn().nullable(),
    /** The client's customer at the payment provider (Stripe `cus_…`, or the local adapter's). */
    stripeCustomerId: p.string().length(100).unique().nullable(),
    createdAt: createdAtColumn(),
    updatedAt: updatedAtColumn(),
  },
});

export type IClient = InferEntity<typeof Client>;
