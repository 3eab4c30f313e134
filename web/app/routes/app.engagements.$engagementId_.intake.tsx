import type { ActionFunctionArgs } from '@remix-run/node';
import { z } from 'zod';
import { isUuid } from '../../../lib/ids';
import { isAppError } from '../../../lib/errors';
import { checklistCategories } from '../../../workflows/intake/checklist-templates';
import { can } from '../auth/permissions.server';
import { findEngagement } from '../engagements/engagement-queries.server';
import { notFound, staffRoute } from '../http/route.server';
import {
  addIntakeRequest,
  cancelIntake,
  reviewIntakeDocument,
  waiveIntakeItem,
} from '../intake/intake-workflow.server';

/** What every intake form gets back: a sentence to show next to it. */
export interface TIntakeActionResult {
  ok: boolean;
  message: string;
  /** Which form answered (a page has several). */
  form: string;
}

const text = (max: number) =>
  z
    .string()
    .trim()
    .max(max, `Use at most ${max} characters`)
    .transform((v) => (v === '' ? undefined : v))
    .optional();

const ZIntakeForm = z.discriminatedUnion('intent', [
  z.object({
    intent: z.literal('review'),
    documentId: z.uuid('Choose a document'),
    decision: z.enum(['accept', 'reject'], { error: 'Choose accept or reject' }),
    reason: text(500),
  }),
  z.object({
    intent: z.literal('waive'),
    requestId: z.uuid('Choose an item'),
    reason: z.string().trim().min(3, 'Say why in a few words: the client reads it').max(500),
  }),
  z.object({
    intent: z.literal('add'),
    category: z.enum(checklistCategories, { error: 'Choose what kind of document it is' }),
    label: z.string().trim().min(2, 'Describe the document in a few words').max(200),
    required: z.enum(['on']).optional(),
    note: text(500),
  }),
  z.object({
    intent: z.literal('cancel'),
    reason: z.string().trim().min(3, 'Say in a few words why the engagement is cancelled').max(500),
    notifyClient: z.enum(['on']).optional(),
  }),
]);

/** The JSON answer of a form (a resource route: a plain Response keeps its status). */
function answer(result: TIntakeActionResult, init: { status: number } = { status: 200 }): Response {
  return Response.json(result, { ...init, headers: { 'Cache-Control': 'no-store' } });
}

/** Reviewed field values arrive as `field:<name>` next to the value shown (`original:<name>`). */
function corrections(form: FormData): { name: string; value: string }[] {
  const changed: { name: string; value: string }[] = [];
  for (const [key, value] of form.entries()) {
    if (!key.startsWith('field:') || typeof value !== 'string') continue;
    const name = key.slice('field:'.length);
    const original = form.get(`original:${name}`);
    if (typeof original === 'string' && original.trim() !== value.trim())
      changed.push({ name, value: value.trim() });
  }
  return changed.slice(0, 60);
}

/**
 * `POST /app/engagements/<id>/intake`: the intake's staff actions (review a document, waive or add
 * an item, cancel). Each becomes an update of the intake workflow; a refusal comes back as the
 * workflow's own sentence (HTTP 409) and nothing changes.
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
    if (!engagement) notFound('This engagement');

    const form = await args.request.formData();
    const parsed = ZIntakeForm.safeParse(Object.fromEntries(form));
    const textOf = (name: string) => {
      const value = form.get(name);
      return typeof value === 'string' ? value : '';
    };
    const formId = `${textOf('intent') || 'form'}:${textOf('documentId') || textOf('requestId')}`;
    if (!parsed.success) {
      return answer(
        { ok: false, message: parsed.error.issues[0]?.message ?? 'Check the form.', form: formId },
        { status: 400 },
      );
    }
    const by = staff.userId;
    try {
      const input = parsed.data;
      switch (input.intent) {
        case 'review': {
          const result = await reviewIntakeDocument(engagementId, {
            documentId: input.documentId,
            decision: input.decision,
            reason: input.reason,
            corrections: corrections(form),
            reviewerUserId: by,
          });
          const message =
            result.documentStatus === 'accepted'
              ? 'Document accepted.'
              : result.clientAskedAgain
                ? 'Document rejected. The client was emailed the reason and asked again.'
                : 'Document rejected. The client could not be emailed; the portal shows the reason.';
          return answer({ ok: true, message, form: formId });
        }
        case 'waive':
          await waiveIntakeItem(engagementId, {
            requestId: input.requestId,
            reason: input.reason,
            byUserId: by,
          });
          return answer({ ok: true, message: 'Item waived.', form: formId });
        case 'add': {
          const item = await addIntakeRequest(engagementId, {
            category: input.category,
            label: input.label,
            required: input.required === 'on',
            note: input.note,
            byUserId: by,
          });
          return answer({
            ok: true,
            message: `“${item.label}” added to the checklist; the client was asked for it.`,
            form: formId,
          });
        }
        case 'cancel': {
          if (!can(staff.role, 'engagements.assign')) {
            return answer(
              { ok: false, message: 'Only a manager can cancel an engagement.', form: formId },
              { status: 403 },
            );
          }
          if (engagement.type !== 'document_intake') {
            // A child intake runs inside its parent: cancelling it alone would leave the parent waiting.
            return answer(
              {
                ok: false,
                message: `Collecting documents is part of ${engagement.title}: cancel that instead.`,
                form: formId,
              },
              { status: 409 },
            );
          }
          const result = await cancelIntake(engagementId, {
            reason: input.reason,
            byUserId: by,
            notifyClient: input.notifyClient === 'on',
          });
          const failed = result.compensations.filter((c) => !c.ok);
          return answer({
            ok: failed.length === 0,
            message:
              failed.length === 0
                ? 'Engagement cancelled: requests withdrawn and open tasks closed.'
                : `Engagement cancelled, but these could not be undone: ${failed.map((f) => `${f.name} (${f.message ?? 'failed'})`).join('; ')}.`,
            form: formId,
          });
        }
      }
    } catch (error) {
      if (isAppError(error) && (error.code === 'conflict' || error.code === 'invalid_input')) {
        return answer({ ok: false, message: error.userMessage, form: formId }, { status: 409 });
      }
      throw error;
    }
  });
}
