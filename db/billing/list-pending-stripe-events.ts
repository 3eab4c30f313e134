import type { EntityManager } from '@mikro-orm/postgresql';

/**
 * Stored Stripe events still waiting to be processed that were received before `receivedBefore`
 * (those a crash or an outage left behind), oldest first. Served by webhook_event (status, received_at).
 */
export async function listPendingStripeEvents(
  em: EntityManager,
  input: { receivedBefore: Date; limit: number },
): Promise<string[]> {
  const rows = await em.execute<{ id: string }[]>(
    `SELECT id FROM webhook_event
      WHERE status = 'received' AND received_at < ? AND provider = 'stripe'
      ORDER BY received_at LIMIT ?`,
    [input.receivedBefore, input.limit],
  );
  return rows.map((row) => row.id);
}
