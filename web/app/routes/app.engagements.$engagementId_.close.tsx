import type { ActionFunctionArgs } from '@remix-run/node';
import { z } from 'zod';
import type { TEngagementActionResult } from '../engagements/engagement-action-form';
import { isAppError } from '../../../lib/errors';
import { isUuid } from '../../../lib/ids';
import { can, type TStaffAction } from '../auth/permissions.server';
import { closeActions } from '../close/close-workflow.server';
import { findEngagement } from '../engagements/engagement-queries.server';
import { notFound, staffRoute } from '../http/route.server';

/** What every close form gets back: a sentence to show next to it. */
export type TCloseActionResult = TEngagementActionResult;

/** "$1,234.56", "-500", "42" → cents. */
const money = (what: string) =>
  z
    .string()
    .trim()
    .transform((v) => v.replace(/[$,\s]/g, ''))
    .pipe(
      z.string().regex(/^[-+]?\d{1,11}(\.\d{1,2})?$/, `Enter the ${what} in dollars, for example 1234.56`),
    )
    .transform((v) => Math.round(Number(v) * 100));

const ZCloseForm = z.discriminatedUnion('intent', [
  z.object({
    intent: z.literal('statement'),
    ledgerAccountId: z.string().trim(),
    balance: money('closing balance'),
    statementDate: z.string().trim(),
  }),
  z.object({ intent: z.literal('accept'), ledgerAccountId: z.string().trim(), note: z.string().trim() }),
  z.object({
    intent: z.literal('adjustment'),
    description: z.string().trim(),
    amount: money('amount (negative for money out)'),
    ledgerAccountId: z.string().trim().default(''),
    requestId: z.uuid('Reload the page and try again'),
  }),
  z.object({ intent: z.literal('refresh') }),
  z.object({
    intent: z.literal('cancel'),
    reason: z.string().trim(),
    notifyClient: z.enum(['on']).optional(),
  }),
]);

const needs: Record<z.infer<typeof ZCloseForm>['intent'], TStaffAction> = {
  statement: 'engagements.work',
  accept: 'engagements.approve',
  adjustment: 'engagements.work',
  refresh: 'engagements.work',
  cancel: 'engagements.assign',
};

/**
 * `POST /app/engagements/<id>/close`: the monthly close's staff actions, each an update of its
 * workflow. A refusal comes back as the workflow's own sentence (HTTP 409) and nothing changes.
 */
export async function action(args: ActionFunctionArgs) {
  return staffRoute(args, 'engagements.work', async ({ staff, em, visibility }) => {
    const engagementId = args.params.engagementId;
    if (!isUuid(engagementId)) notFound('This engagement');
    const engagement = await findEngagement(em, {
      organizationId: staff.organizationId,
      engagementId,
      visibility,
    });
    if (!engagement || engagement.type !== 'monthly_close') notFound('This engagement');

    const form = await args.request.formData();
    const rawIntent = form.get('intent');
    const intent = typeof rawIntent === 'string' ? rawIntent : 'form';
    // A JSON response with its status (the forms post with fetchers; tests and scripts read it as is).
    const answer = (ok: boolean, message: string, status = 200) =>
      Response.json({ ok, message, form: intent } satisfies TCloseActionResult, {
        status,
        headers: { 'Cache-Control': 'no-store' },
      });
    const parsed = ZCloseForm.safeParse(Object.fromEntries(form));
    if (!parsed.success) return answer(false, parsed.error.issues[0]?.message ?? 'Check the form.', 400);
    const input = parsed.data;
    if (!can(staff.role, needs[input.intent])) return answer(false, 'Your role cannot do this.', 403);

    const workflowId = engagement.workflowId;
    const byUserId = staff.userId;
    try {
      switch (input.intent) {
        case 'statement':
          return answer(
            true,
            (
              await closeActions.enterStatementBalance(workflowId, {
                byUserId,
                ledgerAccountId: input.ledgerAccountId,
                endingBalanceMinor: input.balance,
                statementDate: input.statementDate,
              })
            ).message,
          );
        case 'accept':
          return answer(
            true,
            (
              await closeActions.acceptDifference(workflowId, {
                byUserId,
                ledgerAccountId: input.ledgerAccountId,
                note: input.note,
              })
            ).message,
          );
        case 'adjustment':
          return answer(
            true,
            (
              await closeActions.recordAdjustment(workflowId, {
                byUserId,
                description: input.description,
                amountMinor: input.amount,
                ...(input.ledgerAccountId ? { ledgerAccountId: input.ledgerAccountId } : {}),
                requestId: input.requestId,
              })
            ).message,
          );
        case 'refresh':
          return answer(true, (await closeActions.refreshLedger(workflowId, { byUserId })).message);
        case 'cancel': {
          const result = await closeActions.cancel(workflowId, {
            byUserId,
            reason: input.reason,
            notifyClient: input.notifyClient === 'on',
          });
          const failed = result.compensations.filter((c) => !c.ok).map((c) => c.name);
          return answer(
            true,
            failed.length === 0
              ? 'The close is cancelled: questions and requests were withdrawn.'
              : `The close is cancelled, but these could not be undone: ${failed.join(', ')}.`,
          );
        }
      }
    } catch (error) {
      if (isAppError(error) && (error.code === 'conflict' || error.code === 'unavailable')) {
        return answer(false, error.userMessage, error.httpStatus);
      }
      throw error;
    }
  });
}
