import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../lib/errors';
import type { TActor } from '../audit/actor';
import { recordAuditEvent } from '../audit/record-audit-event';
import { Client } from '../clients/client.entity';
import { completeTask } from '../tasks/complete-task';
import { Task } from '../tasks/task.entity';
import {
  IntegrationConnection,
  type IIntegrationConnection,
  type TIntegrationProvider,
} from './integration-connection.entity';
import type { TTokenPair } from './save-refreshed-tokens';

export interface TConnectLedgerCompanyInput {
  organizationId: string;
  clientId: string;
  provider: TIntegrationProvider;
  /** The QuickBooks company (realm) ID the user chose. */
  realmId: string;
  companyName: string | null;
  tokens: TTokenPair;
  actor: TActor;
  now?: Date;
}

/**
 * Stores a client's connection to a QuickBooks company after the OAuth callback: tokens encrypted,
 * status connected. Connecting the same company again (after "reconnect needed") renews the same
 * connection and closes its reconnect tasks. A company connected to another client, or a client
 * already connected to another company, is refused with a message saying what to disconnect first.
 */
export async function connectLedgerCompany(
  em: EntityManager,
  input: TConnectLedgerCompanyInput,
): Promise<IIntegrationConnection> {
  const now = input.now ?? new Date();
  const connection = await em.transactional(async (tx) => {
    const client = await tx.findOne(Client, { id: input.clientId, organization: input.organizationId });
    if (!client) throw new AppError('not_found', 'Client not found.');

    // The company's connection may belong to another firm, which this firm's EntityManager cannot
    // see; the unique (provider, external_id) key spans firms, so look past the tenant filter here.
    const [holder] = await tx.execute<
      { id: string; organization_id: string; client_id: string; status: string }[]
    >(
      'SELECT id, organization_id, client_id, status FROM integration_connection WHERE provider = ? AND external_id = ? FOR UPDATE',
      [input.provider, input.realmId],
    );
    if (holder && holder.organization_id !== input.organizationId) {
      if (holder.status !== 'disconnected') {
        throw new AppError(
          'conflict',
          'This QuickBooks company is connected to another CPA Platform account. It has to be disconnected there first.',
          { reason: 'ledger_company_taken' },
        );
      }
      // A connection the other firm ended holds no tokens: the company is free to connect here.
      await tx.execute('DELETE FROM integration_connection WHERE id = ? AND status = ?', [
        holder.id,
        'disconnected',
      ]);
    }

    const active = await tx.findOne(IntegrationConnection, {
      organization: input.organizationId,
      client: input.clientId,
      provider: input.provider,
      status: { $ne: 'disconnected' },
      externalId: { $ne: input.realmId },
    });
    if (active) {
      throw new AppError(
        'conflict',
        `${client.displayName} is already connected to ${active.companyName ?? 'another QuickBooks company'}. Disconnect it first to connect a different company.`,
        { reason: 'ledger_client_already_connected' },
      );
    }

    let connection =
      holder && holder.organization_id === input.organizationId
        ? await tx.findOne(IntegrationConnection, { id: holder.id }, { lockMode: LockMode.PESSIMISTIC_WRITE })
        : null;
    const reconnect = connection !== null && connection.client.id === input.clientId;
    if (connection && !reconnect) {
      if (connection.status !== 'disconnected') {
        const other = await tx.findOneOrFail(
          Client,
          { id: connection.client.id },
          { fields: ['displayName'] },
        );
        throw new AppError(
          'conflict',
          `This QuickBooks company is already connected to ${other.displayName}. Disconnect it there first.`,
          { reason: 'ledger_company_taken' },
        );
      }
      connection.client = tx.getReference(Client, input.clientId);
      connection.syncCursors = null;
    }
    if (!connection) {
      connection = tx.create(IntegrationConnection, {
        organization: input.organizationId,
        client: input.clientId,
        provider: input.provider,
        externalId: input.realmId,
        status: 'connected',
        tokenVersion: 0,
      });
    }
    connection.accessToken = input.tokens.accessToken;
    connection.refreshToken = input.tokens.refreshToken;
    connection.accessTokenExpiresAt = input.tokens.accessTokenExpiresAt;
    connection.refreshTokenExpiresAt = input.tokens.refreshTokenExpiresAt;
    connection.tokenVersion += 1;
    connection.status = 'connected';
    connection.statusReason = null;
    connection.statusChangedAt = now;
    connection.connectedAt = now;
    connection.lastRefreshedAt = null;
    connection.companyName = input.companyName?.slice(0, 200) ?? connection.companyName ?? null;
    recordAuditEvent(tx, {
      organizationId: input.organizationId,
      actor: input.actor,
      action: reconnect ? 'integration.reconnected' : 'integration.connected',
      target: { type: 'integration_connection', id: connection.id },
      details: { provider: input.provider, clientId: input.clientId },
    });
    return connection;
  });

  const reconnectTasks = await em.find(
    Task,
    {
      organization: input.organizationId,
      status: 'open',
      key: { $like: `ledger-reconnect:${connection.id}:%` },
    },
    { fields: ['id'] },
  );
  for (const task of reconnectTasks) {
    await completeTask(em, { organizationId: input.organizationId, taskId: task.id, actor: input.actor });
  }
  return connection;
}
