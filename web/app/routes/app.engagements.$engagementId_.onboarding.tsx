import type { ActionFunctionArgs } from '@remix-run/node';
import { z } from 'zod';
import type { TStaffAction } from '../auth/permissions.server';
import { cancelledMessage, engagementActionRoute } from '../engagements/engagement-updates.server';
import {
  cancelOnboarding,
  reassignOnboardingFollowUp,
  resendOnboardingInvitation,
} from '../onboarding/onboarding-workflow.server';

const ZOnboardingForm = z.discriminatedUnion('intent', [
  z.object({ intent: z.literal('resend') }),
  z.object({ intent: z.literal('reassign'), assigneeUserId: z.uuid('Choose someone from your firm') }),
  z.object({
    intent: z.literal('cancel'),
    reason: z.string().trim(),
    notifyClient: z.enum(['on']).optional(),
  }),
]);

const needs: Record<z.infer<typeof ZOnboardingForm>['intent'], TStaffAction> = {
  resend: 'engagements.work',
  reassign: 'engagements.assign',
  cancel: 'engagements.assign',
};

/**
 * `POST /app/engagements/<id>/onboarding`: the client onboarding's staff actions (a new portal link,
 * hand the follow-up to someone else, cancel), each an update of its workflow. A refusal comes back
 * as the workflow's own sentence (HTTP 409) and nothing changes.
 */
export async function action(args: ActionFunctionArgs) {
  return engagementActionRoute(args, {
    type: 'client_onboarding',
    schema: ZOnboardingForm,
    needs,
    run: async (input, { engagement, staff, answer }) => {
      const workflowId = engagement.workflowId;
      const byUserId = staff.userId;
      switch (input.intent) {
        case 'resend':
          return answer(true, (await resendOnboardingInvitation(workflowId, { byUserId })).message);
        case 'reassign':
          return answer(
            true,
            (await reassignOnboardingFollowUp(workflowId, { assigneeUserId: input.assigneeUserId, byUserId }))
              .message,
          );
        case 'cancel': {
          const result = await cancelOnboarding(workflowId, {
            byUserId,
            reason: input.reason,
            notifyClient: input.notifyClient === 'on',
          });
          return answer(
            true,
            cancelledMessage(
              result,
              'The onboarding',
              'unused portal links no longer work and the follow-up is closed',
            ),
          );
        }
      }
    },
  });
}
