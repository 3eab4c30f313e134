/**
 * The client's questions about uncategorized transactions in the portal: each open question with the
 * categories offered; answers are checked against the question's options here, then sent to the
 * close's workflow (which records them and writes each one to QuickBooks once).
 */
import type { TActor } from '../../../db/audit/actor';
import { CloseQuestion } from '../../../db/close/close-question.entity';
import { Engagement } from '../../../db/engagements/engagement.entity';
import type { EntityManager } from '../../../db/types';
import { AppError } from '../../../lib/errors';
import { periodLabel, ZCloseAnswerNote } from '../../../workflows/close/monthly-close.contracts';
import { formatUsd } from '../../../workflows/tax-return/tax-return.contracts';
import type { TPortalUser } from '../portal/portal-session.server';
import { submitCloseAnswers } from './close-workflow.server';

async function findClose(em: EntityManager, portal: TPortalUser, engagementId: string) {
  return em.findOne(Engagement, {
    id: engagementId,
    organization: portal.organizationId,
    client: portal.clientId,
    type: 'monthly_close',
  });
}

export async function questionsPage(em: EntityManager, input: { portal: TPortalUser; engagementId: string }) {
  const engagement = await findClose(em, input.portal, input.engagementId);
  if (!engagement) return null;
  const questions = await em.find(
    CloseQuestion,
    { engagement: engagement.id, client: input.portal.clientId },
    { orderBy: { txnDate: 'asc', id: 'asc' } },
  );
  const view = (q: (typeof questions)[number]) => ({
    id: q.id,
    date: q.txnDate,
    payee: q.payee ?? null,
    description: q.description,
    amount: formatUsd(q.amountMinor),
    direction: q.direction,
    options: q.options,
    answer:
      q.answerAccountName ??
      (q.status === 'needs_staff' ? 'Not sure (your accountant will sort it out)' : null),
  });
  return {
    engagement: { id: engagement.id, title: engagement.title },
    period: engagement.period ? periodLabel(engagement.period) : null,
    closed: engagement.status !== 'active',
    open: questions.filter((q) => q.status === 'open').map(view),
    answered: questions
      .filter((q) => ['answered', 'written_back', 'needs_staff'].includes(q.status))
      .map(view),
  };
}

export type TAnswersOutcome =
  { ok: true; count: number } | { ok: false; message: string; questionId?: string };

/**
 * Reads `category:<questionId>` (an offered account, or `unsure`) and `note:<questionId>` for the
 * client's open questions. Unanswered questions are left open; a category that was not offered, or a
 * question that is not theirs, refuses the whole form.
 */
export async function submitAnswers(
  em: EntityManager,
  input: { portal: TPortalUser; engagementId: string; actor: TActor; form: FormData },
): Promise<TAnswersOutcome> {
  const engagement = await findClose(em, input.portal, input.engagementId);
  if (!engagement) throw new AppError('not_found', 'This page could not be found.');
  if (engagement.status !== 'active') return { ok: false, message: 'This month is already closed.' };
  const open = await em.find(CloseQuestion, {
    engagement: engagement.id,
    client: input.portal.clientId,
    status: 'open',
  });
  const answers: { questionId: string; accountId: string | null; note: string }[] = [];
  for (const question of open) {
    const choice = input.form.get(`category:${question.id}`);
    if (typeof choice !== 'string' || choice === '') continue;
    const note = ZCloseAnswerNote.safeParse(input.form.get(`note:${question.id}`) ?? '');
    if (!note.success)
      return {
        ok: false,
        message: note.error.issues[0]?.message ?? 'Check the note.',
        questionId: question.id,
      };
    if (choice !== 'unsure' && !question.options.some((o) => o.accountId === choice)) {
      return { ok: false, message: 'Choose one of the categories offered.', questionId: question.id };
    }
    answers.push({
      questionId: question.id,
      accountId: choice === 'unsure' ? null : choice,
      note: note.data,
    });
  }
  if (answers.length === 0) return { ok: false, message: 'Choose a category for at least one transaction.' };
  await submitCloseAnswers(engagement.workflowId, {
    contactId: input.portal.contactId,
    answers,
    submittedAt: new Date().toISOString(),
  });
  return { ok: true, count: answers.length };
}
