import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { idColumn, createdAtColumn, timestampColumn } from '../shared/columns';
import { Organization } from '../organizations/organization.entity';

/**
 * pending: not handed to the mail server yet (or the last attempt failed in a way a retry can fix);
 * sent: the mail server accepted it; failed: refused for good (e.g. no such mailbox), not retried;
 * bounced: accepted, then reported undeliverable by the recipient's server.
 */
export const emailStatuses = ['pending', 'sent', 'failed', 'bounced'] as const;
export type TEmailStatus = (typeof emailStatuses)[number];

/**
 * The sent-log: one row per business email. The unique idempotency key is what makes a retried
 * activity send an email at most once.
 */
export const EmailMessage = defineEntity({
  name: 'EmailMessage',
  tableName: 'email_message',
  indexes: [
    { properties: ['organization', 'createdAt'] },
    { properties: ['providerMessageId'] },
    { properties: ['organization', 'relatedType', 'relatedId'] },
  ],
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
    /** While set and in the future, one attempt is sending this email; others wait for it. */
    claimedUntil: timestampColumn().nullable(),
    /** Why the last attempt failed or why the email bounced (the server's reply, never content). */
    lastError: p.string().length(500).nullable(),
    /** When the last attempt failed, or when the bounce was recorded. */
    failedAt: timestampColumn().nullable(),
    /** What the email is about, e.g. `engagement` and its ID (for listing a thing's emails). */
    relatedType: p.string().length(40).nullable(),
    relatedId: p.string().length(100).nullable(),
    createdAt: createdAtColumn(),
    sentAt: timestampColumn().nullable(),
  },
});

export type IEmailMessage = InferEntity<typeof EmailMessage>;
