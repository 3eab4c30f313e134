import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../lib/errors';
import type { TActor } from '../audit/actor';
import { recordAuditEvent } from '../audit/record-audit-event';
import { Client } from '../clients/client.entity';
import {
  BookkeepingService,
  type IBookkeepingService,
  type TCloseBankAccount,
} from './bookkeeping-service.entity';
import { User } from '../users/user.entity';

/**
 * Starts (or updates, or restarts) a client's monthly bookkeeping service. The caller then upserts
 * the Temporal Schedule `scheduleId`; doing both again is harmless.
 */
export async function startBookkeepingService(
  em: EntityManager,
  input: {
    organizationId: string;
    clientId: string;
    scheduleId: string;
    closeDayOfMonth: number;
    bankAccounts: TCloseBankAccount[];
    byUserId: string | null;
    at: Date;
    actor: TActor;
  },
): Promise<IBookkeepingService> {
  if (!Number.isInteger(input.closeDayOfMonth) || input.closeDayOfMonth < 2 || input.closeDayOfMonth > 28) {
    throw new AppError('invalid_input', 'Choose a close day between the 2nd and the 28th of the month.');
  }
  if (input.bankAccounts.length === 0) {
    throw new AppError('invalid_input', 'Add at least one bank account to reconcile.');
  }
  return em.transactional(async (tx) => {
    const client = await tx.findOne(Client, { id: input.clientId, organization: input.organizationId });
    if (!client) throw new AppError('not_found', 'Client not found.');
    if (client.status === 'inactive') {
      throw new AppError(
        'conflict',
        'This client is inactive: reactivate them before starting bookkeeping.',
        {
          reason: 'client_inactive',
        },
      );
    }
    const existing = await tx.findOne(BookkeepingService, { client: client.id });
    const service =
      existing ??
      tx.create(BookkeepingService, {
        organization: input.organizationId,
        client,
        status: 'active',
        closeDayOfMonth: input.closeDayOfMonth,
        bankAccounts: input.bankAccounts,
        scheduleId: input.scheduleId,
        startedBy: input.byUserId,
        startedAt: input.at,
      });
    const wasActive = existing?.status === 'active';
    if (existing) {
      existing.status = 'active';
      existing.closeDayOfMonth = input.closeDayOfMonth;
      existing.bankAccounts = input.bankAccounts;
      existing.scheduleId = input.scheduleId;
      existing.stoppedAt = null;
      if (!wasActive) {
        existing.startedAt = input.at;
        existing.startedBy = input.byUserId ? tx.getReference(User, input.byUserId) : null;
      }
    }
    recordAuditEvent(tx, {
      organizationId: input.organizationId,
      actor: input.actor,
      action: wasActive ? 'bookkeeping.updated' : 'bookkeeping.started',
      target: { type: 'client', id: client.id },
      details: { closeDayOfMonth: input.closeDayOfMonth, bankAccounts: input.bankAccounts.length },
    });
    return service;
  });
}
