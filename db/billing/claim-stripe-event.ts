import type { EntityManager } from '@mikro-orm/postgresql';

export interface TClaimedStripeEvent {
  id: string;
  providerEventId: string;
  type: string;
  payload: Record<string, unknown>;
  receivedAt: Date;
}

/**
 * Locks one stored Stripe event that still waits to be processed, for the rest of the caller's
 * transaction. Returns null when it is processed already or another process holds it (SKIP LOCKED),
 * so two web processes never work on the same event at once. Call it inside a transaction.
 */
export async function claimStripeEvent(
  tx: EntityManager,
  webhookEventId: string,
): Promise<TClaimedStripeEvent | null> {
  const rows = await tx.execute<
    { id: string; provider_event_id: string; type: string; payload: unknown; received_at: Date | string }[]
  >(
    `SELECT id, provider_event_id, type, payload, received_at FROM webhook_event
      WHERE id = ? AND provider = 'stripe' AND status = 'received'
      FOR UPDATE SKIP LOCKED`,
    [webhookEventId],
  );
  const row = rows[0];
  if (!row) return null;
  const payload = typeof row.payload === 'string' ? (JSON.parse(row.payload) as unknown) : row.payload;
  return {
    id: row.id,
    providerEventId: row.provider_event_id,
    type: row.type,
    payload: typeof payload === 'object' && payload !== null ? (payload as Record<string, unknown>) : {},
    receivedAt: new Date(row.received_at),
  };
}
