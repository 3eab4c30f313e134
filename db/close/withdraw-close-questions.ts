import type { EntityManager } from '@mikro-orm/postgresql';
import type { TActor } from '../audit/actor';
import { recordAuditEvent } from '../audit/record-audit-event';
import { CloseQuestion } from './close-question.entity';

/** Withdraws a close's unanswered portal questions (the close was cancelled). Idempotent. */
export async function withdrawCloseQuestions(
  em: EntityManager,
  input: { organizationId: string; engagementId: string; actor: TActor },
): Promise<number> {
  return em.transactional(async (tx) => {
    const open = await tx.find(CloseQuestion, {
      engagement: input.engagementId,
      organization: input.organizationId,
      status: 'open',
    });
    for (const question of open) question.status = 'withdrawn';
    if (open.length > 0) {
      recordAuditEvent(tx, {
        organizationId: input.organizationId,
        actor: input.actor,
        action: 'close.questions_withdrawn',
        target: { type: 'engagement', id: input.engagementId },
        details: { count: open.length },
      });
    }
    return open.length;
  });
}
