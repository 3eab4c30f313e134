import { Task } from '../../../db/tasks/task.entity';
import type { EntityManager } from '../../../db/types';
import type { TEngagementVisibility } from '../auth/permissions.server';
import { taskCondition } from '../engagements/engagement-scope.server';
import type { TDateFormat } from '../ui/dates.server';

export interface TOpenTaskRow {
  id: string;
  title: string;
  details: string | null;
  kind: string;
  clientId: string | null;
  clientName: string | null;
  engagementId: string | null;
  engagementTitle: string | null;
  assignee: string | null;
  due: string | null;
  overdue: boolean;
}

/** The open tasks a staff member may see, soonest due first (undated last). */
export async function listOpenTasks(
  em: EntityManager,
  input: {
    organizationId: string;
    visibility: TEngagementVisibility;
    limit: number;
    format: TDateFormat;
    now?: Date;
  },
): Promise<TOpenTaskRow[]> {
  const now = input.now ?? new Date();
  const tasks = await em.find(
    Task,
    { $and: [{ organization: input.organizationId, status: 'open' }, taskCondition(input.visibility)] },
    {
      populate: ['client', 'engagement', 'assignee'],
      orderBy: { dueAt: 'asc nulls last', createdAt: 'asc' },
      limit: input.limit,
    },
  );
  return tasks.map((task) => ({
    id: task.id,
    title: task.title,
    details: task.details ?? null,
    kind: task.kind,
    clientId: task.client?.id ?? null,
    clientName: task.client?.displayName ?? null,
    engagementId: task.engagement?.id ?? null,
    engagementTitle: task.engagement?.title ?? null,
    assignee: task.assignee?.name ?? null,
    due: task.dueAt ? input.format.dateTime(task.dueAt) : null,
    overdue: task.dueAt ? task.dueAt.getTime() < now.getTime() : false,
  }));
}

/** Whether a staff member may see (and so act on) one task of their firm. */
export async function canSeeTask(
  em: EntityManager,
  input: { organizationId: string; visibility: TEngagementVisibility; taskId: string },
): Promise<boolean> {
  const count = await em.count(Task, {
    $and: [{ id: input.taskId, organization: input.organizationId }, taskCondition(input.visibility)],
  });
  return count > 0;
}
