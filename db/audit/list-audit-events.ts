import type { FilterQuery } from '@mikro-orm/core';
import {
  decodeCursor,
  encodeCursor,
  keyPart,
  pageSize,
  rowComparison,
  toPage,
  type TPage,
} from '../queries/keyset';
import type { EntityManager } from '../types';
import { AuditEvent, type IAuditEvent, type TAuditActorType } from './audit-event.entity';

/** What the audit log can be narrowed to. Every field is optional; together they are AND-ed. */
export interface TAuditFilters {
  /** A user ID (staff) or contact ID (portal). */
  actorId?: string;
  actorType?: TAuditActorType;
  /** An exact action, e.g. `document.downloaded`. */
  action?: string;
  /** An exact target type, e.g. `engagement`. */
  targetType?: string;
  /** Events at or after this instant. */
  from?: Date;
  /** Events before this instant. */
  to?: Date;
}

const list = 'audit';

function conditions(organizationId: string, filters: TAuditFilters): FilterQuery<IAuditEvent>[] {
  const where: FilterQuery<IAuditEvent>[] = [{ organization: organizationId }];
  if (filters.actorId) where.push({ actorId: filters.actorId });
  if (filters.actorType) where.push({ actorType: filters.actorType });
  if (filters.action) where.push({ action: filters.action });
  if (filters.targetType) where.push({ targetType: filters.targetType });
  if (filters.from) where.push({ occurredAt: { $gte: filters.from } });
  if (filters.to) where.push({ occurredAt: { $lt: filters.to } });
  return where;
}

/**
 * One page of a firm's audit events, newest first, keyset-paginated on (occurred_at, id) descending.
 * Indexes: (organization, occurred_at) without filters, (organization, action, occurred_at),
 * (organization, actor_id, occurred_at) and (organization, target_type, occurred_at) with one; each
 * gives the order and the cursor's range.
 */
export async function listAuditEvents(
  em: EntityManager,
  input: { organizationId: string; filters: TAuditFilters; after?: string | null; limit?: number },
): Promise<TPage<IAuditEvent>> {
  const limit = pageSize(input.limit);
  const where = conditions(input.organizationId, input.filters);
  if (input.after) {
    const [at, id] = decodeCursor(list, input.after, 2);
    where.push(
      rowComparison<IAuditEvent>(['occurred_at', 'id'], '<', [
        keyPart(list, at, 'time'),
        keyPart(list, id, 'uuid'),
      ]),
    );
  }
  const rows = await em.find(
    AuditEvent,
    { $and: where },
    { orderBy: { occurredAt: 'desc', id: 'desc' }, limit: limit + 1 },
  );
  return toPage(rows, limit, (last) => encodeCursor(list, [last.occurredAt.toISOString(), last.id]));
}

/**
 * Every matching audit event, newest first, in batches of `batchSize` (for exports): each batch is one
 * keyset query, and the EntityManager is cleared between batches so memory stays flat however long
 * the log is.
 */
export async function* auditEventBatches(
  em: EntityManager,
  input: { organizationId: string; filters: TAuditFilters; batchSize?: number },
): AsyncGenerator<IAuditEvent[]> {
  let after: string | null = null;
  for (;;) {
    const page: TPage<IAuditEvent> = await listAuditEvents(em, {
      organizationId: input.organizationId,
      filters: input.filters,
      after,
      limit: input.batchSize ?? 500,
    });
    if (page.items.length > 0) yield page.items;
    if (!page.nextCursor) return;
    after = page.nextCursor;
    em.clear();
  }
}
