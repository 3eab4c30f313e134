import type { EntityManager } from '@mikro-orm/postgresql';
import type { TLedgerEntityChange } from '../../integrations/ledger/ledger';
import type { TStoredChange } from './process-quickbooks-event';

const operations = new Set<TLedgerEntityChange['operation']>([
  'Create',
  'Update',
  'Delete',
  'Merge',
  'Void',
  'Emailed',
]);

/**
 * Stored QuickBooks changes whose close could not be told: `failed` ones, and `received` ones left
 * behind by a process that stopped before handling them (older than `receivedBefore`), received
 * since `receivedAfter` (older ones have been read by their close's change data capture, or are
 * left for staff), oldest first. The stored payload becomes the change again; a row whose payload
 * cannot be read is skipped and reported in `unreadable`.
 */
export async function listRetryableQuickbooksEvents(
  em: EntityManager,
  input: { receivedBefore: Date; receivedAfter: Date; limit: number },
): Promise<{ changes: TStoredChange[]; unreadable: string[] }> {
  const rows = await em.execute<
    { id: string; provider_event_id: string; payload: Record<string, unknown> }[]
  >(
    `SELECT id, provider_event_id, payload FROM webhook_event
      WHERE provider = 'quickbooks' AND received_at > ?
        AND (status = 'failed' OR (status = 'received' AND received_at < ?))
      ORDER BY received_at LIMIT ?`,
    [input.receivedAfter, input.receivedBefore, input.limit],
  );
  const changes: TStoredChange[] = [];
  const unreadable: string[] = [];
  for (const row of rows) {
    const change = changeOf(row.provider_event_id, row.payload);
    if (change) changes.push({ webhookEventId: row.id, change });
    else unreadable.push(row.id);
  }
  return { changes, unreadable };
}

function changeOf(eventId: string, payload: Record<string, unknown>): TLedgerEntityChange | null {
  const { format, realmId, entity, entityId, operation, occurredAt, deletedId } = payload;
  if (format !== 'cloudevents' && format !== 'legacy') return null;
  if (typeof realmId !== 'string' || typeof entity !== 'string' || typeof entityId !== 'string') return null;
  if (typeof operation !== 'string' || !operations.has(operation as TLedgerEntityChange['operation']))
    return null;
  const at = typeof occurredAt === 'string' ? new Date(occurredAt) : null;
  if (!at || Number.isNaN(at.getTime())) return null;
  return {
    eventId,
    format,
    realmId,
    entity,
    entityId,
    operation: operation as TLedgerEntityChange['operation'],
    occurredAt: at,
    ...(typeof deletedId === 'string' ? { deletedId } : {}),
  };
}
