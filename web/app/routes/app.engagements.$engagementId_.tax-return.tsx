import type { ActionFunctionArgs } from '@remix-run/node';
import { z } from 'zod';
import type { TEngagementActionResult } from '../engagements/engagement-action-form';
import { ZFilingConfirmationNumber } from '../../../workflows/tax-return/tax-return.contracts';
import type { TStaffAction } from '../auth/permissions.server';
import {
  cancelledMessage,
  engagementActionRoute,
  moneyField,
} from '../engagements/engagement-updates.server';
import { taxReturnActions } from '../tax-return/tax-return-workflow.server';

/** What every tax return form gets back: a sentence to show next to it. */
export type TTaxReturnActionResult = TEngagementActionResult;

/** Dollar amounts as cents; a refund is positive, an amount owed negative. */
const money = (what: string) => moneyField(what, { maxWholeDigits: 9, example: '1234.56 or -500' });
const optionalText = (max: number) => z.string().trim().max(max, `Use at most ${max} characters`).default('');
const date = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .pipe(z.iso.date('Enter the date as yyyy-mm-dd').optional());

const ZTaxReturnForm = z.discriminatedUnion('intent', [
  z.object({
    intent: z.literal('submit'),
    federal: money('federal refund (or, with a minus sign, the amount owed)'),
    stateCode: z
      .string()
      .trim()
      .toUpperCase()
      .regex(/^([A-Z]{2})?$/, 'Use the two-letter state code, or leave it empty'),
    state: z.string().trim().default(''),
    notes: optionalText(2_000),
  }),
  z.object({ intent: z.literal('approve'), note: optionalText(1_000) }),
  z.object({ intent: z.literal('send_back'), reason: z.string().trim() }),
  z.object({ intent: z.literal('file'), confirmationNumber: z.string(), filedOn: date }),
  z.object({
    intent: z.literal('extension'),
    filedOn: date,
    confirmationNumber: z.string().trim().default(''),
  }),
  z.object({ intent: z.literal('k1'), waiting: z.enum(['yes', 'no']), note: optionalText(300) }),
  z.object({ intent: z.literal('reassign'), role: z.enum(['preparer', 'reviewer']), userId: z.string() }),
  z.object({ intent: z.literal('waive'), reason: z.string().trim() }),
  z.object({
    intent: z.literal('cancel'),
    reason: z.string().trim(),
    notifyClient: z.enum(['on']).optional(),
  }),
]);

/** Which permission each action needs, beyond working on engagements. */
const needs: Record<z.infer<typeof ZTaxReturnForm>['intent'], TStaffAction> = {
  submit: 'engagements.work',
  approve: 'engagements.approve',
  send_back: 'engagements.approve',
  file: 'engagements.work',
  extension: 'engagements.work',
  k1: 'engagements.work',
  reassign: 'engagements.assign',
  waive: 'invoices.manage',
  cancel: 'engagements.assign',
};

/**
 * `POST /app/engagements/<id>/tax-return`: the return's staff actions, each an update of its
 * workflow. A refusal comes back as the workflow's own sentence (HTTP 409) and nothing changes.
 */
export async function action(args: ActionFunctionArgs) {
  return engagementActionRoute(args, {
    type: 'tax_return',
    schema: ZTaxReturnForm,
    needs,
    run: async (input, { engagement, staff, answer }) => {
      const workflowId = engagement.workflowId;
      const byUserId = staff.userId;
      switch (input.intent) {
        case 'submit': {
          let state: { code: string; refundMinor: number } | null = null;
          if (input.stateCode) {
            const amount = money('state result').safeParse(input.state);
            if (!amount.success)
              return answer(false, amount.error.issues[0]?.message ?? 'Check the state amount.', 400);
            state = { code: input.stateCode, refundMinor: amount.data };
          }
          const result = await taxReturnActions.submitForReview(workflowId, {
            byUserId,
            summary: { federalRefundMinor: input.federal, state, notes: input.notes },
          });
          return answer(true, result.message);
        }
        case 'approve':
          return answer(
            true,
            (await taxReturnActions.approve(workflowId, { byUserId, note: input.note })).message,
          );
        case 'send_back':
          return answer(
            true,
            (await taxReturnActions.sendBack(workflowId, { byUserId, reason: input.reason })).message,
          );
        case 'file': {
          const number = ZFilingConfirmationNumber.safeParse(input.confirmationNumber);
          if (!number.success)
            return answer(false, number.error.issues[0]?.message ?? 'Check the Submission ID.', 400);
          const result = await taxReturnActions.recordFiling(workflowId, {
            byUserId,
            confirmationNumber: number.data,
            filedOn: input.filedOn,
          });
          return answer(true, result.message);
        }
        case 'extension': {
          const number = input.confirmationNumber
            ? ZFilingConfirmationNumber.safeParse(input.confirmationNumber)
            : null;
          if (number && !number.success)
            return answer(false, number.error.issues[0]?.message ?? 'Check the Submission ID.', 400);
          const result = await taxReturnActions.recordExtension(workflowId, {
            byUserId,
            filedOn: input.filedOn,
            ...(number?.success ? { confirmationNumber: number.data } : {}),
          });
          return answer(true, result.message);
        }
        case 'k1':
          return answer(
            true,
            (
              await taxReturnActions.setWaitingOnK1(workflowId, {
                byUserId,
                waiting: input.waiting === 'yes',
                note: input.note,
              })
            ).message,
          );
        case 'reassign':
          return answer(
            true,
            (
              await taxReturnActions.reassign(workflowId, {
                byUserId,
                role: input.role,
                userId: input.userId,
              })
            ).message,
          );
        case 'waive':
          return answer(
            true,
            (await taxReturnActions.waivePayment(workflowId, { byUserId, reason: input.reason })).message,
          );
        case 'cancel': {
          const result = await taxReturnActions.cancel(workflowId, {
            byUserId,
            reason: input.reason,
            notifyClient: input.notifyClient === 'on',
          });
          return answer(true, cancelledMessage(result, 'The return', 'everything it had started was undone'));
        }
      }
    },
  });
}
