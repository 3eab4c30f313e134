import { Client } from '../../../db/clients/client.entity';
import { Engagement } from '../../../db/engagements/engagement.entity';
import { Task } from '../../../db/tasks/task.entity';
import type { EntityManager } from '../../../db/types';
import { recentEngagements } from '../engagements/engagement-queries.server';
import { listOpenTasks } from '../tasks/task-queries.server';
import type { TEngagementVisibility } from '../auth/permissions.server';
import { engagementCondition, taskCondition, visibleClientIds } from '../engagements/engagement-scope.server';
import type { TDateFormat } from '../ui/dates.server';

/**
 * What the staff dashboard shows: headline counts, recent engagements and open tasks, all of them
 * limited to what this staff member may see.
 */
export async function dashboardSummary(
  em: EntityManager,
  input: { organizationId: string; visibility: TEngagementVisibility; format: TDateFormat },
) {
  const organization = input.organizationId;
  const { visibility } = input;
  const clientIds = await visibleClientIds(em, { organizationId: organization, visibility });
  const clients = clientIds ? clientIds.length : await em.count(Client, { organization });
  const activeEngagements = await em.count(Engagement, {
    $and: [{ organization, status: 'active' }, engagementCondition(visibility)],
  });
  const openTasks = await em.count(Task, {
    $and: [{ organization, status: 'open' }, taskCondition(visibility)],
  });
  return {
    counts: { clients, activeEngagements, openTasks },
    recentEngagements: await recentEngagements(em, {
      organizationId: organization,
      visibility,
      limit: 8,
      format: input.format,
    }),
    openTasks: await listOpenTasks(em, {
      organizationId: organization,
      visibility,
      limit: 8,
      format: input.format,
    }),
  };
}
