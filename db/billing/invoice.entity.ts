import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { idColumn, createdAtColumn, timestampColumn } from '../shared/columns';
import { Organization } from '../organizations/organization.entity';
import { Client } from '../clients/client.entity';
import { Engagement } from '../engagements/engagement.entity';

export const invoiceStatuses = ['draft', 'open', 'paid', 'void', 'uncollectible'] as const;
export type TInvoiceStatus = (typeof invoiceStatuses)[number];

/** One line of an invoice, as billed: quantity one, amount in minor units. */
export interface TInvoiceLine {
  description: string;
  amountMinor: number;
}

/** A bill to a client. Amounts are integers in the currency's minor unit (cents). */
export const Invoice = defineEntity({
  name: 'Invoice',
  tableName: 'invoice',
  indexes: [
    { properties: ['organization', 'status', 'dueAt'] },
    { properties: ['client'] },
    { properties: ['engagement'] },
  ],
  properties: {
    id: idColumn(),
    organization: () => p.manyToOne(Organization),
    client: () => p.manyToOne(Client),
    engagement: () => p.manyToOne(Engagement).nullable(),
    number: p.string().length(40),
    description: p.string().length(300),
    stripeCustomerId: p.string().length(100).nullable(),
    stripeInvoiceId: p.string().length(100).unique().nullable(),
    amountDueMinor: p.integer(),
    amountPaidMinor: p.integer().default(0),
    currency: p.string().length(3).default('usd'),
    status: p.enum(invoiceStatuses).default('draft'),
    dueAt: timestampColumn().nullable(),
    hostedUrl: p.string().length(500).nullable(),
    /** What is billed; the amounts add up to amountDueMinor. Null on invoices from before lines were kept. */
    lines: p.json<TInvoiceLine[]>().nullable(),
    createdAt: createdAtColumn(),
    /** When the provider was asked to email the invoice (once: a retry does not send it again). */
    sentAt: timestampColumn().nullable(),
    paidAt: timestampColumn().nullable(),
    voidedAt: timestampColumn().nullable(),
  },
});

export type IInvoice = InferEntity<typeof Invoice>;
