import type { ActionFunctionArgs } from '@remix-run/node';
import { z } from 'zod';
import type { TStaffAction } from '../auth/permissions.server';
import { engagementActionRoute, retryFailedStep } from '../engagements/engagement-updates.server';

const ZRetryForm = z.object({ intent: z.literal('retry') });

const needs: Record<z.infer<typeof ZRetryForm>['intent'], TStaffAction> = { retry: 'engagements.work' };

/**
 * `POST /app/engagements/<id>/retry`: "Retry now" on the step an engagement keeps failing at, for
 * the engagement workflows that take `retryFailedStep`. When nothing is failing the workflow refuses
 * in its own words (HTTP 409) and nothing changes.
 */
export async function action(args: ActionFunctionArgs) {
  return engagementActionRoute(args, {
    type: ['client_onboarding', 'document_intake', 'tax_return', 'monthly_close'],
    schema: ZRetryForm,
    needs,
    run: async (_input, { engagement, staff, answer }) =>
      answer(true, (await retryFailedStep(engagement.workflowId, { byUserId: staff.userId })).message),
  });
}
