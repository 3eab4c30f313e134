import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { idColumn, createdAtColumn, timestampColumn } from '../shared/columns';
import { Organization } from '../organizations/organization.entity';

export const emailStatuses = ['pending', 'sent'] as const;
export type TEmailStatus = (typeof emailStatuses)[number];

/**
 * The sent-log: one row per business email. The unique idempotency key is what makes a retried
 * activity send an email at most once.
 */
export const EmailMessage = defineEntity({
  name: 'EmailMessage',
  tableName: 'email_message',
  indexes: [{ properties: ['organization', 'createdAt'] }],
  properties: {
    id: idColumn(),
    organization: () => p.manyToOne(Organization),
    idempotencyKey: p.string().length(300).unique(),
    template: p.string().length(80),
    toAddress: p.string().length(320),
    subject: p.string().length(300),
    status: p.enum(emailStatuses).default('pending'),
    providerMessageId: p.string().length(300).nullable(),
    attempts: p.integer().default(0),
    createdAt: createdAtColumn(),
    sentAt: timestampColumn().nullable(),
  },
});

export type IEmailMessage = InferEntity<typeof EmailMessage>;
