import type { EntityManager } from '@mikro-orm/postgresql';
import type { TEngagementStatus } from './engagement.entity';
import { recordEngagementProjection } from './record-engagement-projection';

/** What the onboarding workflow's first version (`client-onboarding.legacy.ts`) projects at each stage. */
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
 * Projects a workflow's stage change onto the engagement row and its timeline, as every engagement
 * workflow's `recordEngagementProjection` does (without due dates). Idempotent: the timeline event
 * key is unique, and a replayed projection changes nothing. Returns false when this event had
 * already been recorded.
 */
export async function recordEngagementProgress(
  em: EntityManager,
  input: TEngagementProgress,
): Promise<boolean> {
  return recordEngagementProjection(em, input);
}
