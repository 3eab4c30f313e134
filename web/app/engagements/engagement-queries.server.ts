import type { FilterQuery } from '@mikro-orm/core';
import { Engagement, type IEngagement } from '../../../db/engagements/engagement.entity';
import { EngagementEvent } from '../../../db/engagements/engagement-event.entity';
import { Task } from '../../../db/tasks/task.entity';
import type { EntityManager } from '../../../db/types';
import { decodeCursor, encodeCursor, isUuid } from '../http/cursor.server';
import type { TDateFormat } from '../ui/dates.server';
import { stageLabel } from './stages.server';

export const engagementsPageSize = 25;

export interface TEngagementRow {
  id: string;
  title: string;
  clientId: string;
  clientName: string;
  status: IEngagement['status'];
  stage: string;
  progress: number;
  updated: string;
}

function toRow(engagement: IEngagement, format: TDateFormat): TEngagementRow {
  return {
    id: engagement.id,
    title: engagement.title,
    clientId: engagement.client.id,
    clientName: engagement.client.displayName,
    status: engagement.status,
    stage: stageLabel(engagement.type, engagement.stage),
    progress: engagement.progress,
    updated: format.relative(engagement.updatedAt),
  };
}

/** One page of a firm's engagements, most recently changed first; keyset pagination on (updated_at, id). */
export async function listEngagements(
  em: EntityManager,
  input: { organizationId: string; after: string | null; format: TDateFormat },
): Promise<{ rows: TEngagementRow[]; nextCursor: string | null }> {
  const conditions: FilterQuery<IEngagement>[] = [{ organization: input.organizationId }];
  const cursor = decodeCursor(input.after, 2);
  if (cursor) {
    const [at = '', id = ''] = cursor;
    const updatedAt = new Date(at);
    if (isUuid(id) && !Number.isNaN(updatedAt.getTime())) {
      conditions.push({ $or: [{ updatedAt: { $lt: updatedAt } }, { updatedAt, id: { $lt: id } }] });
    }
  }
  const engagements = await em.find(
    Engagement,
    { $and: conditions },
    {
      populate: ['client'],
      orderBy: { updatedAt: 'desc', id: 'desc' },
      limit: engagementsPageSize + 1,
    },
  );
  const page = engagements.slice(0, engagementsPageSize);
  const last = page.at(-1);
  return {
    rows: page.map((engagement) => toRow(engagement, input.format)),
    nextCursor:
      engagements.length > engagementsPageSize && last
        ? encodeCursor([last.updatedAt.toISOString(), last.id])
        : null,
  };
}

/** The firm's most recently changed engagements, for the dashboard. */
export async function recentEngagements(
  em: EntityManager,
  input: { organizationId: string; limit: number; format: TDateFormat },
): Promise<TEngagementRow[]> {
  const engagements = await em.find(
    Engagement,
    { organization: input.organizationId },
    { populate: ['client'], orderBy: { updatedAt: 'desc', id: 'desc' }, limit: input.limit },
  );
  return engagements.map((engagement) => toRow(engagement, input.format));
}

/** An engagement of this firm with its client, or null (missing and foreign look the same). */
export function findEngagement(em: EntityManager, input: { organizationId: string; engagementId: string }) {
  return em.findOne(
    Engagement,
    { id: input.engagementId, organization: input.organizationId },
    { populate: ['client'] },
  );
}

/** The engagement's timeline, newest first. */
export async function engagementTimeline(
  em: EntityManager,
  input: { organizationId: string; engagementId: string; type: IEngagement['type']; format: TDateFormat },
) {
  const events = await em.find(
    EngagementEvent,
    { engagement: input.engagementId, organization: input.organizationId },
    { orderBy: { occurredAt: 'desc', id: 'desc' }, limit: 200 },
  );
  return events.map((event) => ({
    id: event.id,
    kind: event.kind,
    message: event.message,
    stage: stageLabel(input.type, event.stage),
    at: input.format.dateTime(event.occurredAt),
    atIso: event.occurredAt.toISOString(),
  }));
}

/** Open tasks of one engagement, soonest due first. */
export async function engagementOpenTasks(
  em: EntityManager,
  input: { organizationId: string; engagementId: string; format: TDateFormat },
) {
  const tasks = await em.find(
    Task,
    { engagement: input.engagementId, organization: input.organizationId, status: 'open' },
    { orderBy: { dueAt: 'asc nulls last', createdAt: 'asc' } },
  );
  return tasks.map((task) => ({
    id: task.id,
    title: task.title,
    details: task.details ?? null,
    due: task.dueAt ? input.format.dateTime(task.dueAt) : null,
  }));
}
