import type { EntityManager } from '@mikro-orm/postgresql';

/**
 * Stores one verified QuickBooks change notification, once per event ID: the unique
 * (provider, provider_event_id) key is the dedupe, so a redelivery (Intuit retries; legacy events
 * get a derived ID that is the same every time) stores nothing. The firm is unknown until the
 * company (realm) is matched to a connection.
 */
export async function storeQuickbooksEvent(
  em: EntityManager,
  input: { eventId: string; type: string; payload: Record<string, unknown> },
): Promise<{ webhookEventId: string | null; duplicate: boolean }> {
  const rows = await em.execute<{ id: string }[]>(
    `INSERT INTO webhook_event (id, provider, provider_event_id, type, status, payload, received_at)
     VALUES (gen_random_uuid(), 'quickbooks', ?, ?, 'received', ?::jsonb, now())
     ON CONFLICT (provider, provider_event_id) DO NOTHING
     RETURNING id`,
    [input.eventId.slice(0, 200), input.type.slice(0, 120), JSON.stringify(input.payload)],
  );
  const id = rows[0]?.id;
  return id ? { webhookEventId: id, duplicate: false } : { webhookEventId: null, duplicate: true };
}
