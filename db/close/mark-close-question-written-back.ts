import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../lib/errors';
import { systemActor } from '../audit/actor';
import { recordAuditEvent } from '../audit/record-audit-event';
import { CloseQuestion, type ICloseQuestion } from './close-question.entity';

/** Records that an answered question's category is in the ledger. Idempotent. */
export async function markCloseQuestionWrittenBack(
  em: EntityManager,
  input: { organizationId: string; questionId: string; at: Date },
): Promise<ICloseQuestion> {
  return em.transactional(async (tx) => {
    const question = await tx.findOne(CloseQuestion, {
      id: input.questionId,
      organization: input.organizationId,
    });
    if (!question) throw new AppError('not_found', 'Question not found.');
    if (question.status === 'written_back') return question;
    if (question.status !== 'answered') {
      throw new AppError('conflict', 'Only an answered question can be written to the ledger.', {
        reason: 'invalid_status_transition',
      });
    }
    question.status = 'written_back';
    question.writtenBackAt = input.at;
    recordAuditEvent(tx, {
      organizationId: input.organizationId,
      actor: systemActor,
      action: 'close.category_written_back',
      target: { type: 'engagement', id: question.engagement.id },
      details: { questionId: question.id, txnEntity: question.txnEntity, txnId: question.txnId },
    });
    return question;
  });
}
