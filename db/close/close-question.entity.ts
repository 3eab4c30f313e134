import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { idColumn, createdAtColumn, updatedAtColumn, timestampColumn } from '../shared/columns';
import { Organization } from '../organizations/organization.entity';
import { Client } from '../clients/client.entity';
import { Contact } from '../clients/contact.entity';
import { Engagement } from '../engagements/engagement.entity';

export const closeQuestionStatuses = [
  /** Waiting for the client in the portal. */
  'open',
  /** The client chose a category; not yet written to the ledger. */
  'answered',
  /** The category is in QuickBooks. */
  'written_back',
  /** The client did not know: staff categorize it. */
  'needs_staff',
  /** Someone categorized it in QuickBooks directly (or it was deleted) before the client answered. */
  'resolved_in_ledger',
  /** The close was cancelled before an answer. */
  'withdrawn',
] as const;
export type TCloseQuestionStatus = (typeof closeQuestionStatuses)[number];

export interface TCategoryOption {
  accountId: string;
  name: string;
}

/**
 * An uncategorized bank transaction line of a close period, asked of the client in the portal: "what
 * was this?". One row per transaction line and close; the answer is written back to QuickBooks once.
 */
export const CloseQuestion = defineEntity({
  name: 'CloseQuestion',
  tableName: 'close_question',
  uniques: [{ properties: ['engagement', 'txnEntity', 'txnId', 'lineId'] }],
  indexes: [{ properties: ['client', 'status'] }, { properties: ['answeredByContact'] }],
  properties: {
    id: idColumn(),
    organization: () => p.manyToOne(Organization),
    engagement: () => p.manyToOne(Engagement),
    client: () => p.manyToOne(Client),
    /** QuickBooks entity: Purchase (money out) or Deposit (money in). */
    txnEntity: p.string().length(30),
    txnId: p.string().length(40),
    /** The transaction line in the uncategorized account (one question per line). */
    lineId: p.string().length(40),
    /** `yyyy-mm-dd`. */
    txnDate: p.string().length(10),
    amountMinor: p.bigint('number'),
    direction: p.enum(['expense', 'income'] as const),
    description: p.string().length(500),
    payee: p.string().length(200).nullable(),
    /** The uncategorized account the transaction sits in now. */
    currentAccountId: p.string().length(40),
    /** Categories the client may choose from. */
    options: p.json<TCategoryOption[]>(),
    status: p.enum(closeQuestionStatuses).default('open'),
    answerAccountId: p.string().length(40).nullable(),
    answerAccountName: p.string().length(200).nullable(),
    answerNote: p.text().nullable(),
    answeredByContact: () => p.manyToOne(Contact).nullable(),
    answeredAt: timestampColumn().nullable(),
    writtenBackAt: timestampColumn().nullable(),
    createdAt: createdAtColumn(),
    updatedAt: updatedAtColumn(),
  },
});

export type ICloseQuestion = InferEntity<typeof CloseQuestion>;
