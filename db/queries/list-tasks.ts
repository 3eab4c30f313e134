import { Task, type ITask, type TTaskStatus } from '../tasks/task.entity';
import type { EntityManager } from '../types';
import { pageNullsLast, pageSize, type TPage } from './keyset';

export interface TListTasksInput {
  organizationId: string;
  /** Whose tasks; null for the unassigned ones. */
  assigneeId: string | null;
  /** Default `open`. */
  status?: TTaskStatus;
  /** `nextCursor` of the previous page. */
  after?: string | null;
  limit?: number;
}

/**
 * One person's tasks in one status, soonest due first, undated last; ties in ID order.
 * Index: (assignee, status, due_at), which gives the order and the cursor's range.
 */
export async function listTasks(em: EntityManager, input: TListTasksInput): Promise<TPage<ITask>> {
  const limit = pageSize(input.limit);
  const filters = {
    organization: input.organizationId,
    assignee: input.assigneeId,
    status: input.status ?? 'open',
  };
  return pageNullsLast<ITask>({
    list: 'tasks',
    after: input.after,
    limit,
    column: 'due_at',
    property: 'dueAt',
    valueOf: (task) => task.dueAt,
    find: (condition, order, max) =>
      em.find(
        Task,
        { $and: [filters, condition] },
        { orderBy: order === 'dated' ? { dueAt: 'asc', id: 'asc' } : { id: 'asc' }, limit: max },
      ),
  });
}
