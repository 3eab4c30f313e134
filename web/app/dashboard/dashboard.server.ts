import { Client } from '../../../db/clients/client.entity';
import { Engagement } from '../../../db/engagements/engagement.entity';
import { Task } from '../../../db/tasks/task.entity';
import type { EntityManager } from '../../../db/types';
import { recentEngagements } from '../engagements/engagement-queries.server';
import { listOpenTasks } from '../tasks/task-queries.server';
import type { TDateFormat } from '../ui/dates.server';

/** What the staff dashboard shows: headline counts, recent engagements and open tasks. */
export async function dashboardSummary(
  em: EntityManager,
  input: { organizationId: string; format: TDateFormat },
) {
  const organization = input.organizationId;
  const clients = await em.count(Client, { organization });
  const activeEngagements = await em.count(Engagement, { organization, status: 'active' });
  const openTasks = await em.count(Task, { organization, status: 'open' });
  return {
    counts: { clients, activeEngagements, openTasks },
    recentEngagements: await recentEngagements(em, {
      organizationId: organization,
      limit: 8,
      format: input.format,
    }),
    openTasks: await listOpenTasks(em, { organizationId: organization, limit: 8, format: input.format }),
  };
}
