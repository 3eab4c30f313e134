import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../lib/errors';
import type { TActor } from '../audit/actor';
import { recordAuditEvent } from '../audit/record-audit-event';
import { Contact } from '../clients/contact.entity';
import { CloseQuestion, type TCloseQuestionStatus } from './close-question.entity';

/** One answer: a category from the question's options, or "not sure" (staff will categorize it). */
export interface TCloseAnswer {
  questionId: string;
  /** The chosen account, or null for "not sure". */
  accountId: string | null;
  note: string;
}

export interface TAnswerOutcome {
  questionId: string;
  /** `answered` / `needs_staff` now, or `ignored` when the question was not open (already answered, withdrawn). */
  outcome: 'answered' | 'needs_staff' | 'ignored';
  status: TCloseQuestionStatus;
}

/**
 * Records the client's answers. Answers to questions of another client or close, or with a category
 * that is not one of the question's options, are refused as a whole (nothing changes); answers to
 * questions no longer open are ignored, so a repeated submission is harmless.
 */
export async function answerCloseQuestions(
  em: EntityManager,
  input: {
    organizationId: string;
    engagementId: string;
    contactId: string;
    answers: TCloseAnswer[];
    answeredAt: Date;
    actor: TActor;
  },
): Promise<TAnswerOutcome[]> {
  return em.transactional(async (tx) => {
    const contact = await tx.findOne(Contact, { id: input.contactId, organization: input.organizationId });
    if (!contact) throw new AppError('not_found', 'These questions could not be found.');
    const ids = input.answers.map((a) => a.questionId);
    const questions = await tx.find(CloseQuestion, {
      id: { $in: ids },
      engagement: input.engagementId,
      client: contact.client.id,
    });
    const byId = new Map(questions.map((q) => [q.id, q]));
    for (const answer of input.answers) {
      const question = byId.get(answer.questionId);
      if (!question) throw new AppError('not_found', 'These questions could not be found.');
      if (
        question.status === 'open' &&
        answer.accountId !== null &&
        !question.options.some((o) => o.accountId === answer.accountId)
      ) {
        throw new AppError('invalid_input', 'Choose one of the categories offered for each transaction.', {
          reason: 'unknown_category',
        });
      }
    }
    const outcomes: TAnswerOutcome[] = [];
    for (const answer of input.answers) {
      const question = byId.get(answer.questionId);
      if (!question) continue;
      if (question.status !== 'open') {
        outcomes.push({ questionId: question.id, outcome: 'ignored', status: question.status });
        continue;
      }
      const option = question.options.find((o) => o.accountId === answer.accountId);
      question.status = option ? 'answered' : 'needs_staff';
      question.answerAccountId = option?.accountId ?? null;
      question.answerAccountName = option?.name ?? null;
      question.answerNote = answer.note.trim() === '' ? null : answer.note.trim().slice(0, 2_000);
      question.answeredByContact = contact;
      question.answeredAt = input.answeredAt;
      outcomes.push({
        questionId: question.id,
        outcome: option ? 'answered' : 'needs_staff',
        status: question.status,
      });
    }
    const changed = outcomes.filter((o) => o.outcome !== 'ignored');
    if (changed.length > 0) {
      recordAuditEvent(tx, {
        organizationId: input.organizationId,
        actor: input.actor,
        action: 'close.questions_answered',
        target: { type: 'engagement', id: input.engagementId },
        details: {
          answered: changed.filter((o) => o.outcome === 'answered').length,
          needsStaff: changed.filter((o) => o.outcome === 'needs_staff').length,
        },
      });
    }
    return outcomes;
  });
}
