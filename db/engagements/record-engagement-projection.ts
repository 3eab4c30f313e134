import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../lib/errors';
import { systemActor } from '../audit/actor';
import { recordAuditEvent } from '../audit/record-audit-event';
import { Engagement, type TEngagementStatus } from './engagement.entity';
import { EngagementEvent } from './engagement-event.entity';

export interface TEngagementProjectionInput {
  organizationId: string;
  engagementId: string;
  runId: string;
  stage: string;
  progress: number;
  status: TEngagementStatus;
  waitingFor: string | null;
  /** Next deadline (ISO); undefined leaves the stored one, null clears it. */
  dueAt?: string | null;
  /** Extended due date (ISO); undefined leaves the stored one, null clears it. */
  extendedDueAt?: string | null;
  /**
   * Only append the timeline event, leaving the engagement row alone: for a child workflow (document
   * intake inside a tax return) that writes to its parent's timeline but does not own its stage.
   */
  timelineOnly?: boolean;
  event: { key: string; kind: string; message: string; occurredAt: string };
}

/**
 * Projects an engagement workflow's state onto its read-model row (stage, progress, status,
 * waiting-for, due dates) and appends one timeline event. Idempotent by the event's unique key: a
 * retried projection changes nothing and returns false.
 */
export async function recordEngagementProjection(
  em: EntityManager,
  input: TEngagementProjectionInput,
): Promise<boolean> {
  return em.transactional(async (tx) => {
    const engagement = await tx.findOne(Engagement, {
      id: input.engagementId,
      organization: input.organizationId,
    });
    if (!engagement) {
      throw new AppError('not_found', 'Engagement not found.', `engagement ${input.engagementId} not found`);
    }
    if ((await tx.count(EngagementEvent, { key: input.event.key })) > 0) return false;

    const occurredAt = new Date(input.event.occurredAt);
    if (!input.timelineOnly) {
      engagement.stage = input.stage;
      engagement.progress = Math.max(0, Math.min(100, Math.round(input.progress)));
      engagement.status = input.status;
      engagement.waitingFor = input.waitingFor?.slice(0, 300) ?? null;
      engagement.runId = input.runId;
      if (input.dueAt !== undefined) engagement.dueAt = input.dueAt ? new Date(input.dueAt) : null;
      if (input.extendedDueAt !== undefined)
        engagement.extendedDueAt = input.extendedDueAt ? new Date(input.extendedDueAt) : null;
      if (input.status === 'completed' && !engagement.completedAt) engagement.completedAt = occurredAt;
    }
    tx.create(EngagementEvent, {
      organization: input.organizationId,
      engagement,
      key: input.event.key,
      kind: input.event.kind.slice(0, 60),
      stage: input.stage,
      message: input.event.message.slice(0, 500),
      occurredAt,
    });
    recordAuditEvent(tx, {
      organizationId: input.organizationId,
      actor: systemActor,
      action: 'engagement.progressed',
      target: { type: 'engagement', id: engagement.id },
      details: {
        stage: input.stage,
        progress: input.progress,
        status: input.status,
        event: input.event.kind,
        timelineOnly: input.timelineOnly ?? false,
      },
    });
    return true;
  });
}
