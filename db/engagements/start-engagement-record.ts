import type { EntityManager } from '@mikro-orm/postgresql';
import type { TActor } from '../audit/actor';
import { recordAuditEvent } from '../audit/record-audit-event';
import { Engagement, type IEngagement, type TEngagementType } from './engagement.entity';

export interface TStartEngagementRecordInput {
  organizationId: string;
  engagementId: string;
  clientId: string;
  type: TEngagementType;
  title: string;
  workflowId: string;
  runId: string;
  stage: string;
  progress: number;
  startedByUserId?: string;
  dueAt?: Date;
  taxYear?: number;
  period?: string;
  actor: TActor;
}

/** Creates the read-model row of an engagement. Idempotent by workflow ID. */
export async function startEngagementRecord(
  em: EntityManager,
  input: TStartEngagementRecordInput,
): Promise<IEngagement> {
  return em.transactional(async (tx) => {
    const existing = await tx.findOne(Engagement, { workflowId: input.workflowId });
    if (existing) return existing;
    const engagement = tx.create(Engagement, {
      id: input.engagementId,
      organization: input.organizationId,
      client: input.clientId,
      type: input.type,
      title: input.title,
      workflowId: input.workflowId,
      runId: input.runId,
      stage: input.stage,
      progress: input.progress,
      status: 'active',
      startedBy: input.startedByUserId ?? null,
      dueAt: input.dueAt ?? null,
      taxYear: input.taxYear ?? null,
      period: input.period ?? null,
    });
    recordAuditEvent(tx, {
      organizationId: input.organizationId,
      actor: input.actor,
      action: 'engagement.started',
      target: { type: 'engagement', id: engagement.id },
      details: { type: input.type, workflowId: input.workflowId },
    });
    return engagement;
  });
}
