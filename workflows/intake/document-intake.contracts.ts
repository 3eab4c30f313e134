/**
 * Document intake: everything the web app, the workers and parent workflows share about it. The web
 * app imports only this module (and `../shared/engagement.contracts`), never the workflows.
 *
 * A checklist of requested documents; each upload (a signal) starts a `documentProcessing` child on
 * the `documents` task queue; staff review, waive and add items with updates; intake completes when
 * every required item is accepted or waived.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { z } from 'zod';
import {
  ZReminderCadence,
  type TEngagementStatusView,
  type TStageInfo,
} from '../shared/engagement.contracts';
import { checklistCategories, checklistTemplateTypes, type TChecklistCategory } from './checklist-templates';

export { cancelEngagementUpdate, retryFailedStepUpdate } from '../shared/engagement.contracts';

export const documentIntakeWorkflowType = 'documentIntakeWorkflow';
export const documentProcessingWorkflowType = 'documentProcessingWorkflow';

/** Business key: one intake per engagement. */
export function documentIntakeWorkflowId(engagementId: string): string {
  return `intake:${engagementId}`;
}

/** Business key of one upload's processing: the upload ID is fixed before the file is sent. */
export function documentProcessingWorkflowId(uploadId: string): string {
  return `doc:${uploadId}`;
}

export const intakeStages = [
  'starting',
  'requesting',
  'collecting',
  'reviewing',
  'completed',
  'cancelled',
] as const;
export type TIntakeStage = (typeof intakeStages)[number];

export const intakeStageInfo: Record<TIntakeStage, TStageInfo> = {
  starting: { label: 'Preparing the checklist', progress: 5 },
  requesting: { label: 'Asking the client for documents', progress: 10 },
  collecting: { label: 'Collecting documents', progress: 20 },
  reviewing: { label: 'Reviewing documents', progress: 85 },
  completed: { label: 'All documents received', progress: 100 },
  cancelled: { label: 'Cancelled', progress: 100 },
};

export const ZChecklistItemInput = z.object({
  category: z.enum(checklistCategories, { error: 'Choose what kind of document it is' }),
  label: z
    .string()
    .trim()
    .min(2, 'Describe the document in a few words')
    .max(200, 'Use at most 200 characters'),
  required: z.boolean().default(true),
  note: z
    .string()
    .trim()
    .max(500, 'Use at most 500 characters')
    .transform((v) => (v === '' ? undefined : v))
    .optional(),
});
export type TChecklistItemInput = z.input<typeof ZChecklistItemInput>;

export const ZDocumentIntakeInput = z.object({
  organizationId: z.uuid(),
  clientId: z.uuid(),
  engagementId: z.uuid(),
  /** Which checklist template to start from. */
  checklistType: z.enum(checklistTemplateTypes),
  clientKind: z.enum(['individual', 'business']),
  taxYear: z.number().int().min(2000).max(2100).optional(),
  period: z
    .string()
    .regex(/^\d{4}-(0[1-9]|1[0-2])$/)
    .optional(),
  /**
   * standalone: the intake is its own engagement (it creates the read-model row and owns its stage).
   * child: it runs inside another engagement (tax return, monthly close): it writes to that
   * engagement's checklist and timeline but leaves its stage to the parent.
   */
  mode: z.enum(['standalone', 'child']).default('standalone'),
  startedByUserId: z.uuid().optional(),
  /** When the documents are due (ISO), shown to the client and planned as a deadline. */
  dueAt: z.iso.datetime({ offset: true }).optional(),
  /** Replaces the template (e.g. a parent that knows exactly what it needs). */
  items: z.array(ZChecklistItemInput).max(50).optional(),
  /** Overrides the firm's reminder schedule (tests, or a parent with its own). */
  reminders: ZReminderCadence.optional(),
  /** Overrides the firm's review threshold. */
  reviewConfidenceThreshold: z.number().min(0).max(1).optional(),
  /** The task queue of the processing children (default `documents`; tests use their own). */
  documentsTaskQueue: z.string().min(1).max(200).optional(),
  /** Continue as new past this many history events (default: the shared limit). */
  maxHistoryEvents: z.number().int().min(50).optional(),
  /**
   * Start with client reminders on hold for this reason (a parent already waiting, e.g. on a K-1);
   * `resumeRemindersSignal` lifts it.
   */
  remindersPausedReason: z.string().trim().min(3).max(200).optional(),
});
export type TDocumentIntakeInput = z.input<typeof ZDocumentIntakeInput>;
export type TDocumentIntakeParsedInput = z.infer<typeof ZDocumentIntakeInput>;

/** Where a checklist item stands. */
export type TChecklistItemStatus =
  'open' | 'processing' | 'needs_review' | 'accepted' | 'rejected' | 'waived' | 'withdrawn';

export interface TChecklistItemView {
  requestId: string;
  key: string;
  category: TChecklistCategory;
  label: string;
  required: boolean;
  status: TChecklistItemStatus;
  /** Documents uploaded for this item (IDs), newest last. */
  documentIds: string[];
  /** Why the last document was rejected (the client saw it), or why the item was waived. */
  reason: string | null;
}

export type TIntakeDocumentStatus =
  'processing' | 'refused' | 'duplicate' | 'needs_review' | 'unreadable' | 'accepted' | 'rejected';

export interface TIntakeDocumentView {
  uploadId: string;
  documentId: string | null;
  requestId: string | null;
  status: TIntakeDocumentStatus;
  /** The upload was refused (type, size), the document rejected, or why it needs review. */
  reason: string | null;
  /** The staff task reviewing it, while one is open. */
  reviewTaskId: string | null;
}

/** The intake's `getStatus`: the common engagement status plus its checklist and documents. */
export interface TDocumentIntakeStatus extends TEngagementStatusView {
  checklist: TChecklistItemView[];
  documents: TIntakeDocumentView[];
  /** Required items still needed from the client. */
  outstanding: number;
}

export interface TDocumentIntakeResult {
  outcome: 'completed' | 'cancelled';
  accepted: number;
  waived: number;
  remindersSent: number;
}

/** A file the client (or staff) uploaded and the storage port holds; sent by the upload endpoint. */
export const ZDocumentUploaded = z.object({
  uploadId: z.uuid(),
  blobKey: z.string().min(1).max(300),
  declaredMediaType: z.string().min(1).max(120),
  sizeBytes: z.number().int().nonnegative(),
  originalFileName: z.string().min(1).max(255),
  /** The checklist item it answers; null for an unrequested document. */
  requestId: z.uuid().nullable(),
  uploadedBy: z.object({ type: z.enum(['contact', 'user']), id: z.uuid() }),
  uploadedAt: z.iso.datetime({ offset: true }),
});
export type TDocumentUploaded = z.infer<typeof ZDocumentUploaded>;

export const documentUploadedSignal = defineSignal<[TDocumentUploaded]>('documentUploaded');

export const ZPauseReminders = z.object({
  /** Shown as the reminders' `notSentReason`, e.g. "paused while waiting on a K-1". */
  reason: z
    .string()
    .trim()
    .min(3, 'Say in a few words why reminders are paused')
    .max(200, 'Use at most 200 characters'),
});
export type TPauseReminders = z.infer<typeof ZPauseReminders>;

/**
 * Holds the client reminders (a parent waits on something else first, e.g. a K-1): none goes out
 * while paused, `getStatus` shows the reason, and the interval starts over on resume. A second pause
 * replaces the reason.
 */
export const pauseRemindersSignal = defineSignal<[TPauseReminders]>('pauseReminders');
/** Lifts a pause: reminders go on from the next one. Nothing happens when none is paused. */
export const resumeRemindersSignal = defineSignal('resumeReminders');

/** The intake's live status (common engagement status + checklist). */
export const getStatusQuery = defineQuery<TDocumentIntakeStatus>('getStatus');

const reasonText = z
  .string()
  .trim()
  .min(3, 'Say why in a few words: the client reads it')
  .max(500, 'Use at most 500 characters');

export const ZReviewDocument = z
  .object({
    documentId: z.uuid(),
    decision: z.enum(['accept', 'reject'], { error: 'Choose accept or reject' }),
    reason: z
      .string()
      .trim()
      .max(500, 'Use at most 500 characters')
      .transform((v) => (v === '' ? undefined : v))
      .optional(),
    corrections: z
      .array(
        z.object({
          name: z.string().min(1).max(80),
          value: z.string().trim().max(300, 'A corrected value has at most 300 characters'),
        }),
      )
      .max(60)
      .default([]),
    reviewerUserId: z.uuid(),
  })
  .refine((r) => r.decision === 'accept' || (r.reason?.length ?? 0) >= 3, {
    message: 'Say why the document is rejected: the client reads it',
    path: ['reason'],
  });
export type TReviewDocumentInput = z.input<typeof ZReviewDocument>;
export interface TReviewDocumentResult {
  documentId: string;
  documentStatus: TIntakeDocumentStatus;
  itemStatus: TChecklistItemStatus | null;
  /** Whether the client was emailed (rejections ask again). */
  clientAskedAgain: boolean;
}
/** Staff review a document: correct fields, then accept it or reject it with a reason. */
export const reviewDocumentUpdate = defineUpdate<TReviewDocumentResult, [TReviewDocumentInput]>(
  'reviewDocument',
);

export const ZWaiveItem = z.object({
  requestId: z.uuid(),
  reason: reasonText,
  byUserId: z.uuid(),
});
export type TWaiveItemInput = z.input<typeof ZWaiveItem>;
/** Staff no longer need an item. */
export const waiveItemUpdate = defineUpdate<TChecklistItemView, [TWaiveItemInput]>('waiveItem');

export const ZAddDocumentRequest = ZChecklistItemInput.extend({ byUserId: z.uuid() });
export type TAddDocumentRequestInput = z.input<typeof ZAddDocumentRequest>;
/** Staff ask the client for one more document (the client is emailed). */
export const addDocumentRequestUpdate = defineUpdate<TChecklistItemView, [TAddDocumentRequestInput]>(
  'addDocumentRequest',
);

/** What the processing child reports to the intake. */
export type TDocumentProcessingResult =
  | { outcome: 'refused'; uploadId: string; reason: string }
  | { outcome: 'duplicate'; uploadId: string; documentId: string }
  | {
      outcome: 'processed';
      uploadId: string;
      documentId: string;
      category: string;
      needsReview: boolean;
      /** Why a person must look, in words (never field values). */
      reviewReasons: string[];
      confidence: number;
    }
  | { outcome: 'unreadable'; uploadId: string; documentId: string; reason: string };

export interface TDocumentProcessingInput {
  organizationId: string;
  engagementId: string;
  upload: TDocumentUploaded;
  /** The category the checklist item asked for; null for an unrequested document. */
  expectedCategory: TChecklistCategory | null;
  reviewConfidenceThreshold: number;
}
