import type { ActionFunctionArgs } from '@remix-run/node';
import { z } from 'zod';
import type { TStaffAction } from '../auth/permissions.server';
import { closeActions } from '../close/close-workflow.server';
import type { TEngagementActionResult } from '../engagements/engagement-action-form';
import {
  cancelledMessage,
  engagementActionRoute,
  moneyField,
} from '../engagements/engagement-updates.server';

/** What every close form gets back: a sentence to show next to it. */
export type TCloseActionResult = TEngagementActionResult;

const ZCloseForm = z.discriminatedUnion('intent', [
  z.object({
    intent: z.literal('statement'),
    ledgerAccountId: z.string().trim(),
    balance: moneyField('closing balance'),
    statementDate: z.string().trim(),
  }),
  z.object({ intent: z.literal('accept'), ledgerAccountId: z.string().trim(), note: z.string().trim() }),
  z.object({
    intent: z.literal('adjustment'),
    description: z.string().trim(),
    amount: moneyField('amount (negative for money out)'),
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
  return engagementActionRoute(args, {
    type: 'monthly_close',
    schema: ZCloseForm,
    needs,
    run: async (input, { engagement, staff, answer }) => {
      const workflowId = engagement.workflowId;
      const byUserId = staff.userId;
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
          return answer(true, cancelledMessage(result, 'The close', 'questions and requests were withdrawn'));
        }
      }
    },
  });
}
