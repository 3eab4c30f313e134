import type { EntityManager } from '@mikro-orm/postgresql';

export interface TIdleLedgerConnection {
  connectionId: string;
  organizationId: string;
  realmId: string;
  refreshTokenExpiresAt: Date | null;
}

/**
 * Connected QuickBooks connections whose refresh token runs out before `expiresBefore` (QuickBooks
 * refresh tokens die after about 100 days without use, so a client whose books sit idle would lose
 * the connection), and those whose expiry is unknown and whose tokens were last renewed before
 * `unknownExpiryRenewedBefore`. Soonest expiry first, across firms (pass `forSystem`). Served by the
 * (organization, status) index's status filter; the set of connections is small.
 */
export async function listIdleLedgerConnections(
  em: EntityManager,
  input: { expiresBefore: Date; unknownExpiryRenewedBefore: Date; limit: number },
): Promise<TIdleLedgerConnection[]> {
  const rows = await em.execute<
    { id: string; organization_id: string; external_id: string; refresh_token_expires_at: Date | null }[]
  >(
    `SELECT id, organization_id, external_id, refresh_token_expires_at FROM integration_connection
      WHERE provider = 'quickbooks' AND status = 'connected'
        AND (refresh_token_expires_at < ?
             OR (refresh_token_expires_at IS NULL
                 AND coalesce(last_refreshed_at, connected_at, created_at) < ?))
      ORDER BY refresh_token_expires_at ASC NULLS FIRST, id
      LIMIT ?`,
    [input.expiresBefore, input.unknownExpiryRenewedBefore, input.limit],
  );
  return rows.map((row) => ({
    connectionId: row.id,
    organizationId: row.organization_id,
    realmId: row.external_id,
    refreshTokenExpiresAt: row.refresh_token_expires_at ? new Date(row.refresh_token_expires_at) : null,
  }));
}
