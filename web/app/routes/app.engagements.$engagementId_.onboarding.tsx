import type { ActionFunctionArgs } from '@remix-run/node';
import { z } from 'zod';
import type { TEngagementActionResult } from '../engagements/engagement-action-form';
import { findEngagement } from '../engagements/engagement-queries.server';
import { can, type TStaffAction } from '../auth/permissions.server';
import { notFound, staffRoute } from '../http/route.server';
import {
  cancelOnboarding,
  reassignOnboardingFollowUp,
  resendOnboardingInvitation,
} from '../onboarding/onboarding-workflow.server';
import { isAppError } from '../../../lib/errors';
import { isUuid } from '../../../lib/ids';

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
 * `POST /app/engagements/<id>/onboarding`: the client onboarding's staff actions (a new portal link, cancel),
 * each an update of its workflow. A refusal comes back as the workflow's own sentence (HTTP 409)
 * and nothing changes.
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
    if (!engagement || engagement.type !== 'client_onboarding') notFound('This engagement');

    const form = await args.request.formData();
    const rawIntent = form.get('intent');
    const intent = typeof rawIntent === 'string' ? rawIntent : 'form';
    // A JSON response with its status (the forms post with fetchers; tests and scripts read it as is).
    const answer = (ok: boolean, message: string, status = 200) =>
      Response.json({ ok, message, form: intent } satisfies TEngagementActionResult, {
        status,
        headers: { 'Cache-Control': 'no-store' },
      });
    const parsed = ZOnboardingForm.safeParse(Object.fromEntries(form));
    if (!parsed.success) return answer(false, parsed.error.issues[0]?.message ?? 'Check the form.', 400);
    const input = parsed.data;
    if (!can(staff.role, needs[input.intent])) return answer(false, 'Your role cannot do this.', 403);

    try {
      switch (input.intent) {
        case 'resend':
          return answer(
            true,
            (await resendOnboardingInvitation(engagement.workflowId, { byUserId: staff.userId })).message,
          );
        case 'reassign':
          return answer(
            true,
            (
              await reassignOnboardingFollowUp(engagement.workflowId, {
                assigneeUserId: input.assigneeUserId,
                byUserId: staff.userId,
              })
            ).message,
          );
        case 'cancel': {
          const result = await cancelOnboarding(engagement.workflowId, {
            byUserId: staff.userId,
            reason: input.reason,
            notifyClient: input.notifyClient === 'on',
          });
          const failed = result.compensations.filter((c) => !c.ok).map((c) => c.name);
          return answer(
            true,
            failed.length === 0
              ? 'The onboarding is cancelled: unused portal links no longer work and the follow-up is closed.'
              : `The onboarding is cancelled, but these could not be undone: ${failed.join(', ')}.`,
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
