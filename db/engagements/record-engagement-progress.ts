import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../lib/errors';
import { systemActor } from '../audit/actor';
import { recordAuditEvent } from '../audit/record-audit-event';
import { Engagement, type TEngagementStatus } from './engagement.entity';
import { EngagementEvent } from './engagement-event.entity';

export interface TEngagementProgress {
  organizationId: string;
  engagementId: string;
  workflowId: string;
  runId: string;
  stage: string;
  progress: number;
  status: TEngagementStatus;
  waitingFor: string | null;
  event: { key: string; kind: string; message: string; occurredAt: string };
}

/**
 * Projects a workflow's stage change onto the engagement row and its timeline.
 * Idempotent: the timeline event key is unique, and a replayed projection changes nothing.
 * Returns false when this event had already been recorded.
 */
export async function recordEngagementProgress(
  em: EntityManager,
  input: TEngagementProgress,
): Promise<boolean> {
  return em.transactional(async (tx) => {
    const engagement = await tx.findOne(Engagement, {
      id: input.engagementId,
      organization: input.organizationId,
    });
    if (!engagement) {
      throw new AppError('not_found', 'Engagement not found.', `engagement ${input.engagementId} not found`);
    }
    const seen = await tx.count(EngagementEvent, { key: input.event.key });
    if (seen > 0) return false;

    engagement.stage = input.stage;
    engagement.progress = input.progress;
    engagement.status = input.status;
    engagement.waitingFor = input.waitingFor;
    engagement.runId = input.runId;
    if (input.status === 'completed' && !engagement.completedAt)
      engagement.completedAt = new Date(input.event.occurredAt);

    tx.create(EngagementEvent, {
      organization: input.organizationId,
      engagement,
      key: input.event.key,
      kind: input.event.kind,
      stage: input.stage,
      message: input.event.message,
      occurredAt: new Date(input.event.occurredAt),
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
      },
    });
    return true;
  });
}
