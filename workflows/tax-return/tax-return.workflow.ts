import {
  ParentClosePolicy,
  allHandlersFinished,
  condition,
  executeChild,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  patched,
  proxyActivities,
  setHandler,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { BillingActivities } from '../../activities/billing/billing.activities';
import type { EngagementActivities } from '../../activities/engagements/engagement.activities';
import type { TaxReturnActivities } from '../../activities/tax-return/tax-return.activities';
import type { documentIntakeWorkflow } from '../intake/document-intake.workflow';
import {
  documentIntakeWorkflowId,
  documentIntakeWorkflowType,
  pauseRemindersSignal,
  resumeRemindersSignal,
} from '../intake/document-intake.contracts';
import {
  Compensations,
  EngagementCancellation,
  finishCancelled,
  finishFailed,
  handleCancelEngagement,
} from '../shared/cancellation';
import { continueAsNewWith, shouldContinueAsNew } from '../shared/continue-as-new';
import { Deadlines, type TDeadline } from '../shared/deadlines';
import { clonePlain, EngagementTracker, type TTrackerState } from '../shared/engagement-tracker';
import { invoicePaidSignal } from '../shared/payments.contracts';
import { newReminderProgress, remindUntilDone, type TReminderProgress } from '../shared/reminders';
import { handleRetryFailedStep, setStaffUpdateHandler } from '../shared/staff-updates';
import {
  approveReturnUpdate,
  clientChangesRequestedSignal,
  describeResult,
  efileAuthorizationSignedSignal,
  getTaxReturnStatusQuery,
  reassignUpdate,
  recordExtensionUpdate,
  recordFilingUpdate,
  sendBackUpdate,
  setWaitingOnK1Update,
  submitForReviewUpdate,
  taxReturnStageInfo,
  taxReturnWorkflowType,
  waivePaymentUpdate,
  ZApproveReturn,
  ZReassign,
  ZRecordExtension,
  ZRecordFiling,
  ZSendBack,
  ZSetWaitingOnK1,
  ZSubmitForReview,
  ZTaxReturnInput,
  ZWaivePayment,
  type TReturnSummary,
  type TReviewRound,
  type TTaxReturnInputIn,
  type TTaxReturnResult,
  type TTaxReturnStage,
  type TTaxReturnStatus,
  type TTaxReturnUpdateResult,
} from './tax-return.contracts';

const retry = {
  initialInterval: '1 second',
  backoffCoefficient: 2,
  maximumInterval: '30 seconds',
  maximumAttempts: 5,
} as const;
const acts = proxyActivities<TaxReturnActivities & EngagementActivities>({
  startToCloseTimeout: '1 minute',
  retry,
});

type TTaskPurpose = 'preparation' | 'review' | 'approval_follow_up' | 'filing';

interface TTaxReturnState {
  preparerUserId: string | null;
  reviewerUserId: string | null;
  clientKind: 'individual' | 'business' | null;
  extension: { filedOn: string; confirmationNumber: string | null } | null;
  waitingOnK1: { since: string; note: string } | null;
  summary: TReturnSummary | null;
  reviews: TReviewRound[];
  approval: TTaxReturnStatus['approval'];
  billing: TTaxReturnStatus['billing'];
  filing: TTaxReturnStatus['filing'];
  escalations: TTaxReturnStatus['escalations'];
  /** Open task IDs by purpose. */
  tasks: Partial<Record<TTaskPurpose, string>>;
  approvalReminders: TReminderProgress;
  /** Who submitted the return for review last (they may not approve it). */
  preparedByUserId: string | null;
  /** Signals and updates received and not yet acted on (carried through continue-as-new). */
  pending: {
    submitted: { byUserId: string; summary: TReturnSummary } | null;
    decision: { kind: 'approve' | 'send_back'; byUserId: string; text: string } | null;
    authorization: { authorizationId: string; round: number; signedAt: string } | null;
    clientChanges: { round: number; message: string; at: string } | null;
    paidInvoiceIds: string[];
    waiveRequested: boolean;
  };
  /** The stage to run next (the tracker's stage is what was last projected). */
  next: TTaxReturnStage;
}

/** Everything a run carries to the next one (continue-as-new), as plain data. */
export interface TTaxReturnCarried {
  engagementId: string;
  tracker: TTrackerState;
  deadlines: TDeadline[];
  state: TTaxReturnState;
}

const finishedStages: ReadonlySet<TTaxReturnStage> = new Set(['completed', 'cancelled']);
/** Stages at whose start a run may continue as new (nothing in flight then). */
const quietStages: ReadonlySet<TTaxReturnStage> = new Set([
  'preparation',
  'review',
  'client_approval',
  'invoicing',
  'filing',
]);

/** Background loops end quietly when the engagement is cancelled; anything else fails the task. */
function ignoreCancellation(error: unknown): void {
  if (!isCancellation(error)) throw error;
}

const today = () => new Date(Date.now()).toISOString().slice(0, 10);
/** Why the client is not reminded while the return waits on a K-1 (its own and its intake's reminders). */
const k1PauseReason = 'paused while waiting on a K-1';
/** Patch: the K-1 wait also holds the intake child's document reminders (docs/versioning.md). */
const pauseIntakeRemindersPatch = 'tax-return-pause-intake-reminders';
const nowIso = () => new Date(Date.now()).toISOString();

/**
 * A client's tax return for one year: intake (a document intake child), preparation, review (as many
 * rounds as it takes), the client's approval and e-file authorization in the portal, invoice and
 * payment (or a waiver), the filing recorded by staff, done. The filing deadline and its extension are
 * durable timers; escalation tasks go to the manager as the deadline nears with work outstanding.
 * Staff act through updates with validators; cancelling undoes what was done, in reverse.
 */
export async function taxReturnWorkflow(
  rawInput: TTaxReturnInputIn,
  carried?: TTaxReturnCarried,
): Promise<TTaxReturnResult> {
  const input = ZTaxReturnInput.parse(rawInput);
  const { workflowId, runId } = workflowInfo();
  /** Billing talks to the payment provider on the integrations queue: a longer limit, bounded retries. */
  const billing = proxyActivities<BillingActivities>({
    taskQueue: input.integrationsTaskQueue,
    startToCloseTimeout: '2 minutes',
    retry,
  });

  const state: TTaxReturnState = carried
    ? clonePlain(carried.state)
    : {
        preparerUserId: input.preparerUserId,
        reviewerUserId: input.reviewerUserId,
        clientKind: null,
        extension: null,
        waitingOnK1: null,
        summary: null,
        reviews: [],
        approval: {
          round: 0,
          requestedAt: null,
          signedAt: null,
          authorizationId: null,
          changesRequested: null,
        },
        billing: { fee: input.fee, state: 'not_billed', invoiceId: null, waivedReason: null, paidAt: null },
        filing: null,
        escalations: [],
        tasks: {},
        approvalReminders: newReminderProgress(),
        preparedByUserId: null,
        pending: {
          submitted: null,
          decision: null,
          authorization: null,
          clientChanges: null,
          paidInvoiceIds: [],
          waiveRequested: false,
        },
        next: 'opening',
      };
  const pending = state.pending;

  let engagementId = carried?.engagementId ?? input.engagementId;
  const newTracker = (id: string, trackerState?: TTrackerState) =>
    new EngagementTracker<TTaxReturnStage>({
      organizationId: input.organizationId,
      engagementId: id,
      type: 'tax_return',
      stages: taxReturnStageInfo,
      initialStage: 'opening',
      project: acts.projectEngagement,
      carried: trackerState,
    });
  let tracker = newTracker(engagementId, carried?.tracker);

  /** Deadlines that fell due, waiting for the escalation loop. */
  const dueQueue: TDeadline[] = [];
  const deadlines = new Deadlines((deadline) => dueQueue.push(deadline), carried?.deadlines ?? []);
  const currentDeadline = () => (state.extension ? input.dueDates.extended : input.dueDates.original);
  const deadlineKind = () => (state.extension ? 'extended' : 'original');

  setHandler(getTaxReturnStatusQuery, (): TTaxReturnStatus => ({
    ...tracker.status(),
    clientId: input.clientId,
    taxYear: input.taxYear,
    returnType: input.returnType,
    preparerUserId: state.preparerUserId,
    reviewerUserId: state.reviewerUserId,
    dueDates: {
      original: input.dueDates.original,
      extended: input.dueDates.extended,
      extensionFiled: state.extension !== null,
      extensionFiledOn: state.extension?.filedOn ?? null,
      current: currentDeadline(),
    },
    waitingOnK1: state.waitingOnK1 ? { ...state.waitingOnK1 } : null,
    summary: state.summary ? clonePlain(state.summary) : null,
    reviews: state.reviews.map((r) => ({ ...r })),
    approval: clonePlain(state.approval),
    billing: clonePlain(state.billing),
    filing: state.filing ? { ...state.filing } : null,
    escalations: state.escalations.map((e) => ({ ...e })),
  }));

  const compensations = new Compensations();
  const cancellation = new EngagementCancellation();
  // A run a failure stops ends `failed` in the read model, with the reason on the timeline.
  cancellation.onFailure((error) => finishFailed({ tracker, error, patchId: 'tax-return-project-failure' }));
  handleCancelEngagement(cancellation, () =>
    finishedStages.has(tracker.stage)
      ? 'This return is already finished.'
      : state.filing
        ? 'The return is already filed: it cannot be cancelled.'
        : null,
  );
  // The tracker is replaced once the engagement row is known: always ask the current one.
  handleRetryFailedStep({ retryNow: () => tracker.retryNow(), status: () => tracker.status() }, () =>
    finishedStages.has(tracker.stage) ? 'This return is already finished.' : null,
  );

  // --- tasks ---------------------------------------------------------------------------------------
  const openTask = async (
    purpose: TTaskPurpose,
    task: { title: string; details: string; assignee: string | null; role: 'preparer' | 'reviewer' },
  ): Promise<void> => {
    const opened = await tracker.attempt('openStaffTask', () =>
      acts.openStaffTask({
        organizationId: input.organizationId,
        engagementId,
        key: `${workflowId}:${purpose}:${state.reviews.length}:${state.approval.round}`,
        kind: purpose === 'review' ? 'review' : purpose === 'preparation' ? 'preparation' : 'general',
        title: task.title,
        details: task.details,
        assignTo: task.assignee ? { userId: task.assignee } : { role: task.role },
        dueInSeconds: Math.max(
          86_400,
          Math.floor((new Date(currentDeadline()).getTime() - Date.now()) / 1000),
        ),
      }),
    );
    state.tasks[purpose] = opened.taskId;
    tracker.trackTask({ taskId: opened.taskId, title: opened.title, assigneeRole: opened.assigneeRole });
  };
  const closeTask = async (purpose: TTaskPurpose): Promise<void> => {
    const taskId = state.tasks[purpose];
    if (!taskId) return;
    await tracker.attempt('closeStaffTask', () =>
      acts.closeStaffTask({ organizationId: input.organizationId, taskId, outcome: 'done' }),
    );
    tracker.untrackTask(taskId);
    delete state.tasks[purpose];
  };

  // --- compensations (registered again after continue-as-new, from the carried state) -------------
  const addWithdrawApproval = () =>
    compensations.add('withdraw the approval request', () =>
      acts.withdrawClientApproval({ organizationId: input.organizationId, engagementId }),
    );
  const addVoidInvoice = (invoiceId: string) =>
    compensations.add('void the invoice', async () => {
      const { outcome } = await billing.voidInvoice({
        organizationId: input.organizationId,
        invoiceId,
        reason: 'engagement_cancelled',
      });
      state.billing.state = outcome === 'paid' ? 'paid' : 'voided';
    });
  const registerCompensations = () => {
    compensations.add('tell the client', async () => {
      if (!cancellation.request?.notifyClient) return;
      const withdrawn = [
        ...(state.approval.requestedAt && !state.approval.signedAt
          ? ['Your approval and e-file authorization']
          : []),
        ...(state.billing.state === 'voided' ? ['The invoice for this return (cancelled)'] : []),
        ...(state.next === 'intake' ? ['The documents we asked for'] : []),
      ];
      await acts.sendEngagementEmail({
        organizationId: input.organizationId,
        engagementId,
        idempotencyKey: `${workflowId}:cancelled`,
        to: { kind: 'client' },
        email: {
          template: 'engagement_cancelled',
          engagementTitle: `Your ${input.taxYear} tax return`,
          withdrawnItems: withdrawn,
          portalUrl: '/portal',
        },
      });
    });
    compensations.add('cancel open tasks', async () => {
      for (const task of [...tracker.openTasks]) {
        await acts.closeStaffTask({
          organizationId: input.organizationId,
          taskId: task.taskId,
          outcome: 'cancelled',
          reason: 'The tax return was cancelled',
        });
        tracker.untrackTask(task.taskId);
      }
      state.tasks = {};
    });
    if (state.approval.requestedAt && !state.approval.signedAt && !state.approval.changesRequested)
      addWithdrawApproval();
    if (state.billing.state === 'invoiced' && state.billing.invoiceId)
      addVoidInvoice(state.billing.invoiceId);
  };

  // --- deadlines and escalations -------------------------------------------------------------------
  const planDeadlines = () => {
    const kind = deadlineKind();
    const due = new Date(currentDeadline());
    for (const old of deadlines.state()) if (!old.key.startsWith(`${kind}:`)) deadlines.clear(old.key);
    for (const lead of input.timing.escalationLeadSeconds) {
      const key = `${kind}:escalate:${lead}`;
      if (deadlines.get(key)) continue;
      const days = Math.round(lead / 86_400);
      deadlines.plan(
        key,
        `Escalation ${days} day(s) before the deadline`,
        new Date(due.getTime() - lead * 1000),
      );
    }
    const label = state.extension ? 'Extended filing deadline' : 'Filing deadline';
    if (!deadlines.get(`${kind}:due`)) deadlines.plan(`${kind}:due`, label, due);
    tracker.setDeadline({ label, at: due });
  };

  const escalate = async (deadline: TDeadline): Promise<void> => {
    if (finishedStages.has(tracker.stage) || state.filing) return;
    const [kind, what, leadText] = deadline.key.split(':');
    if (kind !== deadlineKind()) return;
    const due = new Date(currentDeadline());
    if (what === 'escalate') {
      // Past the deadline itself, the "deadline passed" escalation speaks for it.
      if (due.getTime() <= Date.now()) return;
      const lead = Number(leadText);
      // Only the most urgent escalation already due fires (a return started late in the season).
      const moreUrgent = input.timing.escalationLeadSeconds.some(
        (other) => other < lead && due.getTime() - other * 1000 <= Date.now(),
      );
      if (moreUrgent) return;
    }
    const days = Math.max(0, Math.ceil((due.getTime() - Date.now()) / 86_400_000));
    const k1 = state.waitingOnK1 !== null && state.extension === null;
    const stageLabel = taxReturnStageInfo[tracker.stage].label;
    const title =
      what === 'due'
        ? `Filing deadline passed: the ${input.taxYear} return is not filed`
        : k1
          ? `Waiting on a K-1 with ${days} day(s) to the deadline: file an extension`
          : `The ${input.taxYear} return is due in ${days} day(s) and not filed`;
    const details = [
      `Stage: ${stageLabel}.`,
      `Deadline: ${due.toISOString().slice(0, 10)}${state.extension ? ' (extended)' : ''}.`,
      k1
        ? `Waiting on a K-1${state.waitingOnK1?.note ? ` (${state.waitingOnK1.note})` : ''} and no extension filed.`
        : '',
    ]
      .filter(Boolean)
      .join(' ');
    const key = `${workflowId}:escalation:${deadline.key}`;
    const task = await tracker.attempt('openStaffTask', () =>
      acts.openStaffTask({
        organizationId: input.organizationId,
        engagementId,
        key,
        kind: 'general',
        title,
        details,
        assignTo: input.managerUserId ? { userId: input.managerUserId } : { role: 'manager' },
        dueInSeconds: Math.max(3_600, Math.floor((due.getTime() - Date.now()) / 1000)),
      }),
    );
    state.escalations.push({ key, at: nowIso(), taskId: task.taskId });
    tracker.trackTask({ taskId: task.taskId, title: task.title, assigneeRole: task.assigneeRole });
    await tracker.note('escalated', `${title} (task for the manager)`);
  };

  // --- signals -------------------------------------------------------------------------------------
  setHandler(efileAuthorizationSignedSignal, (signed) => {
    if (
      signed.round !== state.approval.round ||
      state.approval.signedAt ||
      tracker.stage !== 'client_approval'
    ) {
      log.info('e-file authorization for another round, or not awaited now; ignored', {
        round: signed.round,
      });
      return;
    }
    pending.authorization ??= {
      authorizationId: signed.authorizationId,
      round: signed.round,
      signedAt: signed.signedAt,
    };
  });
  setHandler(clientChangesRequestedSignal, (request) => {
    if (
      request.round !== state.approval.round ||
      state.approval.signedAt ||
      tracker.stage !== 'client_approval'
    )
      return;
    pending.clientChanges ??= { round: request.round, message: request.message, at: request.at };
  });
  setHandler(invoicePaidSignal, (paid) => {
    // Delivered at least once (Stripe sends several events per payment): a repeat changes nothing.
    if (!pending.paidInvoiceIds.includes(paid.invoiceId)) pending.paidInvoiceIds.push(paid.invoiceId);
    if (paid.invoiceId === state.billing.invoiceId) state.billing.paidAt ??= paid.paidAt;
  });

  // --- staff updates -------------------------------------------------------------------------------
  const answer = (message: string): TTaxReturnUpdateResult => ({ stage: tracker.stage, message });
  const finished = () =>
    finishedStages.has(tracker.stage) || cancellation.request !== null
      ? 'This return is finished or being cancelled.'
      : null;

  setStaffUpdateHandler(submitForReviewUpdate, {
    schema: ZSubmitForReview,
    check: ({ byUserId }) =>
      finished() ??
      (tracker.stage !== 'preparation' || state.next !== 'preparation'
        ? 'The return is not in preparation.'
        : pending.submitted
          ? 'The return was already submitted for review.'
          : byUserId === state.reviewerUserId
            ? 'The reviewer cannot also prepare the return: reassign one of them first.'
            : null),
    handle: (value) => {
      pending.submitted = { byUserId: value.byUserId, summary: value.summary };
      return answer('Submitted for review.');
    },
  });

  setStaffUpdateHandler(approveReturnUpdate, {
    schema: ZApproveReturn,
    check: ({ byUserId }) =>
      finished() ??
      (tracker.stage !== 'review' || state.next !== 'review' || pending.decision
        ? 'The return is not waiting for review.'
        : byUserId === state.preparedByUserId
          ? 'You prepared this return: someone else must review and approve it.'
          : null),
    handle: ({ byUserId, note }) => {
      pending.decision = { kind: 'approve', byUserId, text: note };
      return answer('Approved: the client is asked to approve and sign the e-file authorization.');
    },
  });

  setStaffUpdateHandler(sendBackUpdate, {
    schema: ZSendBack,
    check: () =>
      finished() ??
      (tracker.stage !== 'review' || state.next !== 'review' || pending.decision
        ? 'The return is not waiting for review.'
        : null),
    handle: ({ byUserId, reason }) => {
      pending.decision = { kind: 'send_back', byUserId, text: reason };
      return answer('Sent back to the preparer.');
    },
  });

  setStaffUpdateHandler(reassignUpdate, {
    schema: ZReassign,
    check: ({ role, userId }) => {
      const stop = finished();
      if (stop) return stop;
      if ((role === 'preparer' ? state.preparerUserId : state.reviewerUserId) === userId)
        return `They are already the ${role}.`;
      if ((role === 'preparer' ? state.reviewerUserId : state.preparerUserId) === userId)
        return 'The preparer and the reviewer must be different people.';
      return null;
    },
    handle: async ({ role, userId, byUserId }) => {
      await acts.assignTaxReturnStaff({
        organizationId: input.organizationId,
        engagementId,
        byUserId,
        ...(role === 'preparer' ? { preparerUserId: userId } : { reviewerUserId: userId }),
      });
      if (role === 'preparer') state.preparerUserId = userId;
      else state.reviewerUserId = userId;
      const purposes: TTaskPurpose[] =
        role === 'preparer' ? ['preparation', 'filing', 'approval_follow_up'] : ['review'];
      for (const purpose of purposes) {
        const taskId = state.tasks[purpose];
        if (taskId)
          await acts.reassignTaxReturnTask({
            organizationId: input.organizationId,
            taskId,
            assigneeUserId: userId,
            byUserId,
          });
      }
      await tracker.note('reassigned', `New ${role} assigned`);
      return answer(`The ${role} is changed.`);
    },
  });

  setStaffUpdateHandler(waivePaymentUpdate, {
    schema: ZWaivePayment,
    check: () =>
      finished() ??
      (!state.billing.fee
        ? 'This return has no fee to waive.'
        : state.billing.state === 'paid' || state.billing.paidAt
          ? 'The invoice is already paid.'
          : state.billing.state === 'waived' || pending.waiveRequested
            ? 'The fee is already waived.'
            : state.next === 'filing' || state.filing
              ? 'Payment is already settled for this return.'
              : null),
    handle: async ({ byUserId, reason }) => {
      pending.waiveRequested = true;
      state.billing.waivedReason = reason;
      if (state.billing.state === 'not_billed') state.billing.state = 'waived';
      await acts.auditTaxReturnAction({
        organizationId: input.organizationId,
        engagementId,
        byUserId,
        action: 'tax_return.payment_waived',
        details: { invoiceId: state.billing.invoiceId },
      });
      await tracker.note('payment_waived', `Fee waived: ${reason}`);
      return answer(
        state.billing.invoiceId ? 'The fee is waived; the invoice will be voided.' : 'The fee is waived.',
      );
    },
  });

  setStaffUpdateHandler(recordFilingUpdate, {
    schema: ZRecordFiling,
    check: ({ filedOn }) =>
      finished() ??
      (tracker.stage !== 'filing' || state.next !== 'filing'
        ? 'The return is not ready to file yet: it needs review, the client’s authorization and payment (or a waiver) first.'
        : state.filing
          ? 'The filing is already recorded.'
          : filedOn && filedOn > today()
            ? 'The filing date cannot be in the future.'
            : null),
    handle: async ({ byUserId, confirmationNumber, filedOn }) => {
      state.filing = { confirmationNumber, filedOn: filedOn ?? today(), recordedAt: nowIso() };
      await acts.auditTaxReturnAction({
        organizationId: input.organizationId,
        engagementId,
        byUserId,
        action: 'tax_return.filed',
        details: { confirmationNumber, filedOn: state.filing.filedOn },
      });
      return answer('Filing recorded.');
    },
  });

  setStaffUpdateHandler(recordExtensionUpdate, {
    schema: ZRecordExtension,
    check: ({ filedOn }) =>
      finished() ??
      (state.filing
        ? 'The return is already filed.'
        : state.extension
          ? 'An extension is already recorded.'
          : filedOn && filedOn > today()
            ? 'The extension date cannot be in the future.'
            : filedOn && filedOn > input.dueDates.original.slice(0, 10)
              ? 'An extension must be filed by the original deadline.'
              : null),
    handle: async ({ byUserId, filedOn, confirmationNumber }) => {
      state.extension = { filedOn: filedOn ?? today(), confirmationNumber: confirmationNumber ?? null };
      planDeadlines();
      await acts.auditTaxReturnAction({
        organizationId: input.organizationId,
        engagementId,
        byUserId,
        action: 'tax_return.extension_recorded',
        details: { filedOn: state.extension.filedOn, confirmationNumber: confirmationNumber ?? null },
      });
      await tracker.note(
        'extension_filed',
        `Extension filed: the deadline is now ${input.dueDates.extended.slice(0, 10)}`,
        {
          dueAt: input.dueDates.extended,
          extendedDueAt: input.dueDates.extended,
        },
      );
      return answer('Extension recorded; the deadline and escalations moved to the extended date.');
    },
  });

  setStaffUpdateHandler(setWaitingOnK1Update, {
    schema: ZSetWaitingOnK1,
    check: ({ waiting }) =>
      finished() ??
      (state.filing
        ? 'The return is already filed.'
        : waiting && state.waitingOnK1
          ? 'The return is already waiting on a K-1.'
          : !waiting && !state.waitingOnK1
            ? 'The return is not waiting on a K-1.'
            : null),
    handle: async ({ byUserId, waiting, note }) => {
      state.waitingOnK1 = waiting ? { since: nowIso(), note } : null;
      await acts.auditTaxReturnAction({
        organizationId: input.organizationId,
        engagementId,
        byUserId,
        action: 'tax_return.k1_wait_changed',
        details: { waiting },
      });
      // The intake child reminds the client about documents: hold those reminders too.
      if (state.next === 'intake' && patched(pauseIntakeRemindersPatch)) {
        const intake = getExternalWorkflowHandle(documentIntakeWorkflowId(engagementId));
        try {
          if (waiting) await intake.signal(pauseRemindersSignal, { reason: k1PauseReason });
          else await intake.signal(resumeRemindersSignal);
        } catch (error) {
          // The intake finished in the meantime: it sends no more reminders anyway.
          if (isCancellation(error)) throw error;
          log.info('intake not running; its reminders need no pause', { waiting });
        }
      }
      await tracker.note(
        waiting ? 'waiting_on_k1' : 'k1_received',
        waiting
          ? `Waiting on a K-1${note ? ` (${note})` : ''}: client reminders paused`
          : 'K-1 received: client reminders resume',
      );
      return answer(
        waiting ? 'Client reminders are paused until the K-1 arrives.' : 'Client reminders resume.',
      );
    },
  });

  // --- stage steps ---------------------------------------------------------------------------------
  const openPreparation = async (reason: string | null): Promise<void> => {
    state.next = 'preparation';
    tracker.waitFor('Preparation of the return', 'staff');
    await openTask('preparation', {
      title: reason ? `Revise the ${input.taxYear} return` : `Prepare the ${input.taxYear} return`,
      details: reason
        ? `Sent back: ${reason}`
        : 'The documents are in. Prepare the return and submit it for review.',
      assignee: state.preparerUserId,
      role: 'preparer',
    });
    await tracker.moveTo(
      'preparation',
      reason ? 'sent_back' : 'intake_complete',
      reason ? `Back to preparation: ${reason}` : 'Documents collected: preparation started',
    );
  };

  const requestApproval = async (): Promise<void> => {
    state.next = 'client_approval';
    state.approval = {
      round: state.approval.round + 1,
      requestedAt: nowIso(),
      signedAt: null,
      authorizationId: null,
      changesRequested: null,
    };
    state.approvalReminders = newReminderProgress();
    Object.assign(tracker.reminders, {
      sent: 0,
      planned: 0,
      nextAt: null,
      notSentReason: null,
      escalated: false,
    });
    const summary = state.summary!;
    const round = state.approval.round;
    await tracker.attempt('openApprovalRequest', () =>
      acts.openApprovalRequest({
        organizationId: input.organizationId,
        engagementId,
        round,
        taxYear: input.taxYear,
        returnType: input.returnType,
        summary,
        requestedAt: state.approval.requestedAt!,
      }),
    );
    addWithdrawApproval();
    const sent = await tracker.attempt('sendEngagementEmail', () =>
      sendApprovalEmail(`${workflowId}:approval:${round}`, false),
    );
    tracker.reminders.notSentReason = sent.notSentReason;
    tracker.waitFor('Approval and e-file authorization', 'client');
    await tracker.moveTo(
      'client_approval',
      'approval_requested',
      sent.sent
        ? 'Approved in review: the client is asked to approve and sign the e-file authorization'
        : `Approved in review; the client could not be emailed (${sent.notSentReason ?? 'unknown reason'})`,
    );
  };

  const sendApprovalEmail = (idempotencyKey: string, reminder: boolean) => {
    const summary = state.summary!;
    const text = [
      `Federal: ${describeResult(summary.federalRefundMinor)}.`,
      summary.state ? `${summary.state.code}: ${describeResult(summary.state.refundMinor)}.` : '',
    ]
      .filter(Boolean)
      .join(' ');
    return acts.sendEngagementEmail({
      organizationId: input.organizationId,
      engagementId,
      idempotencyKey,
      to: { kind: 'client' },
      email: {
        template: 'approval_request',
        engagementTitle: `Your ${input.taxYear} tax return`,
        summary: reminder ? `Reminder: we are still waiting for your approval. ${text}` : text,
        approveUrl: `/portal/engagements/${engagementId}/approve`,
      },
    });
  };

  const openFiling = async (event: string, message: string): Promise<void> => {
    state.next = 'filing';
    tracker.waitFor('Filing with the IRS', 'staff');
    await openTask('filing', {
      title: `File the ${input.taxYear} return and record the IRS Submission ID`,
      details:
        'The client authorized e-filing and payment is settled. File the return, then record its Submission ID.',
      assignee: state.preparerUserId,
      role: 'preparer',
    });
    await tracker.moveTo('filing', event, message);
  };

  const afterApproval = async (): Promise<void> => {
    const billable = state.billing.fee !== null && state.billing.state === 'not_billed';
    const message = 'The client approved the return and signed the e-file authorization';
    if (billable) {
      state.next = 'invoicing';
      tracker.waitFor('Payment of the invoice', 'client');
      await tracker.moveTo('invoicing', 'client_approved', message);
    } else {
      await openFiling('client_approved', message);
    }
  };

  // --- the stages ----------------------------------------------------------------------------------
  const run = await cancellation.run(async (): Promise<TTaxReturnResult> => {
    if (state.next === 'opening') {
      const opened = await tracker.attempt('openTaxReturn', () =>
        acts.openTaxReturn({ ...input, workflowId, runId }),
      );
      state.clientKind = opened.clientKind;
      if (opened.engagementId !== engagementId) {
        engagementId = opened.engagementId;
        tracker = newTracker(engagementId);
      }
      registerCompensations();
      planDeadlines();
      state.next = 'intake';
      tracker.waitFor('Documents from the client', 'client');
      await tracker.moveTo(
        'intake',
        'started',
        `Tax return opened; filing deadline ${currentDeadline().slice(0, 10)}`,
        {
          dueAt: currentDeadline(),
        },
      );
    } else {
      registerCompensations();
      tracker.setDeadline(deadlines.next());
    }

    // Escalations are handled as they fall due, whatever stage the return is in (until cancelled).
    void (async () => {
      for (;;) {
        await condition(() => dueQueue.length > 0);
        const deadline = dueQueue.shift();
        if (deadline) await escalate(deadline);
      }
    })().catch(ignoreCancellation);

    for (;;) {
      if (quietStages.has(state.next) && shouldContinueAsNew({ maxEvents: input.maxHistoryEvents })) {
        await condition(() => dueQueue.length === 0);
        // The state is read after every handler finished, so nothing a handler changes is left behind.
        return continueAsNewWith<typeof taxReturnWorkflow>(taxReturnWorkflowType, () => [
          rawInput,
          { engagementId, tracker: tracker.state(), deadlines: deadlines.state(), state: clonePlain(state) },
        ]);
      }
      switch (state.next) {
        case 'intake': {
          const documentsDue = Math.max(
            new Date(currentDeadline()).getTime() - input.timing.documentsDueBeforeDeadlineSeconds * 1000,
            Date.now() + 7 * 86_400_000,
          );
          await executeChild<typeof documentIntakeWorkflow>(documentIntakeWorkflowType, {
            workflowId: documentIntakeWorkflowId(engagementId),
            // The child runs inside this return: cancelling the return cancels it (it withdraws its requests).
            parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
            args: [
              {
                organizationId: input.organizationId,
                clientId: input.clientId,
                engagementId,
                checklistType: 'tax_return',
                clientKind: state.clientKind ?? 'individual',
                taxYear: input.taxYear,
                mode: 'child',
                startedByUserId: input.startedByUserId,
                dueAt: new Date(Math.min(documentsDue, new Date(currentDeadline()).getTime())).toISOString(),
                ...(input.timing.intakeReminders ? { reminders: input.timing.intakeReminders } : {}),
                // Already waiting on a K-1: the intake starts with its reminders on hold.
                ...(state.waitingOnK1 && patched(pauseIntakeRemindersPatch)
                  ? { remindersPausedReason: k1PauseReason }
                  : {}),
              },
            ],
          });
          tracker.stopWaiting();
          await openPreparation(null);
          break;
        }
        case 'preparation': {
          await condition(() => pending.submitted !== null);
          const value = pending.submitted!;
          pending.submitted = null;
          state.preparedByUserId = value.byUserId;
          state.summary = value.summary;
          await closeTask('preparation');
          const round = state.reviews.length + 1;
          state.reviews.push({
            round,
            submittedAt: nowIso(),
            outcome: 'pending',
            reason: null,
            decidedAt: null,
            decidedByUserId: null,
          });
          state.next = 'review';
          tracker.waitFor('Review', 'staff');
          await openTask('review', {
            title: `Review the ${input.taxYear} return (round ${round})`,
            details: `Federal: ${describeResult(value.summary.federalRefundMinor)}. Approve it, or send it back with what needs to change.`,
            assignee: state.reviewerUserId,
            role: 'reviewer',
          });
          await tracker.moveTo('review', 'submitted_for_review', `Submitted for review (round ${round})`);
          break;
        }
        case 'review': {
          await condition(() => pending.decision !== null);
          const value = pending.decision!;
          pending.decision = null;
          const review = state.reviews.at(-1);
          if (review) {
            review.outcome = value.kind === 'approve' ? 'approved' : 'sent_back';
            review.reason = value.text || null;
            review.decidedAt = nowIso();
            review.decidedByUserId = value.byUserId;
          }
          await closeTask('review');
          await tracker.attempt('auditTaxReturnAction', () =>
            acts.auditTaxReturnAction({
              organizationId: input.organizationId,
              engagementId,
              byUserId: value.byUserId,
              action: value.kind === 'approve' ? 'tax_return.approved' : 'tax_return.sent_back',
              details: { round: review?.round ?? 0 },
            }),
          );
          if (value.kind === 'send_back') await openPreparation(value.text);
          else await requestApproval();
          break;
        }
        case 'client_approval': {
          const round = state.approval.round;
          const answered = () =>
            pending.authorization?.round === round || pending.clientChanges?.round === round;
          const outcome = await remindUntilDone({
            workflowId,
            kind: `approval-${round}`,
            cadence: input.timing.approvalReminders,
            status: tracker.reminders,
            progress: state.approvalReminders,
            done: answered,
            pausedReason: () => (state.waitingOnK1 ? k1PauseReason : null),
            send: async ({ number, idempotencyKey }) => {
              const sent = await sendApprovalEmail(idempotencyKey, true);
              if (sent.sent)
                await tracker.note('reminder_sent', `Approval reminder ${number} emailed to the client`);
              return sent;
            },
            escalate: async ({ sent }) => {
              await openTask('approval_follow_up', {
                title: `Follow up: the client has not approved the ${input.taxYear} return`,
                details: `No approval or e-file authorization after ${sent} reminder(s). Call or email the client.`,
                assignee: state.preparerUserId,
                role: 'preparer',
              });
              await tracker.note(
                'follow_up_created',
                'No client approval after the last reminder: follow-up task opened',
              );
            },
          });
          if (outcome === 'escalated') await condition(answered);
          await closeTask('approval_follow_up');
          tracker.stopWaiting();
          const signed = pending.authorization;
          const changes = pending.clientChanges;
          pending.authorization = null;
          pending.clientChanges = null;
          compensations.remove('withdraw the approval request');
          if (signed?.round === round) {
            state.approval.signedAt = signed.signedAt;
            state.approval.authorizationId = signed.authorizationId;
            await afterApproval();
          } else if (changes?.round === round) {
            state.approval.changesRequested = { message: changes.message, at: changes.at };
            await openPreparation(`The client asked for changes: ${changes.message}`);
          }
          break;
        }
        case 'invoicing': {
          const fee = state.billing.fee;
          if (state.billing.state === 'not_billed' && fee && !pending.waiveRequested) {
            state.billing.invoiceId ??= uuid4();
            const invoiceId = state.billing.invoiceId;
            // Registered before the call: a cancel during a half-issued invoice still voids it.
            addVoidInvoice(invoiceId);
            await tracker.attempt('issueInvoice', () =>
              billing.issueInvoice({
                organizationId: input.organizationId,
                invoiceId,
                clientId: input.clientId,
                engagementId,
                description: fee.description,
                lines: [{ description: fee.description, amountMinor: fee.amountMinor }],
                currency: fee.currency,
                dueDate: new Date(Date.now() + 14 * 86_400_000).toISOString(),
                requestedByUserId: input.startedByUserId,
              }),
            );
            state.billing.state = 'invoiced';
            await tracker.note('invoiced', 'Invoice sent to the client');
          }
          const invoiceId = state.billing.invoiceId;
          const paid = () => invoiceId !== null && pending.paidInvoiceIds.includes(invoiceId);
          await condition(() => pending.waiveRequested || state.billing.state === 'waived' || paid());
          tracker.stopWaiting();
          if (paid()) {
            state.billing.state = 'paid';
            state.billing.paidAt ??= nowIso();
            compensations.remove('void the invoice');
            await openFiling('paid', 'Invoice paid: ready to file');
            break;
          }
          if (invoiceId && state.billing.state === 'invoiced') {
            const { outcome } = await tracker.attempt('voidInvoice', () =>
              billing.voidInvoice({ organizationId: input.organizationId, invoiceId, reason: 'fee_waived' }),
            );
            state.billing.state = outcome === 'paid' ? 'paid' : 'waived';
          } else state.billing.state = 'waived';
          compensations.remove('void the invoice');
          await openFiling(
            'payment_settled',
            state.billing.state === 'paid' ? 'Invoice paid: ready to file' : 'Fee waived: ready to file',
          );
          break;
        }
        case 'filing': {
          await condition(() => state.filing !== null);
          const filing = state.filing!;
          await closeTask('filing');
          for (const escalation of state.escalations) {
            await tracker.attempt('closeStaffTask', () =>
              acts.closeStaffTask({
                organizationId: input.organizationId,
                taskId: escalation.taskId,
                outcome: 'done',
              }),
            );
            tracker.untrackTask(escalation.taskId);
          }
          for (const deadline of deadlines.state()) deadlines.clear(deadline.key);
          tracker.setDeadline(null);
          tracker.stopWaiting();
          state.next = 'completed';
          await tracker.moveTo(
            'completed',
            'filed',
            `Filed on ${filing.filedOn}; IRS Submission ID ${filing.confirmationNumber}`,
            {
              status: 'completed',
            },
          );
          // The filing update (and any other staff update) finishes before the return does.
          await condition(allHandlersFinished);
          return {
            outcome: 'filed',
            confirmationNumber: filing.confirmationNumber,
            reviewRounds: state.reviews.length,
          };
        }
        default:
          throw new Error(`unreachable: a return does not run stage ${state.next}`);
      }
    }
  });

  if (run.outcome === 'completed') return run.value;
  for (const deadline of deadlines.state()) deadlines.clear(deadline.key);
  await finishCancelled({
    tracker,
    compensations,
    cancellation,
    request: run.request,
    cancelledStage: 'cancelled',
  });
  return { outcome: 'cancelled', confirmationNumber: null, reviewRounds: state.reviews.length };
}
