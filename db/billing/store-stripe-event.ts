import type { EntityManager } from '@mikro-orm/postgresql';

/**
 * Stores a verified Stripe delivery, once per event ID: the unique (provider, provider_event_id)
 * key is the dedupe, so a redelivery (Stripe retries, or two deliveries racing) finds the row taken
 * and stores nothing. The firm is unknown until the event is matched to an invoice.
 */
export async function storeStripeEvent(
  em: EntityManager,
  input: { eventId: string; type: string; payload: Record<string, unknown> },
): Promise<{ webhookEventId: string | null; duplicate: boolean }> {
  const rows = await em.execute<{ id: string }[]>(
    `INSERT INTO webhook_event (id, provider, provider_event_id, type, status, payload, received_at)
     VALUES (gen_random_uuid(), 'stripe', ?, ?, 'received', ?::jsonb, now())
     ON CONFLICT (provider, provider_event_id) DO NOTHING
     RETURNING id`,
    [input.eventId.slice(0, 200), input.type.slice(0, 120), JSON.stringify(input.payload)],
  );
  const id = rows[0]?.id;
  return id ? { webhookEventId: id, duplicate: false } : { webhookEventId: null, duplicate: true };
}
