import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { IntegrationConnection } from './integration-connection.entity';

/** Where change data capture should resume for an entity of a connection, or null before the first poll. */
export function syncCursorOf(
  connection: { syncCursors?: Record<string, string> | null },
  entity: string,
): Date | null {
  const value = connection.syncCursors?.[entity];
  if (!value) return null;
  const time = Date.parse(value);
  return Number.isNaN(time) ? null : new Date(time);
}

/**
 * Moves the change data capture cursors of a connection (entity → next `changedSince`) forward.
 * A cursor never moves back, so an older poll that finishes late cannot make the next poll skip
 * or repeat more than it must. Locked read-modify-write: concurrent polls of other entities keep
 * each other's cursors.
 */
export async function advanceSyncCursors(
  em: EntityManager,
  input: { organizationId: string; connectionId: string; cursors: Record<string, Date> },
): Promise<Record<string, string>> {
  return em.transactional(async (tx) => {
    const connection = await tx.findOneOrFail(
      IntegrationConnection,
      { id: input.connectionId, organization: input.organizationId },
      { lockMode: LockMode.PESSIMISTIC_WRITE },
    );
    const next: Record<string, string> = { ...(connection.syncCursors ?? {}) };
    for (const [entity, to] of Object.entries(input.cursors)) {
      const current = syncCursorOf(connection, entity);
      if (!current || to.getTime() > current.getTime()) next[entity] = to.toISOString();
    }
    connection.syncCursors = next;
    return next;
  });
}
