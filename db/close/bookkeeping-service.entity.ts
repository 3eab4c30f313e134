import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { idColumn, createdAtColumn, updatedAtColumn, timestampColumn } from '../shared/columns';
import { Organization } from '../organizations/organization.entity';
import { Client } from '../clients/client.entity';
import { User } from '../users/user.entity';

export const bookkeepingServiceStatuses = ['active', 'stopped'] as const;
export type TBookkeepingServiceStatus = (typeof bookkeepingServiceStatuses)[number];

/** A bank account the close reconciles: its QuickBooks account. */
export interface TCloseBankAccount {
  ledgerAccountId: string;
  name: string;
}

/**
 * A client's monthly bookkeeping service: while active, a Temporal Schedule (`scheduleId`) starts
 * the close of the previous month on `closeDayOfMonth`.
 */
export const BookkeepingService = defineEntity({
  name: 'BookkeepingService',
  tableName: 'bookkeeping_service',
  indexes: [{ properties: ['organization', 'status'] }, { properties: ['startedBy'] }],
  properties: {
    id: idColumn(),
    organization: () => p.manyToOne(Organization),
    client: () => p.manyToOne(Client).unique(),
    status: p.enum(bookkeepingServiceStatuses).default('active'),
    /** 2 to 28: the day of the month the previous month is closed. */
    closeDayOfMonth: p.integer(),
    bankAccounts: p.json<TCloseBankAccount[]>(),
    /** The Temporal Schedule, `close-schedule:<clientId>`. */
    scheduleId: p.string().length(200).unique(),
    startedBy: () => p.manyToOne(User).nullable(),
    startedAt: timestampColumn(),
    stoppedAt: timestampColumn().nullable(),
    createdAt: createdAtColumn(),
    updatedAt: updatedAtColumn(),
  },
});

export type IBookkeepingService = InferEntity<typeof BookkeepingService>;
