import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { idColumn, timestampColumn } from '../shared/columns';
import { Organization } from '../organizations/organization.entity';
import { Invoice } from './invoice.entity';

export const paymentStatuses = ['succeeded', 'failed', 'refunded'] as const;
export type TPaymentStatus = (typeof paymentStatuses)[number];

/** Money received against an invoice. Amounts in minor units. */
export const Payment = defineEntity({
  name: 'Payment',
  tableName: 'payment',
  indexes: [{ properties: ['invoice'] }, { properties: ['organization', 'paidAt'] }],
  properties: {
    id: idColumn(),
    organization: () => p.manyToOne(Organization),
    invoice: () => p.manyToOne(Invoice),
    stripePaymentIntentId: p.string().length(100).unique().nullable(),
    amountMinor: p.integer(),
    currency: p.string().length(3).default('usd'),
    status: p.enum(paymentStatuses),
    paidAt: timestampColumn(),
  },
});

export type IPayment = InferEntity<typeof Payment>;
