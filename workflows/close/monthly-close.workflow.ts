import {
  ParentClosePolicy,
  allHandlersFinished,
  condition,
  isCancellation,
  log,
  patched,
  proxyActivities,
  setHandler,
  sleep,
  startChild,
  workflowInfo,
  type ChildWorkflowHandle,
} from '@temporalio/workflow';
import type { CloseActivities } from '../../activities/close/close.activities';
import type {
  CloseLedgerActivities,
  TCloseQuestionCounts,
} from '../../activities/close/close-ledger.activities';
import type { EngagementActivities } from '../../activities/engagements/engagement.activities';
import type { documentIntakeWorkflow } from '../intake/document-intake.workflow';
import { documentIntakeWorkflowId, documentIntakeWorkflowType } from '../intake/document-intake.contracts';
import {
  Compensations,
  EngagementCancellation,
  finishCancelled,
  finishFailed,
  handleCancelEngagement,
} from '../shared/cancellation';
import { continueAsNewWith, shouldContinueAsNew } from '../shared/continue-as-new';
import { clonePlain, EngagementTracker, type TTrackerState } from '../shared/engagement-tracker';
import { ledgerChangedSignal } from '../shared/ledger.contracts';
import { newReminderProgress, remindUntilDone, type TReminderProgress } from '../shared/reminders';
import { handleRetryFailedStep, setStaffUpdateHandler } from '../shared/staff-updates';
import { isInPeriod, periodLabel } from './close-period';
import {
  acceptDifferenceUpdate,
  closeAnswersSubmittedSignal,
  enterStatementBalanceUpdate,
  getMonthlyCloseStatusQuery,
  monthlyCloseStageInfo,
  monthlyCloseWorkflowType,
  recordAdjustmentUpdate,
  refreshLedgerUpdate,
  ZAcceptDifference,
  ZEnterStatementBalance,
  ZMonthlyCloseInput,
  ZRecordAdjustment,
  ZRefreshLedger,
  type TCloseAnswersSubmitted,
  type TMonthlyCloseInputIn,
  type TMonthlyCloseResult,
  type TMonthlyCloseStage,
  type TMonthlyCloseStatus,
  type TMonthlyCloseUpdateResult,
  type TReconciliationView,
  type TStatementView,
} from './monthly-close.contracts';

const retry = {
  initialInterval: '1 second',
  backoffCoefficient: 2,
  maximumInterval: '30 seconds',
  maximumAttempts: 5,
} as const;
const acts = proxyActivities<CloseActivities & EngagementActivities>({
  startToCloseTimeout: '1 minute',
  retry,
});

interface TCloseState {
  next: TMonthlyCloseStage;
  clientKind: 'individual' | 'business' | null;
  counts: TCloseQuestionCounts;
  statements: TStatementView[];
  reconciliations: TReconciliationView[];
  adjustments: number;
  ledger: TMonthlyCloseStatus['ledger'];
  intake: { started: boolean; finished: boolean; read: boolean };
  questionRound: number;
  reminders: TReminderProgress;
  /** Staff tasks by key (discrepancy per account, categorize per question, statement per account). */
  tasks: Record<string, string>;
  report: TMonthlyCloseStatus['report'];
  pending: {
    answers: TCloseAnswersSubmitted[];
    statements: { index: number; endingBalanceMinor: number; statementDate: string; byUserId: string }[];
    accepted: { ledgerAccountId: string; note: string; byUserId: string }[];
    recheck: boolean;
    pull: boolean;
  };
}

/** What a run carries to the next one (continue-as-new). */
export interface TMonthlyCloseCarried {
  engagementId: string;
  tracker: TTrackerState;
  state: TCloseState;
}

const finishedStages: ReadonlySet<TMonthlyCloseStage> = new Set(['completed', 'cancelled']);
/** Pulls are debounced: webhooks for many changes in a row cause one pull. */
const pullSpacingMs = 5_000;
const nowIso = () => new Date(Date.now()).toISOString();

/**
 * A client's monthly close: pulls the month from QuickBooks (change data capture with the stored
 * cursor), asks the client about uncategorized transactions in the portal and writes each answer back
 * once, collects the bank statements (a document intake child, or balances staff enter), reconciles
 * them against the ledger (each difference a staff task), and produces the close report: a PDF stored
 * as a document and emailed to the client. `ledgerChanged` (the QuickBooks webhook) wakes it to pull again.
 */
export async function monthlyCloseWorkflow(
  rawInput: TMonthlyCloseInputIn,
  carried?: TMonthlyCloseCarried,
): Promise<TMonthlyCloseResult> {
  const input = ZMonthlyCloseInput.parse(rawInput);
  const { workflowId, runId } = workflowInfo();
  const label = periodLabel(input.period);
  /** QuickBooks work runs on the integrations queue, next to the per-realm limiter. */
  const ledger = proxyActivities<CloseLedgerActivities>({
    taskQueue: input.integrationsTaskQueue,
    startToCloseTimeout: '5 minutes',
    heartbeatTimeout: '1 minute',
    retry,
  });

  const state: TCloseState = carried
    ? clonePlain(carried.state)
    : {
        next: 'opening',
        clientKind: null,
        counts: { total: 0, open: 0, answered: 0, writtenBack: 0, needsStaff: 0, resolvedInLedger: 0 },
        statements: input.bankAccounts.map((a) => ({
          ledgerAccountId: a.ledgerAccountId,
          name: a.name,
          endingBalanceMinor: null,
          statementDate: null,
          source: null,
          documentId: null,
        })),
        reconciliations: [],
        adjustments: 0,
        ledger: { pulls: 0, lastPulledAt: null, pendingChange: false },
        intake: { started: false, finished: false, read: false },
        questionRound: 0,
        reminders: newReminderProgress(),
        tasks: {},
        report: null,
        pending: { answers: [], statements: [], accepted: [], recheck: false, pull: false },
      };
  const pending = state.pending;

  let engagementId = carried?.engagementId ?? input.engagementId;
  const newTracker = (id: string, trackerState?: TTrackerState) =>
    new EngagementTracker<TMonthlyCloseStage>({
      organizationId: input.organizationId,
      engagementId: id,
      type: 'monthly_close',
      stages: monthlyCloseStageInfo,
      initialStage: 'opening',
      project: acts.projectEngagement,
      carried: trackerState,
    });
  let tracker = newTracker(engagementId, carried?.tracker);
  let intake: ChildWorkflowHandle<typeof documentIntakeWorkflow> | null = null;

  const ids = () => ({ organizationId: input.organizationId, clientId: input.clientId, engagementId });
  const statementsKnown = () => state.statements.every((s) => s.endingBalanceMinor !== null);
  const questionsSettled = () =>
    state.counts.open === 0 && state.counts.answered === 0 && state.counts.needsStaff === 0;

  setHandler(getMonthlyCloseStatusQuery, (): TMonthlyCloseStatus => ({
    ...tracker.status(),
    clientId: input.clientId,
    period: input.period,
    periodLabel: label,
    questions: { ...state.counts },
    statements: state.statements.map((s) => ({ ...s })),
    reconciliations: state.reconciliations.map((r) => ({ ...r })),
    adjustments: state.adjustments,
    ledger: { ...state.ledger, pendingChange: pending.pull },
    report: state.report ? { ...state.report } : null,
  }));

  const compensations = new Compensations();
  const cancellation = new EngagementCancellation();
  // A run a failure stops ends `failed` in the read model, with the reason on the timeline.
  cancellation.onFailure((error) =>
    finishFailed({ tracker, error, patchId: 'monthly-close-project-failure' }),
  );
  handleCancelEngagement(cancellation, () =>
    finishedStages.has(tracker.stage)
      ? 'This close is already finished.'
      : state.next === 'reporting'
        ? 'The close report is being produced: the close can no longer be cancelled.'
        : null,
  );
  // The tracker is replaced once the engagement row is known: always ask the current one.
  handleRetryFailedStep({ retryNow: () => tracker.retryNow(), status: () => tracker.status() }, () =>
    finishedStages.has(tracker.stage) ? 'This close is already finished.' : null,
  );

  // --- tasks ---------------------------------------------------------------------------------------
  const openTask = async (
    key: string,
    title: string,
    details: string,
    kind: 'general' | 'review' = 'general',
  ) => {
    if (state.tasks[key]) return;
    const task = await tracker.attempt('openStaffTask', () =>
      acts.openStaffTask({
        organizationId: input.organizationId,
        engagementId,
        key: `${workflowId}:${key}`,
        kind,
        title,
        details,
        assignTo: input.assigneeUserId ? { userId: input.assigneeUserId } : { role: 'manager' },
        dueInSeconds: 3 * 86_400,
      }),
    );
    state.tasks[key] = task.taskId;
    tracker.trackTask({ taskId: task.taskId, title: task.title, assigneeRole: task.assigneeRole });
  };
  const closeTask = async (key: string, outcome: 'done' | 'cancelled' = 'done') => {
    const taskId = state.tasks[key];
    if (!taskId) return;
    await tracker.attempt('closeStaffTask', () =>
      acts.closeStaffTask({ organizationId: input.organizationId, taskId, outcome }),
    );
    tracker.untrackTask(taskId);
    delete state.tasks[key];
  };

  // --- compensations -------------------------------------------------------------------------------
  const registerCompensations = () => {
    compensations.add('tell the client', async () => {
      if (!cancellation.request?.notifyClient) return;
      const withdrawn = [
        ...(state.counts.open > 0 ? [`${state.counts.open} question(s) about your transactions`] : []),
        ...state.statements
          .filter((s) => s.endingBalanceMinor === null)
          .map((s) => `Bank statement for ${s.name} (${label})`),
      ];
      await acts.sendEngagementEmail({
        organizationId: input.organizationId,
        engagementId,
        idempotencyKey: `${workflowId}:cancelled`,
        to: { kind: 'client' },
        email: {
          template: 'engagement_cancelled',
          engagementTitle: `Your ${label} bookkeeping close`,
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
          reason: 'The close was cancelled',
        });
        tracker.untrackTask(task.taskId);
      }
      state.tasks = {};
    });
    compensations.add('withdraw portal questions', () =>
      acts.withdrawCloseQuestions({ organizationId: input.organizationId, engagementId }),
    );
  };

  // --- signals -------------------------------------------------------------------------------------
  setHandler(closeAnswersSubmittedSignal, (submission) => {
    if (finishedStages.has(tracker.stage)) return;
    pending.answers.push(submission);
  });
  setHandler(ledgerChangedSignal, (change) => {
    if (finishedStages.has(tracker.stage)) return;
    if (change.period !== input.period && !isInPeriod(change.occurredAt.slice(0, 10), input.period)) {
      log.info('ledger change for another month; ignored', { period: change.period });
      return;
    }
    pending.pull = true;
    pending.recheck = true;
  });

  // --- staff updates -------------------------------------------------------------------------------
  const answer = (message: string): TMonthlyCloseUpdateResult => ({ stage: tracker.stage, message });
  const finished = () =>
    finishedStages.has(tracker.stage) || cancellation.request !== null || state.next === 'reporting'
      ? 'This close is finished (or its report is being produced).'
      : null;
  const accountIndex = (ledgerAccountId: string) =>
    input.bankAccounts.findIndex((a) => a.ledgerAccountId === ledgerAccountId);

  setStaffUpdateHandler(enterStatementBalanceUpdate, {
    schema: ZEnterStatementBalance,
    check: ({ ledgerAccountId, statementDate }) =>
      finished() ??
      (accountIndex(ledgerAccountId) < 0
        ? 'That account is not one this close reconciles.'
        : !isInPeriod(statementDate, input.period)
          ? `Enter a statement date in ${label}.`
          : null),
    handle: ({ ledgerAccountId, endingBalanceMinor, statementDate, byUserId }) => {
      pending.statements.push({
        index: accountIndex(ledgerAccountId),
        endingBalanceMinor,
        statementDate,
        byUserId,
      });
      return answer('Statement balance recorded; the account will be reconciled.');
    },
  });

  setStaffUpdateHandler(acceptDifferenceUpdate, {
    schema: ZAcceptDifference,
    check: ({ ledgerAccountId }) =>
      finished() ??
      (state.reconciliations.find((r) => r.ledgerAccountId === ledgerAccountId)?.status !== 'discrepancy'
        ? 'That account has no open difference.'
        : pending.accepted.some((a) => a.ledgerAccountId === ledgerAccountId)
          ? 'The difference is already being accepted.'
          : null),
    handle: (value) => {
      pending.accepted.push(value);
      return answer('Difference accepted with your explanation.');
    },
  });

  setStaffUpdateHandler(recordAdjustmentUpdate, {
    schema: ZRecordAdjustment,
    check: ({ ledgerAccountId }) =>
      finished() ??
      (ledgerAccountId && accountIndex(ledgerAccountId) < 0 && !state.statements.length
        ? 'That account is not one this close knows.'
        : null),
    handle: async ({ byUserId, description, amountMinor, ledgerAccountId, requestId }) => {
      const account = ledgerAccountId
        ? input.bankAccounts.find((a) => a.ledgerAccountId === ledgerAccountId)
        : undefined;
      await acts.recordCloseAdjustment({
        organizationId: input.organizationId,
        engagementId,
        requestId,
        description,
        amountMinor,
        ledgerAccountId: ledgerAccountId ?? null,
        accountName: account?.name ?? null,
        byUserId,
      });
      state.adjustments += 1;
      pending.recheck = true;
      pending.pull = true;
      await tracker.note('adjustment_recorded', `Adjustment recorded: ${description}`);
      return answer('Adjustment recorded; the ledger is read again.');
    },
  });

  setStaffUpdateHandler(refreshLedgerUpdate, {
    schema: ZRefreshLedger,
    check: () => finished(),
    handle: () => {
      pending.pull = true;
      pending.recheck = true;
      return answer('The ledger will be read again now.');
    },
  });

  // --- steps ---------------------------------------------------------------------------------------
  let lastPullAt = 0;
  const pull = async () => {
    pending.pull = false;
    const wait = lastPullAt + pullSpacingMs - Date.now();
    if (wait > 0) await sleep(wait);
    lastPullAt = Date.now();
    const result = await tracker.attempt('syncCloseQuestions', () =>
      ledger.syncCloseQuestions({ ...ids(), period: input.period }),
    );
    state.counts = result.counts;
    state.ledger.pulls += 1;
    state.ledger.lastPulledAt = nowIso();
    if (result.created > 0 || result.resolvedInLedger > 0) {
      await tracker.note(
        'ledger_pulled',
        [
          result.created > 0 ? `${result.created} new question(s) for the client` : '',
          result.resolvedInLedger > 0 ? `${result.resolvedInLedger} resolved in QuickBooks` : '',
        ]
          .filter(Boolean)
          .join('; '),
      );
    }
    for (const questionId of result.toWriteBack) await writeBack(questionId);
    await settleCategorizeTasks();
  };

  const writeBack = async (questionId: string) => {
    await tracker.attempt('writeBackCloseAnswer', () =>
      ledger.writeBackCloseAnswer({
        organizationId: input.organizationId,
        clientId: input.clientId,
        questionId,
      }),
    );
  };

  /** One staff task while transactions the client could not place wait; closed once none do. */
  const settleCategorizeTasks = async () => {
    if (state.counts.needsStaff > 0) {
      await openTask(
        'categorize',
        `Categorize ${label} transactions the client could not place`,
        'The client was not sure what some transactions were. Categorize them in QuickBooks; the close notices the change.',
      );
    } else await closeTask('categorize');
  };

  const handleAnswers = async () => {
    while (pending.answers.length > 0) {
      const submission = pending.answers.shift()!;
      let recorded: Awaited<ReturnType<typeof acts.recordCloseAnswers>>;
      try {
        recorded = await tracker.attempt('recordCloseAnswers', () =>
          acts.recordCloseAnswers({
            organizationId: input.organizationId,
            engagementId,
            contactId: submission.contactId,
            answers: submission.answers,
            submittedAt: submission.submittedAt,
          }),
        );
      } catch (error) {
        // Answers the portal should not have let through (another client's question, a category not
        // offered) are refused as a whole; the close goes on and the client can answer again.
        if (isCancellation(error)) throw error;
        log.warn('client answers refused', { error: String(error) });
        await tracker.note(
          'answers_refused',
          'Answers from the portal were refused; the questions stay open',
        );
        continue;
      }
      const answered = recorded.outcomes.filter((o) => o.outcome !== 'ignored').length;
      if (answered > 0) await tracker.note('client_answered', `The client answered ${answered} question(s)`);
      for (const questionId of recorded.toWriteBack) await writeBack(questionId);
      state.counts = (
        await tracker.attempt('countCloseQuestions', () =>
          acts.countCloseQuestions({ organizationId: input.organizationId, engagementId }),
        )
      ).counts;
      await settleCategorizeTasks();
    }
  };

  const handleStatements = async () => {
    while (pending.statements.length > 0) {
      const entry = pending.statements.shift()!;
      const statement = state.statements[entry.index];
      if (!statement) continue;
      Object.assign(statement, {
        endingBalanceMinor: entry.endingBalanceMinor,
        statementDate: entry.statementDate,
        source: 'staff',
        documentId: null,
      });
      await closeTask(`statement:${entry.index}`);
      if (state.intake.started && !state.intake.finished) {
        await tracker.attempt('waiveStatementRequest', () =>
          acts.waiveStatementRequest({
            organizationId: input.organizationId,
            engagementId,
            index: entry.index,
            byUserId: entry.byUserId,
          }),
        );
      }
      await tracker.note('statement_entered', `Closing balance of ${statement.name} entered by staff`);
      if (state.reconciliations.length > 0) await reconcile(entry.index);
    }
  };

  const readIntakeStatements = async () => {
    state.intake.read = true;
    const read = await tracker.attempt('readStatementBalances', () =>
      acts.readStatementBalances({
        organizationId: input.organizationId,
        engagementId,
        accounts: input.bankAccounts.length,
      }),
    );
    for (const result of read) {
      const statement = state.statements[result.index];
      if (!statement || statement.source === 'staff') continue;
      if ('missing' in result) {
        await openTask(
          `statement:${result.index}`,
          `Enter the ${label} closing balance of ${statement.name}`,
          `No usable statement from the client (${result.missing}). Enter the closing balance from the bank statement.`,
        );
        continue;
      }
      Object.assign(statement, {
        endingBalanceMinor: result.endingBalanceMinor,
        statementDate: result.statementDate,
        source: 'document',
        documentId: result.documentId,
      });
    }
  };

  const reconcile = async (index: number) => {
    const account = input.bankAccounts[index]!;
    const statement = state.statements[index]!;
    if (statement.endingBalanceMinor === null || statement.statementDate === null) return;
    const endingBalanceMinor = statement.endingBalanceMinor;
    const statementDate = statement.statementDate;
    const result = await tracker.attempt('reconcileAccount', () =>
      ledger.reconcileAccount({
        ...ids(),
        period: input.period,
        account,
        statement: {
          endingBalanceMinor,
          statementDate,
          source: statement.source ?? 'staff',
          documentId: statement.documentId,
        },
      }),
    );
    const key = `discrepancy:${account.ledgerAccountId}`;
    const view: TReconciliationView = {
      ledgerAccountId: account.ledgerAccountId,
      name: account.name,
      status: result.status,
      statementEndingBalanceMinor: endingBalanceMinor,
      ledgerBalanceMinor: result.ledgerBalanceMinor,
      differenceMinor: result.differenceMinor,
      taskId: state.tasks[key] ?? null,
    };
    const previous = state.reconciliations.findIndex((r) => r.ledgerAccountId === account.ledgerAccountId);
    if (previous >= 0) state.reconciliations[previous] = view;
    else state.reconciliations.push(view);
    if (result.status === 'discrepancy') {
      await openTask(
        key,
        `Reconcile ${account.name} for ${label}: the books differ from the statement`,
        `Statement ${statementDate}: ${(endingBalanceMinor / 100).toFixed(2)}; books: ${(result.ledgerBalanceMinor / 100).toFixed(2)}; difference ${(result.differenceMinor / 100).toFixed(2)}. Correct the books in QuickBooks (the close re-checks on its own) or accept the difference with an explanation.`,
        'review',
      );
      view.taskId = state.tasks[key] ?? null;
    } else await closeTask(key);
  };

  const handleAccepted = async () => {
    while (pending.accepted.length > 0) {
      const accepted = pending.accepted.shift()!;
      await tracker.attempt('acceptReconciliationDifference', () =>
        acts.acceptReconciliationDifference({
          organizationId: input.organizationId,
          engagementId,
          ledgerAccountId: accepted.ledgerAccountId,
          note: accepted.note,
          byUserId: accepted.byUserId,
        }),
      );
      const view = state.reconciliations.find((r) => r.ledgerAccountId === accepted.ledgerAccountId);
      if (view) view.status = 'accepted';
      await closeTask(`discrepancy:${accepted.ledgerAccountId}`);
      await tracker.note(
        'difference_accepted',
        `Difference on ${view?.name ?? 'an account'} accepted: ${accepted.note}`,
      );
    }
  };

  const maybeContinueAsNew = async () => {
    if (intake !== null || !shouldContinueAsNew({ maxEvents: input.maxHistoryEvents })) return;
    // The state is read after every handler finished, so nothing a handler changes is left behind.
    await continueAsNewWith<typeof monthlyCloseWorkflow>(monthlyCloseWorkflowType, () => [
      rawInput,
      { engagementId, tracker: tracker.state(), state: clonePlain(state) },
    ]);
  };

  // --- the stages ----------------------------------------------------------------------------------
  const run = await cancellation.run(async (): Promise<TMonthlyCloseResult> => {
    if (state.next === 'opening') {
      const opened = await tracker.attempt('openClose', () =>
        acts.openClose({ ...input, workflowId, runId }),
      );
      state.clientKind = opened.clientKind;
      if (opened.engagementId !== engagementId) {
        engagementId = opened.engagementId;
        tracker = newTracker(engagementId);
      }
      registerCompensations();
      state.next = 'collecting';
      await tracker.moveTo('collecting', 'started', `Close of ${label} opened`);
      pending.pull = true;
    } else registerCompensations();

    if (state.next === 'collecting') {
      if (!state.intake.finished) {
        // A restarted run (continue-as-new) only ever happens after the intake finished.
        state.intake.started = true;
        intake = await startChild<typeof documentIntakeWorkflow>(documentIntakeWorkflowType, {
          workflowId: documentIntakeWorkflowId(engagementId),
          parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
          args: [
            {
              organizationId: input.organizationId,
              clientId: input.clientId,
              engagementId,
              checklistType: 'monthly_close',
              clientKind: state.clientKind ?? 'business',
              period: input.period,
              mode: 'child',
              startedByUserId: input.startedByUserId,
              items: input.bankAccounts.map((account) => ({
                category: 'bank-statement' as const,
                label: `Bank statement for ${account.name} (${label})`,
                required: true,
                note: 'The PDF from your bank with the closing balance, every page.',
              })),
              reminders: input.timing.clientReminders,
            },
          ],
        });
        const running = intake;
        void running.result().then(
          () => {
            state.intake.finished = true;
            intake = null;
          },
          (error: unknown) => {
            if (!isCancellation(error)) log.warn('the statement intake failed', { error: String(error) });
            state.intake.finished = true;
            intake = null;
          },
        );
      }

      // Client reminders about unanswered questions, a new sequence whenever new questions appear.
      void (async () => {
        while (state.next === 'collecting') {
          await condition(() => state.counts.open > 0 || state.next !== 'collecting');
          if (state.next !== 'collecting') return;
          state.questionRound += 1;
          state.reminders = newReminderProgress();
          const round = state.questionRound;
          const outcome = await remindUntilDone({
            workflowId,
            kind: `questions-${round}`,
            cadence: input.timing.clientReminders,
            status: tracker.reminders,
            progress: state.reminders,
            done: () => state.counts.open === 0 || state.next !== 'collecting',
            send: async ({ number, idempotencyKey }) => {
              const sent = await tracker.attempt('sendEngagementEmail', () =>
                acts.sendEngagementEmail({
                  organizationId: input.organizationId,
                  engagementId,
                  idempotencyKey,
                  to: { kind: 'client' },
                  email: {
                    template: 'close_questions',
                    periodLabel: label,
                    questionCount: state.counts.open,
                    questionsUrl: `/portal/close/${engagementId}/questions`,
                    reminderNumber: number,
                  },
                }),
              );
              if (sent.sent)
                await tracker.note('reminder_sent', `Question reminder ${number} emailed to the client`);
              return sent;
            },
            escalate: async ({ sent }) => {
              await openTask(
                `questions-follow-up:${round}`,
                `Follow up: the client has not answered ${label} questions`,
                `${state.counts.open} question(s) still open after ${sent} reminder(s). Call the client, or categorize them yourself in QuickBooks.`,
              );
            },
          });
          if (outcome === 'escalated')
            await condition(() => state.counts.open === 0 || state.next !== 'collecting');
          await closeTask(`questions-follow-up:${round}`);
        }
      })().catch((error: unknown) => {
        // The loop ends quietly when the close is cancelled; anything else fails the workflow task.
        if (!isCancellation(error)) throw error;
      });

      let asked = state.counts.total;
      for (;;) {
        if (pending.pull) await pull();
        await handleAnswers();
        await handleStatements();
        if (state.intake.finished && !state.intake.read) await readIntakeStatements();
        if (state.counts.total > asked) {
          // New questions: tell the client once per batch (the sent-log keys by the count asked so far).
          const sent = await tracker.attempt('sendEngagementEmail', () =>
            acts.sendEngagementEmail({
              organizationId: input.organizationId,
              engagementId,
              idempotencyKey: `${workflowId}:questions:${state.counts.total}`,
              to: { kind: 'client' },
              email: {
                template: 'close_questions',
                periodLabel: label,
                questionCount: state.counts.open,
                questionsUrl: `/portal/close/${engagementId}/questions`,
              },
            }),
          );
          asked = state.counts.total;
          if (!sent.sent) tracker.reminders.notSentReason = sent.notSentReason;
        }
        const waiting = [
          state.counts.open > 0 ? `answers to ${state.counts.open} question(s)` : '',
          state.statements.some((s) => s.endingBalanceMinor === null) ? 'bank statements' : '',
        ].filter(Boolean);
        if (waiting.length > 0) tracker.waitFor(waiting.join(' and '), 'client');
        else if (!questionsSettled()) tracker.waitFor('Categorization by staff', 'staff');
        if (statementsKnown() && questionsSettled()) break;
        await maybeContinueAsNew();
        await condition(
          () =>
            pending.pull ||
            pending.answers.length > 0 ||
            pending.statements.length > 0 ||
            (state.intake.finished && !state.intake.read),
        );
      }
      tracker.stopWaiting();
      state.next = 'reconciling';
      await tracker.moveTo('reconciling', 'collected', 'Questions answered and statements in: reconciling');
    }

    if (state.next === 'reconciling') {
      for (let index = 0; index < input.bankAccounts.length; index += 1) await reconcile(index);
      state.next = 'resolving';
      const open = state.reconciliations.filter((r) => r.status === 'discrepancy').length;
      if (open > 0) {
        tracker.waitFor(`${open} reconciliation difference(s) resolved`, 'staff');
        await tracker.moveTo(
          'resolving',
          'discrepancies',
          `${open} account(s) differ from the statement: staff task opened`,
        );
      } else {
        await tracker.note('reconciled', 'Every bank account reconciles with its statement');
      }
    }

    if (state.next === 'resolving') {
      const unresolved = () => state.reconciliations.some((r) => r.status === 'discrepancy');
      // The statement intake may end while the close waits here; wake then, so the history check
      // (continue-as-new needs the child gone) is not put off until the last difference resolves.
      const wakeWhenIntakeEnds = patched('close-resolving-wakes-when-intake-ends');
      while (unresolved()) {
        await handleAccepted();
        await handleStatements();
        if (pending.pull) await pull();
        if (pending.recheck) {
          pending.recheck = false;
          for (const [index, account] of input.bankAccounts.entries()) {
            if (
              state.reconciliations.find((r) => r.ledgerAccountId === account.ledgerAccountId)?.status ===
              'discrepancy'
            )
              await reconcile(index);
          }
        }
        if (!unresolved()) break;
        await maybeContinueAsNew();
        const intakeWasRunning = intake !== null;
        await condition(
          () =>
            pending.accepted.length > 0 ||
            pending.statements.length > 0 ||
            pending.recheck ||
            pending.pull ||
            (wakeWhenIntakeEnds && intakeWasRunning && intake === null),
        );
      }
      tracker.stopWaiting();
      state.next = 'reporting';
      await tracker.moveTo('reporting', 'reconciled', 'Reconciled: producing the close report');
    }

    if (state.next === 'reporting') {
      const report = await tracker.attempt('produceCloseReport', () =>
        ledger.produceCloseReport({ ...ids(), period: input.period }),
      );
      state.report = { documentId: report.documentId, emailed: 0 };
      const sent = await tracker.attempt('sendEngagementEmail', () =>
        acts.sendEngagementEmail({
          organizationId: input.organizationId,
          engagementId,
          idempotencyKey: `${workflowId}:close-report`,
          to: { kind: 'client' },
          email: {
            template: 'close_report',
            periodLabel: label,
            reportUrl: `/portal/documents/${report.documentId}`,
            highlights: report.highlights,
          },
        }),
      );
      state.report.emailed = sent.sent ? 1 : 0;
      for (const key of Object.keys(state.tasks)) await closeTask(key);
      state.next = 'completed';
      await tracker.moveTo(
        'completed',
        'closed',
        sent.sent
          ? `Closed; report emailed to the client`
          : `Closed; the report could not be emailed (${sent.notSentReason ?? 'unknown'})`,
        { status: 'completed' },
      );
    }
    // A staff update still running (a balance, an accepted difference) finishes before the close does.
    await condition(allHandlersFinished);
    return {
      outcome: 'closed',
      period: input.period,
      reportDocumentId: state.report?.documentId ?? null,
      questionsAsked: state.counts.total,
    };
  });

  if (run.outcome === 'completed') return run.value;
  await finishCancelled({
    tracker,
    compensations,
    cancellation,
    request: run.request,
    cancelledStage: 'cancelled',
  });
  return {
    outcome: 'cancelled',
    period: input.period,
    reportDocumentId: null,
    questionsAsked: state.counts.total,
  };
}
