import { Engagement, type IEngagement } from '../../../db/engagements/engagement.entity';
import { EngagementEvent } from '../../../db/engagements/engagement-event.entity';
import { Task } from '../../../db/tasks/task.entity';
import type { EntityManager } from '../../../db/types';
import { listEngagements as listEngagementsPage } from '../../../db/queries/list-engagements';
import type { TEngagementVisibility } from '../auth/permissions.server';
import type { TDateFormat } from '../ui/dates.server';
import { assignedUserId, engagementCondition } from './engagement-scope.server';
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
  /** Why a failed engagement stopped (its last timeline event); null unless it failed. */
  failureReason: string | null;
}

/** The last timeline event of each failed engagement among these: it names the step and the reason. */
async function failureReasons(em: EntityManager, engagements: IEngagement[]): Promise<Map<string, string>> {
  const failed = engagements.filter((e) => e.status === 'failed');
  const reasons = new Map<string, string>();
  for (const engagement of failed) {
    const last = await em.findOne(
      EngagementEvent,
      { engagement: engagement.id, organization: engagement.organization.id },
      { orderBy: { occurredAt: 'desc', id: 'desc' } },
    );
    reasons.set(engagement.id, last?.message ?? 'The workflow stopped without recording why.');
  }
  return reasons;
}

function toRow(
  engagement: IEngagement,
  format: TDateFormat,
  reasons: ReadonlyMap<string, string>,
): TEngagementRow {
  return {
    id: engagement.id,
    title: engagement.title,
    clientId: engagement.client.id,
    clientName: engagement.client.displayName,
    status: engagement.status,
    stage: stageLabel(engagement.type, engagement.stage),
    progress: engagement.progress,
    updated: format.relative(engagement.updatedAt),
    failureReason: reasons.get(engagement.id) ?? null,
  };
}

/**
 * One page of the engagements a staff member may see, most recently changed first
 * (see db/queries/list-engagements.ts).
 */
export async function listEngagements(
  em: EntityManager,
  input: {
    organizationId: string;
    visibility: TEngagementVisibility;
    after: string | null;
    format: TDateFormat;
  },
): Promise<{ rows: TEngagementRow[]; nextCursor: string | null }> {
  const page = await listEngagementsPage(em, {
    organizationId: input.organizationId,
    assignedToUserId: assignedUserId(input.visibility),
    order: 'recent',
    after: input.after,
    limit: engagementsPageSize,
  });
  await em.populate(page.items, ['client']);
  const reasons = await failureReasons(em, page.items);
  return {
    rows: page.items.map((engagement) => toRow(engagement, input.format, reasons)),
    nextCursor: page.nextCursor,
  };
}

/** The most recently changed engagements a staff member may see, for the dashboard. */
export async function recentEngagements(
  em: EntityManager,
  input: { organizationId: string; visibility: TEngagementVisibility; limit: number; format: TDateFormat },
): Promise<TEngagementRow[]> {
  const engagements = await em.find(
    Engagement,
    { $and: [{ organization: input.organizationId }, engagementCondition(input.visibility)] },
    { populate: ['client'], orderBy: { updatedAt: 'desc', id: 'desc' }, limit: input.limit },
  );
  const reasons = await failureReasons(em, engagements);
  return engagements.map((engagement) => toRow(engagement, input.format, reasons));
}

/**
 * An engagement of this firm that this staff member may see, with its client, or null (missing,
 * another firm's and not assigned to them all look the same).
 */
export function findEngagement(
  em: EntityManager,
  input: { organizationId: string; engagementId: string; visibility: TEngagementVisibility },
) {
  return em.findOne(
    Engagement,
    {
      $and: [
        { id: input.engagementId, organization: input.organizationId },
        engagementCondition(input.visibility),
      ],
    },
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
