import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { TActor } from '../audit/actor';
import { recordAuditEvent } from '../audit/record-audit-event';
import { Client } from '../clients/client.entity';
import { createTask } from '../tasks/create-task';
import { IntegrationConnection } from './integration-connection.entity';

/** The business key of the staff task that asks to reconnect a connection (one per broken version). */
export function reconnectTaskKey(connectionId: string, tokenVersion: number): string {
  return `ledger-reconnect:${connectionId}:${tokenVersion}`;
}

/**
 * Moves a connected connection to "reconnect needed" with the reason staff will read, and opens a
 * task for the firm to connect it again. With `expectedVersion`, nothing happens when the tokens
 * changed since (another process refreshed successfully, so the failure was about old tokens).
 * Idempotent: a connection already waiting for reconnection stays as it is.
 */
export async function markConnectionReconnectNeeded(
  em: EntityManager,
  input: {
    organizationId: string;
    connectionId: string;
    reason: string;
    expectedVersion?: number;
    actor: TActor;
    now?: Date;
  },
): Promise<{ changed: boolean }> {
  return em.transactional(async (tx) => {
    const connection = await tx.findOne(
      IntegrationConnection,
      { id: input.connectionId, organization: input.organizationId },
      { lockMode: LockMode.PESSIMISTIC_WRITE },
    );
    if (!connection || connection.status !== 'connected') return { changed: false };
    if (input.expectedVersion !== undefined && connection.tokenVersion !== input.expectedVersion) {
      return { changed: false };
    }
    connection.status = 'reconnect_needed';
    connection.statusReason = input.reason.slice(0, 500);
    connection.statusChangedAt = input.now ?? new Date();
    recordAuditEvent(tx, {
      organizationId: input.organizationId,
      actor: input.actor,
      action: 'integration.reconnect_needed',
      target: { type: 'integration_connection', id: connection.id },
      details: { provider: connection.provider },
    });
    const client = await tx.findOneOrFail(Client, { id: connection.client.id }, { fields: ['displayName'] });
    await createTask(tx, {
      organizationId: input.organizationId,
      key: reconnectTaskKey(connection.id, connection.tokenVersion),
      title: `Reconnect QuickBooks for ${client.displayName}`,
      details:
        `QuickBooks stopped accepting this client's connection: ${connection.statusReason} ` +
        'Open Settings → Integrations and connect the company again (or ask the client to, from the portal). ' +
        'Monthly close work that needs QuickBooks waits until then.',
      kind: 'follow_up',
      clientId: client.id,
      actor: input.actor,
    });
    return { changed: true };
  });
}
