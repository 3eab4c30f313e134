import {
  CancelledFailure,
  ParentClosePolicy,
  allHandlersFinished,
  condition,
  isCancellation,
  log,
  patched,
  proxyActivities,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { EngagementActivities } from '../../activities/engagements/engagement.activities';
import type { DocumentIntakeActivities } from '../../activities/documents/document-intake.activities';
import {
  Compensations,
  Deadlines,
  EngagementCancellation,
  EngagementTracker,
  continueAsNewWith,
  failureMessage,
  finishCancelled,
  finishFailed,
  handleCancelEngagement,
  handleRetryFailedStep,
  newReminderProgress,
  remindUntilDone,
  setStaffUpdateHandler,
  shouldContinueAsNew,
  type TDeadline,
  type TReminderCadence,
  type TReminderProgress,
  type TTrackerState,
} from '../shared/engagement-mechanics';
import { clientIdKey, engagementTypeKey, organizationIdKey } from '../shared/search-attributes';
import { taskQueues } from '../shared/task-queues';
import {
  checklistTemplate,
  type TChecklistCategory,
  type TChecklistItemTemplate,
} from './checklist-templates';
import {
  ZAddDocumentRequest,
  ZDocumentIntakeInput,
  ZDocumentUploaded,
  ZPauseReminders,
  ZReviewDocument,
  ZWaiveItem,
  addDocumentRequestUpdate,
  documentIntakeWorkflowType,
  documentProcessingWorkflowId,
  documentProcessingWorkflowType,
  documentUploadedSignal,
  getStatusQuery,
  intakeStageInfo,
  pauseRemindersSignal,
  resumeRemindersSignal,
  reviewDocumentUpdate,
  waiveItemUpdate,
  type TChecklistItemStatus,
  type TChecklistItemView,
  type TDocumentIntakeInput,
  type TDocumentIntakeResult,
  type TDocumentIntakeStatus,
  type TDocumentProcessingResult,
  type TDocumentUploaded,
  type TIntakeDocumentView,
  type TIntakeStage,
} from './document-intake.contracts';
import type { documentProcessingWorkflow } from './document-processing.workflow';

const acts = proxyActivities<EngagementActivities & DocumentIntakeActivities>({
  startToCloseTimeout: '30 seconds',
  // Bounded, so a failure that lasts shows as lastError in getStatus (tracker.attempt retries on).
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 6,
  },
});

/** One checklist item as the workflow keeps it; its status is derived from its documents. */
interface TItemState {
  requestId: string;
  key: string;
  category: TChecklistCategory;
  label: string;
  required: boolean;
  waivedReason: string | null;
  withdrawn: boolean;
}

/** One upload and what became of it. */
interface TDocState extends TIntakeDocumentView {
  uploadedAt: string;
  /** Rejected documents keep the reason the client was given. */
  automatic: boolean;
}

/** What one run hands the next (continue-as-new). */
export interface TIntakeCarried {
  tracker: TTrackerState;
  policy: { reviewConfidenceThreshold: number; reminders: TReminderCadence };
  items: TItemState[];
  documents: TDocState[];
  queued: TDocumentUploaded[];
  reminderRound: number;
  reminderProgress: TReminderProgress;
  followUpTaskId: string | null;
  staffItemCount: number;
  requestEmailSent: boolean;
  deadlines: TDeadline[];
  overdueNoted: boolean;
  /** Why the client reminders are on hold (a parent's pause); absent in runs carried before it. */
  remindersPausedReason?: string | null;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/**
 * Collects an engagement's documents: creates the checklist (from the template for the engagement
 * type, or the items given), asks the client by email, and processes every upload in a
 * `documentProcessing` child workflow on the `documents` queue (verify, dedupe, classify, extract).
 * Confident, complete extractions are accepted automatically; the others open a staff review task.
 * Staff review, waive and add items with updates; reminders follow the firm's cadence and escalate
 * to a follow-up task. Completes when every required item is accepted or waived and nothing is
 * still being read or reviewed. Cancelling withdraws the requests and tells the client.
 */
export async function documentIntakeWorkflow(
  rawInput: TDocumentIntakeInput,
  carried?: TIntakeCarried,
): Promise<TDocumentIntakeResult> {
  const input = ZDocumentIntakeInput.parse(rawInput);
  const { workflowId } = workflowInfo();
  const portalPath = `/portal/engagements/${input.engagementId}/documents`;

  const tracker = new EngagementTracker<TIntakeStage>({
    organizationId: input.organizationId,
    engagementId: input.engagementId,
    type: 'document_intake',
    stages: intakeStageInfo,
    initialStage: 'starting',
    project: (projection) => acts.projectEngagement({ ...projection, timelineOnly: input.mode === 'child' }),
    carried: carried?.tracker,
  });
  let policy = carried?.policy ?? null;
  let items: TItemState[] = carried?.items ?? [];
  const documents: TDocState[] = carried?.documents ?? [];
  const queued: TDocumentUploaded[] = carried?.queued ?? [];
  let reminderRound = carried?.reminderRound ?? 0;
  let reminderProgress = carried?.reminderProgress ?? newReminderProgress();
  let followUpTaskId = carried?.followUpTaskId ?? null;
  let staffItemCount = carried?.staffItemCount ?? 0;
  let requestEmailSent = carried?.requestEmailSent ?? false;
  let overdueNoted = carried?.overdueNoted ?? false;
  let remindersPausedReason =
    carried === undefined ? (input.remindersPausedReason ?? null) : (carried.remindersPausedReason ?? null);
  let finished = false;
  let checklistReady = items.length > 0;
  /** Children still running, and their results waiting for the main loop. */
  let inFlight = 0;
  let reminderBusy = false;
  const results: {
    upload: TDocumentUploaded;
    result: TDocumentProcessingResult | { outcome: 'failed'; reason: string };
  }[] = [];

  const deadlines = new Deadlines(() => undefined, carried?.deadlines ?? []);
  const compensations = new Compensations();
  const cancellation = new EngagementCancellation();
  // A run a failure stops ends `failed` in the read model, with the reason on the timeline.
  cancellation.onFailure((error) => finishFailed({ tracker, error, patchId: 'intake-project-failure' }));

  // --- derived state ------------------------------------------------------------------------------
  const docsOf = (item: TItemState) => documents.filter((d) => d.requestId === item.requestId);
  const itemStatus = (item: TItemState): TChecklistItemStatus => {
    if (item.withdrawn) return 'withdrawn';
    if (item.waivedReason !== null) return 'waived';
    const docs = docsOf(item).filter((d) => d.status !== 'refused' && d.status !== 'duplicate');
    if (docs.some((d) => d.status === 'accepted')) return 'accepted';
    if (docs.some((d) => d.status === 'needs_review' || d.status === 'unreadable')) return 'needs_review';
    if (docs.some((d) => d.status === 'processing')) return 'processing';
    if (docs.at(-1)?.status === 'rejected') return 'rejected';
    return 'open';
  };
  const itemView = (item: TItemState): TChecklistItemView => {
    const status = itemStatus(item);
    const lastRejected = [...docsOf(item)].reverse().find((d) => d.status === 'rejected');
    return {
      requestId: item.requestId,
      key: item.key,
      category: item.category,
      label: item.label,
      required: item.required,
      status,
      documentIds: docsOf(item).flatMap((d) => (d.documentId ? [d.documentId] : [])),
      reason:
        status === 'waived'
          ? item.waivedReason
          : status === 'rejected'
            ? (lastRejected?.reason ?? null)
            : null,
    };
  };
  /** Items the client still has to send (required, and open or rejected). */
  const outstanding = () =>
    items.filter((item) => {
      const status = itemStatus(item);
      return item.required && (status === 'open' || status === 'rejected');
    });
  /** Optional items not sent yet: listed in reminders, but they do not keep intake open. */
  const optionalOpen = () =>
    items.filter((item) => !item.required && ['open', 'rejected'].includes(itemStatus(item)));
  const reading = () => documents.filter((d) => d.status === 'processing').length + queued.length;
  const awaitingReview = () =>
    documents.filter((d) => d.status === 'needs_review' || d.status === 'unreadable');
  const complete = () =>
    checklistReady &&
    items
      .filter((item) => item.required)
      .every((item) => ['accepted', 'waived'].includes(itemStatus(item))) &&
    reading() === 0 &&
    inFlight === 0 &&
    results.length === 0 &&
    awaitingReview().length === 0;

  const status = (): TDocumentIntakeStatus => ({
    ...tracker.status(),
    nextDeadline: deadlines.next(),
    checklist: items.map(itemView),
    documents: documents.map((d) => ({
      uploadId: d.uploadId,
      documentId: d.documentId,
      requestId: d.requestId,
      status: d.status,
      reason: d.reason,
      reviewTaskId: d.reviewTaskId,
    })),
    outstanding: outstanding().length,
  });

  /** Works out stage, waiting-for and progress, then projects them with a timeline event. */
  const sync = async (kind: string, message: string): Promise<void> => {
    const missing = outstanding().length;
    const required = items.filter((i) => i.required);
    let stage: TIntakeStage;
    if (finished) stage = 'completed';
    else if (missing > 0 || !requestEmailSent) stage = requestEmailSent ? 'collecting' : 'requesting';
    else stage = 'reviewing';

    if (stage === 'collecting')
      tracker.waitFor(`${plural(missing, 'document')} from the checklist`, 'client');
    else if (stage === 'reviewing' && reading() > 0)
      tracker.waitFor(`Reading ${plural(reading(), 'uploaded document')}`, 'system');
    else if (stage === 'reviewing' && awaitingReview().length > 0)
      tracker.waitFor(`Review of ${plural(awaitingReview().length, 'document')}`, 'staff');
    else tracker.stopWaiting();

    const done = required.filter((i) => ['accepted', 'waived'].includes(itemStatus(i))).length;
    const sent = required.filter((i) => !['open', 'rejected'].includes(itemStatus(i))).length;
    const share = (n: number) => (required.length === 0 ? 1 : n / required.length);
    tracker.setProgress(
      stage === 'collecting' ? 20 + 60 * share(sent) : stage === 'reviewing' ? 85 + 14 * share(done) : null,
    );
    tracker.setDeadline(deadlines.next());
    if (stage === tracker.stage) await tracker.note(kind, message);
    else await tracker.moveTo(stage, kind, message, finished ? { status: 'completed' } : {});
  };

  const itemFor = (requestId: string | null) =>
    requestId ? (items.find((i) => i.requestId === requestId) ?? null) : null;

  // --- handlers -------------------------------------------------------------------------------------
  setHandler(getStatusQuery, status);

  setHandler(pauseRemindersSignal, (raw) => {
    const parsed = ZPauseReminders.safeParse(raw);
    if (!parsed.success) {
      log.warn('ignored a malformed pause-reminders signal');
      return;
    }
    remindersPausedReason = parsed.data.reason;
    // Shown at once, even before the reminder loop notices (and while no reminder is scheduled).
    if (!finished) tracker.reminders.notSentReason = remindersPausedReason;
  });
  setHandler(resumeRemindersSignal, () => {
    if (remindersPausedReason === null) return;
    if (tracker.reminders.notSentReason === remindersPausedReason) tracker.reminders.notSentReason = null;
    remindersPausedReason = null;
  });

  setHandler(documentUploadedSignal, (raw) => {
    const parsed = ZDocumentUploaded.safeParse(raw);
    if (!parsed.success) {
      log.warn('ignored a malformed upload signal');
      return;
    }
    const upload = parsed.data;
    if (finished || cancellation.request) {
      log.info('upload arrived after intake ended; not processed', { uploadId: upload.uploadId });
      return;
    }
    if (
      documents.some((d) => d.uploadId === upload.uploadId) ||
      queued.some((q) => q.uploadId === upload.uploadId)
    )
      return;
    queued.push(upload);
  });

  const reviewable = new Set(['needs_review', 'unreadable']);
  setStaffUpdateHandler(reviewDocumentUpdate, {
    schema: ZReviewDocument,
    check: (review) => {
      if (finished || cancellation.request) return 'This intake has ended; nothing can be reviewed any more.';
      const doc = documents.find((d) => d.documentId === review.documentId);
      if (!doc) return 'That document is not part of this engagement.';
      if (doc.status === 'accepted') return 'This document is already accepted.';
      if (doc.status === 'rejected')
        return 'This document was already rejected; the client was asked for a new one.';
      if (!reviewable.has(doc.status)) return 'This document is still being read. Try again in a moment.';
      return null;
    },
    handle: async (review) => {
      const doc = documents.find((d) => d.documentId === review.documentId && reviewable.has(d.status));
      if (!doc?.documentId) throw new Error('unreachable: the validator checked the document');
      const documentId = doc.documentId;
      await tracker.attempt('reviewIntakeDocument', () =>
        acts.reviewIntakeDocument({
          organizationId: input.organizationId,
          documentId,
          decision: review.decision,
          reason: review.reason ?? null,
          corrections: review.corrections,
          reviewerUserId: review.reviewerUserId,
        }),
      );
      doc.status = review.decision === 'accept' ? 'accepted' : 'rejected';
      doc.reason = review.decision === 'reject' ? (review.reason ?? null) : null;
      doc.automatic = false;
      if (doc.reviewTaskId) {
        const taskId = doc.reviewTaskId;
        await tracker.attempt('closeStaffTask', () =>
          acts.closeStaffTask({ organizationId: input.organizationId, taskId, outcome: 'done' }),
        );
        tracker.untrackTask(taskId);
        doc.reviewTaskId = null;
      }
      const item = itemFor(doc.requestId);
      let askedAgain = false;
      if (review.decision === 'reject' && item && itemStatus(item) === 'rejected') {
        const outcome = await tracker.attempt('sendEngagementEmail', () =>
          acts.sendEngagementEmail({
            organizationId: input.organizationId,
            engagementId: input.engagementId,
            idempotencyKey: `${workflowId}:rejected:${documentId}`,
            to: { kind: 'client' },
            email: {
              template: 'document_request',
              items: [`${item.label}: we could not use the file you sent. ${review.reason ?? ''}`.trim()],
              portalUrl: portalPath,
              ...(input.dueAt ? { dueDate: input.dueAt } : {}),
            },
          }),
        );
        askedAgain = outcome.sent;
        if (!outcome.sent) tracker.reminders.notSentReason = outcome.notSentReason;
      }
      const label = item ? `"${item.label}"` : 'an unrequested document';
      await sync(
        review.decision === 'accept' ? 'document_accepted' : 'document_rejected',
        review.decision === 'accept'
          ? `Document for ${label} accepted${review.corrections.length > 0 ? ` with ${plural(review.corrections.length, 'correction')}` : ''}`
          : `Document for ${label} rejected: ${review.reason ?? ''}${askedAgain ? '. The client was asked again.' : ''}`,
      );
      return {
        documentId,
        documentStatus: doc.status,
        itemStatus: item ? itemStatus(item) : null,
        clientAskedAgain: askedAgain,
      };
    },
  });

  setStaffUpdateHandler(waiveItemUpdate, {
    schema: ZWaiveItem,
    check: (waive) => {
      if (finished || cancellation.request) return 'This intake has ended.';
      if (!checklistReady) return 'The checklist is still being prepared. Try again in a moment.';
      const item = items.find((i) => i.requestId === waive.requestId);
      if (!item) return 'That item is not on this checklist.';
      const current = itemStatus(item);
      if (current === 'waived') return 'This item is already waived.';
      if (current === 'accepted') return 'This item is already accepted, so there is nothing to waive.';
      return null;
    },
    handle: async (waive) => {
      const item = items.find((i) => i.requestId === waive.requestId);
      if (!item) throw new Error('unreachable: the validator checked the item');
      await tracker.attempt('waiveChecklistItem', () =>
        acts.waiveChecklistItem({
          organizationId: input.organizationId,
          requestId: item.requestId,
          reason: waive.reason,
          byUserId: waive.byUserId,
        }),
      );
      item.waivedReason = waive.reason;
      await sync('item_waived', `"${item.label}" waived: ${waive.reason}`);
      return itemView(item);
    },
  });

  setStaffUpdateHandler(addDocumentRequestUpdate, {
    schema: ZAddDocumentRequest,
    check: (request) => {
      if (finished || cancellation.request) return 'This intake has ended; start a new one to ask for more.';
      if (!checklistReady) return 'The checklist is still being prepared. Try again in a moment.';
      const label = request.label.toLowerCase();
      if (
        items.some((i) => i.label.toLowerCase() === label && !['waived', 'withdrawn'].includes(itemStatus(i)))
      )
        return 'The checklist already asks for a document with this name.';
      if (items.length >= 60) return 'A checklist holds at most 60 items.';
      return null;
    },
    handle: async (request) => {
      staffItemCount += 1;
      const template: TChecklistItemTemplate = {
        key: `staff-${staffItemCount}`,
        category: request.category,
        label: request.label,
        required: request.required,
        ...(request.note ? { note: request.note } : {}),
      };
      const [created] = await tracker.attempt('createChecklistItems', () =>
        acts.createChecklistItems({
          organizationId: input.organizationId,
          engagementId: input.engagementId,
          items: [template],
          byUserId: request.byUserId,
        }),
      );
      if (!created) throw new Error('unreachable: one item in, one item out');
      const item: TItemState = {
        ...template,
        requestId: created.requestId,
        waivedReason: null,
        withdrawn: false,
      };
      items = [...items, item];
      if (requestEmailSent) {
        const outcome = await tracker.attempt('sendEngagementEmail', () =>
          acts.sendEngagementEmail({
            organizationId: input.organizationId,
            engagementId: input.engagementId,
            idempotencyKey: `${workflowId}:request:${item.key}`,
            to: { kind: 'client' },
            email: {
              template: 'document_request',
              items: [item.label],
              portalUrl: portalPath,
              ...(input.dueAt ? { dueDate: input.dueAt } : {}),
            },
          }),
        );
        if (!outcome.sent) tracker.reminders.notSentReason = outcome.notSentReason;
      }
      await sync('item_added', `"${item.label}" added to the checklist${item.required ? '' : ' (optional)'}`);
      return itemView(item);
    },
  });

  handleCancelEngagement(cancellation, () =>
    finished ? 'This intake is already complete, so there is nothing to cancel.' : null,
  );
  handleRetryFailedStep(tracker, () => (cancellation.request ? 'This intake is being cancelled.' : null));

  // --- compensations (registered again after continue-as-new) --------------------------------------
  const registerCompensations = () => {
    compensations.add('close open staff tasks', async () => {
      for (const task of [...tracker.openTasks]) {
        await acts.closeStaffTask({
          organizationId: input.organizationId,
          taskId: task.taskId,
          outcome: 'cancelled',
          reason: 'engagement cancelled',
        });
        tracker.untrackTask(task.taskId);
      }
    });
    compensations.add('withdraw portal requests', async () => {
      await acts.withdrawChecklist({
        organizationId: input.organizationId,
        engagementId: input.engagementId,
      });
      for (const item of items)
        if (['open', 'rejected', 'processing'].includes(itemStatus(item))) item.withdrawn = true;
    });
  };
  const registerTellClient = () => {
    compensations.add('tell the client', async () => {
      if (!cancellation.request?.notifyClient) return;
      const withdrawn = items.filter((i) => ['open', 'rejected'].includes(itemStatus(i))).map((i) => i.label);
      const outcome = await acts.sendEngagementEmail({
        organizationId: input.organizationId,
        engagementId: input.engagementId,
        idempotencyKey: `${workflowId}:cancelled`,
        to: { kind: 'client' },
        email: { template: 'engagement_cancelled', withdrawnItems: withdrawn, portalUrl: '/portal' },
      });
      if (!outcome.sent) throw new Error(`the client was not told: ${outcome.notSentReason ?? 'not sent'}`);
    });
  };

  // --- processing results ---------------------------------------------------------------------------
  const startProcessing = async (upload: TDocumentUploaded): Promise<void> => {
    const item = itemFor(upload.requestId);
    const doc: TDocState = {
      uploadId: upload.uploadId,
      documentId: null,
      requestId: item?.requestId ?? null,
      status: 'processing',
      reason: null,
      reviewTaskId: null,
      uploadedAt: upload.uploadedAt,
      automatic: false,
    };
    documents.push(doc);
    const handle = await startChild<typeof documentProcessingWorkflow>(documentProcessingWorkflowType, {
      workflowId: documentProcessingWorkflowId(upload.uploadId),
      taskQueue: input.documentsTaskQueue ?? taskQueues.documents,
      args: [
        {
          organizationId: input.organizationId,
          engagementId: input.engagementId,
          upload: { ...upload, requestId: doc.requestId },
          expectedCategory: item?.category ?? null,
          reviewConfidenceThreshold: policy?.reviewConfidenceThreshold ?? 0.8,
        },
      ],
      parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
    });
    await sync(
      'upload_received',
      `Document uploaded for ${item ? `"${item.label}"` : 'no checklist item'}: reading it`,
    );
    inFlight += 1;
    void handle.result().then(
      (result) => {
        inFlight -= 1;
        results.push({ upload, result });
      },
      (error: unknown) => {
        inFlight -= 1;
        results.push({ upload, result: { outcome: 'failed', reason: failureMessage(error) } });
      },
    );
  };

  const handleResult = async ({ upload, result }: (typeof results)[number]): Promise<void> => {
    const doc = documents.find((d) => d.uploadId === upload.uploadId);
    if (!doc) return;
    const item = itemFor(doc.requestId);
    const label = item ? `"${item.label}"` : 'an unrequested document';
    switch (result.outcome) {
      case 'refused':
      case 'failed':
        doc.status = 'refused';
        doc.reason = result.reason;
        await sync('upload_refused', `An upload for ${label} was refused: ${result.reason}`);
        return;
      case 'duplicate': {
        doc.status = 'duplicate';
        doc.documentId = result.documentId;
        doc.reason = 'The same file was uploaded before; it was not processed again.';
        await sync(
          'duplicate_upload',
          `A duplicate upload for ${label} was recognised and not processed again`,
        );
        return;
      }
      case 'processed':
      case 'unreadable': {
        doc.documentId = result.documentId;
        const needsReview = result.outcome === 'unreadable' || result.needsReview;
        if (!needsReview) {
          const documentId = result.documentId;
          await tracker.attempt('reviewIntakeDocument', () =>
            acts.reviewIntakeDocument({
              organizationId: input.organizationId,
              documentId,
              decision: 'accept',
              reviewerUserId: null,
            }),
          );
          doc.status = 'accepted';
          doc.automatic = true;
          await sync('document_accepted', `Document for ${label} read and accepted automatically`);
          return;
        }
        const reasons = result.outcome === 'unreadable' ? [result.reason] : result.reviewReasons;
        doc.status = result.outcome === 'unreadable' ? 'unreadable' : 'needs_review';
        doc.reason = reasons.join(' ');
        const documentId = result.documentId;
        const task = await tracker.attempt('openStaffTask', () =>
          acts.openStaffTask({
            organizationId: input.organizationId,
            engagementId: input.engagementId,
            key: `review:${documentId}`,
            kind: 'review',
            title: `Review the uploaded ${item ? item.label : 'document'}`,
            details: reasons.join('\n'),
            assignTo: { role: 'preparer' },
            dueInSeconds: 2 * 86_400,
          }),
        );
        tracker.trackTask({ taskId: task.taskId, title: task.title, assigneeRole: task.assigneeRole });
        doc.reviewTaskId = task.taskId;
        await sync('review_needed', `Document for ${label} needs a review: ${reasons.join(' ')}`);
        return;
      }
    }
  };

  // --- reminders --------------------------------------------------------------------------------------
  const reminderLoop = async (): Promise<void> => {
    for (;;) {
      await condition(() => finished || outstanding().length > 0);
      if (finished) return;
      if (reminderProgress.slotsUsed === 0 && !reminderProgress.escalated) {
        tracker.reminders.sent = 0;
        tracker.reminders.escalated = false;
      }
      const cadence = policy?.reminders;
      if (!cadence) return;
      const round = Math.max(1, reminderRound);
      await remindUntilDone({
        workflowId,
        kind: round === 1 ? 'documents' : `documents-round-${round}`,
        cadence,
        status: tracker.reminders,
        progress: reminderProgress,
        done: () => finished || cancellation.request !== null || outstanding().length === 0,
        pausedReason: () => remindersPausedReason,
        send: async ({ number, idempotencyKey }) => {
          reminderBusy = true;
          try {
            const missing = [...outstanding(), ...optionalOpen()].map((i) => i.label);
            const outcome = await tracker.attempt('sendEngagementEmail', () =>
              acts.sendEngagementEmail({
                organizationId: input.organizationId,
                engagementId: input.engagementId,
                idempotencyKey,
                to: { kind: 'client' },
                email: {
                  template: 'document_reminder',
                  items: missing,
                  reminderNumber: number,
                  portalUrl: portalPath,
                  ...(input.dueAt ? { dueDate: input.dueAt } : {}),
                },
              }),
            );
            await sync(
              outcome.sent ? 'reminder_sent' : 'reminder_not_sent',
              outcome.sent
                ? `Reminder ${number} emailed to the client (${plural(outstanding().length, 'document')} outstanding)`
                : `Reminder ${number} not sent: ${outcome.notSentReason ?? 'unknown reason'}`,
            );
            return outcome;
          } finally {
            reminderBusy = false;
          }
        },
        escalate: async ({ sent, planned }) => {
          reminderBusy = true;
          try {
            const missing = outstanding().length;
            const task = await tracker.attempt('openStaffTask', () =>
              acts.openStaffTask({
                organizationId: input.organizationId,
                engagementId: input.engagementId,
                key: `${workflowId}:follow-up:${round}`,
                kind: 'follow_up',
                title: `Follow up: the client has not sent ${plural(missing, 'document')}`,
                details: `${plural(sent, 'reminder')} of ${planned} went out without an answer. Call or email the client.`,
                assignTo: input.startedByUserId ? { userId: input.startedByUserId } : { role: 'preparer' },
                dueInSeconds: 2 * 86_400,
              }),
            );
            followUpTaskId = task.taskId;
            tracker.trackTask({ taskId: task.taskId, title: task.title, assigneeRole: task.assigneeRole });
            await sync(
              'follow_up_created',
              'No documents after the last reminder: follow-up task opened for staff',
            );
          } finally {
            reminderBusy = false;
          }
        },
      });
      await condition(() => finished || cancellation.request !== null || outstanding().length === 0);
      if (finished || cancellation.request) return;
      reminderRound = round + 1;
      reminderProgress = newReminderProgress();
    }
  };

  const closeFollowUp = async (): Promise<void> => {
    if (!followUpTaskId || outstanding().length > 0) return;
    const taskId = followUpTaskId;
    await tracker.attempt('closeStaffTask', () =>
      acts.closeStaffTask({ organizationId: input.organizationId, taskId, outcome: 'done' }),
    );
    tracker.untrackTask(taskId);
    followUpTaskId = null;
  };

  /** A quiet point (no child, upload, result or reminder in flight) in a history grown long. */
  const readyToContinueAsNew = () =>
    inFlight === 0 &&
    queued.length === 0 &&
    results.length === 0 &&
    !reminderBusy &&
    shouldContinueAsNew({ maxEvents: input.maxHistoryEvents });

  const carriedState = (): TIntakeCarried => ({
    tracker: tracker.state(),
    policy: policy ?? { reviewConfidenceThreshold: 0.8, reminders: input.reminders ?? fallbackCadence },
    items,
    documents,
    queued,
    reminderRound,
    reminderProgress,
    followUpTaskId,
    staffItemCount,
    requestEmailSent,
    deadlines: deadlines.state(),
    overdueNoted,
    remindersPausedReason,
  });

  // --- the run ----------------------------------------------------------------------------------------
  const run = await cancellation.run(async (): Promise<TDocumentIntakeResult> => {
    // A child intake (started by a tax return or close) gets the IDs the Temporal UI filters by.
    // Guarded: runs recorded before this step replay without it (docs/versioning.md).
    if (!carried && patched('intake-search-attributes')) {
      const attributes = workflowInfo().typedSearchAttributes;
      if (attributes.get(organizationIdKey) === undefined) {
        upsertSearchAttributes([
          { key: organizationIdKey, value: input.organizationId },
          { key: clientIdKey, value: input.clientId },
          { key: engagementTypeKey, value: 'document_intake' },
        ]);
      }
    }
    if (!policy) {
      const firm =
        input.reminders && input.reviewConfidenceThreshold !== undefined
          ? null
          : await tracker.attempt('loadFirmPolicy', () =>
              acts.loadFirmPolicy({ organizationId: input.organizationId }),
            );
      policy = {
        reviewConfidenceThreshold: input.reviewConfidenceThreshold ?? firm?.reviewConfidenceThreshold ?? 0.8,
        reminders: input.reminders ?? firm?.reminders ?? fallbackCadence,
      };
    }
    registerCompensations();
    if (!checklistReady) {
      if (input.mode === 'standalone') {
        const { runId } = workflowInfo();
        await tracker.attempt('startIntakeRecord', () =>
          acts.startIntakeRecord({
            organizationId: input.organizationId,
            engagementId: input.engagementId,
            clientId: input.clientId,
            workflowId,
            runId,
            taxYear: input.taxYear,
            period: input.period,
            dueAt: input.dueAt,
            startedByUserId: input.startedByUserId,
          }),
        );
      }
      const templates: TChecklistItemTemplate[] = input.items
        ? input.items.map((item, index) => ({
            key: `item-${index + 1}`,
            category: item.category,
            label: item.label,
            required: item.required,
            ...(item.note ? { note: item.note } : {}),
          }))
        : checklistTemplate(input.checklistType, {
            clientKind: input.clientKind,
            taxYear: input.taxYear,
            period: input.period,
          });
      const created = await tracker.attempt('createChecklistItems', () =>
        acts.createChecklistItems({
          organizationId: input.organizationId,
          engagementId: input.engagementId,
          items: templates,
          byUserId: input.startedByUserId,
        }),
      );
      items = templates.map((template) => ({
        ...template,
        requestId: created.find((c) => c.key === template.key)?.requestId ?? '',
        waivedReason: null,
        withdrawn: false,
      }));
      checklistReady = true;
      if (input.dueAt) deadlines.plan('documents-due', 'Documents due', input.dueAt);
      await tracker.moveTo(
        'starting',
        'started',
        `Document checklist prepared: ${plural(items.filter((i) => i.required).length, 'required item')}, ${plural(items.filter((i) => !i.required).length, 'optional item')}`,
        input.dueAt ? { dueAt: input.dueAt } : {},
      );
    }

    if (!requestEmailSent) {
      await tracker.moveTo('requesting', 'stage', 'Emailing the client the list of documents');
      const outcome = await tracker.attempt('sendEngagementEmail', () =>
        acts.sendEngagementEmail({
          organizationId: input.organizationId,
          engagementId: input.engagementId,
          idempotencyKey: `${workflowId}:request`,
          to: { kind: 'client' },
          email: {
            template: 'document_request',
            items: items.map((i) => (i.required ? i.label : `${i.label} (if it applies to you)`)),
            portalUrl: portalPath,
            ...(input.dueAt ? { dueDate: input.dueAt } : {}),
          },
        }),
      );
      requestEmailSent = true;
      reminderRound = Math.max(1, reminderRound);
      if (!outcome.sent) tracker.reminders.notSentReason = outcome.notSentReason;
      await sync(
        outcome.sent ? 'request_sent' : 'request_not_sent',
        outcome.sent
          ? 'Document request emailed to the client'
          : `Document request not emailed: ${outcome.notSentReason ?? 'unknown reason'}. The checklist is in the portal.`,
      );
    }
    registerTellClient();

    // The loop runs beside the main one; a cancellation ends both, any other failure ends the run.
    let reminderFailure: unknown = null;
    const reminders = reminderLoop().catch((error: unknown) => {
      if (!isCancellation(error)) reminderFailure = error;
    });

    for (;;) {
      await condition(
        () =>
          queued.length > 0 ||
          results.length > 0 ||
          complete() ||
          (deadlines.isDue('documents-due') && !overdueNoted) ||
          reminderFailure !== null ||
          readyToContinueAsNew(),
      );
      if (reminderFailure !== null) {
        throw reminderFailure instanceof Error ? reminderFailure : new Error(failureMessage(reminderFailure));
      }
      while (queued.length > 0) {
        const upload = queued.shift();
        if (upload) await startProcessing(upload);
      }
      while (results.length > 0) {
        const next = results.shift();
        if (next) await handleResult(next);
      }
      await closeFollowUp();
      if (deadlines.isDue('documents-due') && !overdueNoted) {
        overdueNoted = true;
        const missing = outstanding().length;
        await sync(
          'deadline_passed',
          missing > 0
            ? `The documents were due; ${plural(missing, 'document')} still missing`
            : 'The documents were due; everything asked for has arrived',
        );
      }
      if (complete()) break;
      if (readyToContinueAsNew()) {
        await continueAsNewWith<typeof documentIntakeWorkflow>(documentIntakeWorkflowType, () => [
          rawInput,
          carriedState(),
        ]);
      }
    }

    finished = true;
    await reminders;
    await closeFollowUp();
    deadlines.clear('documents-due');
    const accepted = items.filter((i) => itemStatus(i) === 'accepted').length;
    const waived = items.filter((i) => itemStatus(i) === 'waived').length;
    await sync(
      'completed',
      `Every required document is in: ${plural(accepted, 'item')} accepted, ${plural(waived, 'item')} waived`,
    );
    await condition(() => inFlight === 0);
    // A review or waive accepted just before the last item closed finishes before the intake does.
    await condition(allHandlersFinished);
    return { outcome: 'completed', accepted, waived, remindersSent: tracker.reminders.sent };
  });

  if (run.outcome === 'completed') return run.value;
  finished = true;
  await finishCancelled({
    tracker,
    compensations,
    cancellation,
    request: run.request,
    cancelledStage: 'cancelled',
  });
  // Cancelled through Temporal itself: close as cancelled there too, after the compensations ran.
  if (run.external) throw new CancelledFailure(run.request.reason);
  return {
    outcome: 'cancelled',
    accepted: items.filter((i) => itemStatus(i) === 'accepted').length,
    waived: items.filter((i) => itemStatus(i) === 'waived').length,
    remindersSent: tracker.reminders.sent,
  };
}

/** Used only when neither the input nor the firm gives a schedule: 3, 4 and 7 days, then 2 more. */
const fallbackCadence: TReminderCadence = {
  firstAfterSeconds: 3 * 86_400,
  backoffCoefficient: 1,
  maxIntervalSeconds: 7 * 86_400,
  maxReminders: 3,
  escalateAfterSeconds: 2 * 86_400,
  intervalsSeconds: [3 * 86_400, 4 * 86_400, 7 * 86_400],
};
