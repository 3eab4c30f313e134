import type { FilterQuery } from '@mikro-orm/core';
import { Engagement, type IEngagement, type TEngagementType } from '../engagements/engagement.entity';
import type { EntityManager } from '../types';
import {
  decodeCursor,
  encodeCursor,
  keyPart,
  pageNullsLast,
  pageSize,
  rowComparison,
  toPage,
  type TPage,
} from './keyset';

export interface TListEngagementsInput {
  organizationId: string;
  stage?: string;
  type?: TEngagementType;
  /** Only engagements this staff member is assigned to, as preparer or reviewer. */
  assignedToUserId?: string;
  /** `recent`: last changed first (default). `due`: soonest due first, engagements without a due date last. */
  order?: 'recent' | 'due';
  /** `nextCursor` of the previous page (of the same order). */
  after?: string | null;
  limit?: number;
}

/**
 * A firm's engagements, one page at a time. Items carry the client as a reference: populate what
 * the page shows (`em.populate(page.items, ['client'])`, one more query).
 *
 * Indexes: `recent` walks (organization, updated_at, id) backwards, or (organization, stage, updated_at)
 * with a stage filter; `due` walks (organization, due_at), or (organization, type, due_at) with a type
 * filter. Ties within one timestamp are put in ID order by an incremental sort.
 */
export async function listEngagements(
  em: EntityManager,
  input: TListEngagementsInput,
): Promise<TPage<IEngagement>> {
  const limit = pageSize(input.limit);
  const filters: FilterQuery<IEngagement>[] = [{ organization: input.organizationId }];
  if (input.stage) filters.push({ stage: input.stage });
  if (input.type) filters.push({ type: input.type });
  if (input.assignedToUserId) {
    filters.push({ $or: [{ preparer: input.assignedToUserId }, { reviewer: input.assignedToUserId }] });
  }

  if (input.order === 'due') {
    return pageNullsLast<IEngagement>({
      list: 'engagements:due',
      after: input.after,
      limit,
      column: 'due_at',
      property: 'dueAt',
      valueOf: (engagement) => engagement.dueAt,
      find: (condition, order, max) =>
        em.find(
          Engagement,
          { $and: [...filters, condition] },
          { orderBy: order === 'dated' ? { dueAt: 'asc', id: 'asc' } : { id: 'asc' }, limit: max },
        ),
    });
  }

  const where = [...filters];
  if (input.after) {
    const [at, id] = decodeCursor('engagements:recent', input.after, 2);
    where.push(
      rowComparison<IEngagement>(['updated_at', 'id'], '<', [
        keyPart('engagements:recent', at, 'time'),
        keyPart('engagements:recent', id, 'uuid'),
      ]),
    );
  }
  const rows = await em.find(
    Engagement,
    { $and: where },
    { orderBy: { updatedAt: 'desc', id: 'desc' }, limit: limit + 1 },
  );
  return toPage(rows, limit, (last) =>
    encodeCursor('engagements:recent', [last.updatedAt.toISOString(), last.id]),
  );
}
