import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { idColumn, updatedAtColumn, timestampColumn } from '../shared/columns';
import { Organization } from '../organizations/organization.entity';
import { Engagement } from '../engagements/engagement.entity';
import { Document } from '../documents/document.entity';
import { Task } from '../tasks/task.entity';
import { User } from '../users/user.entity';

export const reconciliationStatuses = [
  /** The statement's ending balance equals the ledger's. */
  'matched',
  /** They differ: a staff task is open. */
  'discrepancy',
  /** Staff accepted the difference with a note (e.g. a cheque in transit). */
  'accepted',
] as const;
export type TReconciliationStatus = (typeof reconciliationStatuses)[number];

/** One bank account's reconciliation in a close: statement ending balance against the ledger. */
export const CloseReconciliation = defineEntity({
  name: 'CloseReconciliation',
  tableName: 'close_reconciliation',
  uniques: [{ properties: ['engagement', 'ledgerAccountId'] }],
  indexes: [{ properties: ['statementDocument'] }, { properties: ['task'] }, { properties: ['resolvedBy'] }],
  properties: {
    id: idColumn(),
    organization: () => p.manyToOne(Organization),
    engagement: () => p.manyToOne(Engagement),
    ledgerAccountId: p.string().length(40),
    accountName: p.string().length(200),
    /** `yyyy-mm-dd`: the statement's closing date. */
    statementDate: p.string().length(10),
    statementEndingBalanceMinor: p.bigint('number'),
    statementSource: p.enum(['document', 'staff'] as const),
    statementDocument: () => p.manyToOne(Document).nullable(),
    ledgerBalanceMinor: p.bigint('number'),
    /** Statement minus ledger. */
    differenceMinor: p.bigint('number'),
    status: p.enum(reconciliationStatuses),
    task: () => p.manyToOne(Task).nullable(),
    resolutionNote: p.text().nullable(),
    resolvedBy: () => p.manyToOne(User).nullable(),
    reconciledAt: timestampColumn(),
    updatedAt: updatedAtColumn(),
  },
});

export type ICloseReconciliation = InferEntity<typeof CloseReconciliation>;
