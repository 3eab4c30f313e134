import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../lib/errors';
import type { TActor } from '../audit/actor';
import { recordAuditEvent } from '../audit/record-audit-event';
import { Task } from '../tasks/task.entity';
import { IntegrationConnection } from './integration-connection.entity';

/**
 * Ends a client's connection: the tokens are erased (the caller revokes them at the vendor first,
 * see readConnectionRefreshToken), the status becomes disconnected and open reconnect tasks are cancelled.
 * Disconnecting twice is harmless.
 */
export async function disconnectLedgerCompany(
  em: EntityManager,
  input: {
    organizationId: string;
    connectionId: string;
    actor: TActor;
    /** Why, for staff (e.g. "Disconnected by Maya Manager"). */
    reason: string;
    now?: Date;
  },
): Promise<void> {
  await em.transactional(async (tx) => {
    const connection = await tx.findOne(
      IntegrationConnection,
      { id: input.connectionId, organization: input.organizationId },
      { lockMode: LockMode.PESSIMISTIC_WRITE },
    );
    if (!connection) throw new AppError('not_found', 'This connection could not be found.');
    if (connection.status === 'disconnected') return;
    connection.status = 'disconnected';
    connection.statusReason = input.reason.slice(0, 500);
    connection.statusChangedAt = input.now ?? new Date();
    connection.accessToken = null;
    connection.refreshToken = null;
    connection.accessTokenExpiresAt = null;
    connection.refreshTokenExpiresAt = null;
    connection.tokenVersion += 1;
    recordAuditEvent(tx, {
      organizationId: input.organizationId,
      actor: input.actor,
      action: 'integration.disconnected',
      target: { type: 'integration_connection', id: connection.id },
      details: { provider: connection.provider },
    });
    const tasks = await tx.find(Task, {
      organization: input.organizationId,
      status: 'open',
      key: { $like: `ledger-reconnect:${connection.id}:%` },
    });
    for (const task of tasks) {
      task.status = 'cancelled';
      task.completedAt = input.now ?? new Date();
    }
  });
}
