/**
 * Monthly close (QuickBooks): everything the web app, the portal and the workers share about the
 * close workflow, its monthly kickoff and its schedule. The web app imports only this module.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { z } from 'zod';
import {
  ZReminderCadence,
  type TEngagementStatusView,
  type TStageInfo,
} from '../shared/engagement.contracts';
import { taskQueues } from '../shared/task-queues';
import { isClosePeriod, periodLabel } from './close-period';

export { cancelEngagementUpdate, retryFailedStepUpdate } from '../shared/engagement.contracts';
export { periodBounds, periodLabel, previousPeriod, shiftPeriod, isClosePeriod } from './close-period';

export const monthlyCloseWorkflowType = 'monthlyCloseWorkflow';
export const closeKickoffWorkflowType = 'monthlyCloseKickoffWorkflow';

/** Business key: one close per client and month. */
export function closeWorkflowId(clientId: string, period: string): string {
  return `close:${clientId}:${period}`;
}

/** One schedule per client with the bookkeeping service. */
export function closeScheduleId(clientId: string): string {
  return `close-schedule:${clientId}`;
}

export const monthlyCloseStages = [
  'opening',
  'collecting',
  'reconciling',
  'resolving',
  'reporting',
  'completed',
  'cancelled',
] as const;
export type TMonthlyCloseStage = (typeof monthlyCloseStages)[number];

export const monthlyCloseStageInfo: Record<TMonthlyCloseStage, TStageInfo> = {
  opening: { label: 'Opening the close', progress: 3 },
  collecting: { label: 'Pulling the ledger, asking the client, collecting statements', progress: 20 },
  reconciling: { label: 'Reconciling bank statements', progress: 60 },
  resolving: { label: 'Resolving discrepancies', progress: 70 },
  reporting: { label: 'Producing the close report', progress: 90 },
  completed: { label: 'Closed', progress: 100 },
  cancelled: { label: 'Cancelled', progress: 100 },
};

export const monthlyCloseSteps: readonly TMonthlyCloseStage[] = [
  'collecting',
  'reconciling',
  'resolving',
  'reporting',
  'completed',
];

const day = 86_400;

export const ZCloseBankAccount = z.object({
  ledgerAccountId: z.string().trim().min(1).max(40),
  name: z.string().trim().min(1).max(200),
});
export type TCloseBankAccountRef = z.infer<typeof ZCloseBankAccount>;

export const ZCloseTiming = z.object({
  /** Reminders while questions or statements wait for the client. */
  clientReminders: ZReminderCadence.default({
    firstAfterSeconds: 3 * day,
    backoffCoefficient: 1.5,
    maxIntervalSeconds: 7 * day,
    maxReminders: 3,
    escalateAfterSeconds: 2 * day,
  }),
});
export type TCloseTiming = z.infer<typeof ZCloseTiming>;

export const ZMonthlyCloseInput = z.object({
  organizationId: z.uuid(),
  clientId: z.uuid(),
  engagementId: z.uuid(),
  period: z.string().refine(isClosePeriod, 'The period is a month as yyyy-mm'),
  bankAccounts: z.array(ZCloseBankAccount).min(1).max(10),
  /** Who gets the close's staff tasks (discrepancies, transactions the client could not place). */
  assigneeUserId: z.uuid().nullable(),
  startedByUserId: z.uuid().optional(),
  timing: ZCloseTiming.default(ZCloseTiming.parse({})),
  /** Continue as new past this many history events (default: the shared limit); tests lower it. */
  maxHistoryEvents: z.number().int().min(50).optional(),
  /** Where the QuickBooks activities run (tests give each run its own queue). */
  integrationsTaskQueue: z.string().min(1).max(200).default(taskQueues.integrations),
});
export type TMonthlyCloseInput = z.infer<typeof ZMonthlyCloseInput>;
export type TMonthlyCloseInputIn = z.input<typeof ZMonthlyCloseInput>;

/** What the schedule passes to the monthly kickoff. */
export const ZCloseKickoffInput = ZMonthlyCloseInput.omit({ engagementId: true, period: true }).extend({
  /** Tests and manual catch-up runs close this period instead of the previous month. */
  period: z.string().refine(isClosePeriod, 'The period is a month as yyyy-mm').optional(),
});
export type TCloseKickoffInput = z.infer<typeof ZCloseKickoffInput>;
export type TCloseKickoffInputIn = z.input<typeof ZCloseKickoffInput>;

export interface TCloseKickoffResult {
  period: string;
  workflowId: string;
  outcome: 'started' | 'already_started';
}

/** The Temporal Schedule of a client's close, as plain data (web/app/close turns it into the client call). */
export interface TCloseScheduleDefinition {
  scheduleId: string;
  /** Fires at 06:00 on `dayOfMonth` in the firm's time zone. */
  dayOfMonth: number;
  hour: number;
  timeZone: string;
  /**
   * Runs missed while the Temporal service was unavailable are still started if the outage ended
   * within this window: 10 days (Temporal's default is one year: far too late for a month's close).
   */
  catchupWindowMs: number;
  /**
   * BUFFER_ONE: a kickoff still running (its worker was down) makes the next one wait instead of being
   * dropped. Kickoffs take seconds; the close they start has its own ID per month, so closes of
   * different months never block each other.
   */
  overlap: 'BUFFER_ONE';
  workflowType: typeof closeKickoffWorkflowType;
  /** The kickoff's ID prefix (Temporal appends the scheduled time). */
  workflowId: string;
  input: TCloseKickoffInput;
}

export function closeScheduleDefinition(options: {
  input: TCloseKickoffInputIn;
  dayOfMonth: number;
  timeZone: string;
}): TCloseScheduleDefinition {
  const input = ZCloseKickoffInput.parse(options.input);
  return {
    scheduleId: closeScheduleId(input.clientId),
    dayOfMonth: options.dayOfMonth,
    hour: 6,
    timeZone: options.timeZone,
    catchupWindowMs: 10 * 86_400_000,
    overlap: 'BUFFER_ONE',
    workflowType: closeKickoffWorkflowType,
    workflowId: `close-kickoff:${input.clientId}`,
    input,
  };
}

const userId = z.uuid('Choose a member of staff');

/** Staff enter a statement's ending balance (when the client did not upload the statement). */
export const ZEnterStatementBalance = z.object({
  byUserId: userId,
  ledgerAccountId: z.string().trim().min(1, 'Choose the bank account').max(40),
  /** In cents; negative for an overdrawn account. */
  endingBalanceMinor: z.number().int().min(-100_000_000_000).max(100_000_000_000),
  statementDate: z.iso.date('Enter the statement date as yyyy-mm-dd'),
});
export const ZAcceptDifference = z.object({
  byUserId: userId,
  ledgerAccountId: z.string().trim().min(1).max(40),
  note: z
    .string()
    .trim()
    .min(10, 'Explain the difference in a sentence (at least 10 characters)')
    .max(1_000, 'Use at most 1,000 characters'),
});
export const ZRecordAdjustment = z.object({
  byUserId: userId,
  description: z.string().trim().min(3, 'Describe the adjustment').max(300, 'Use at most 300 characters'),
  /** Signed, in cents. */
  amountMinor: z
    .number()
    .int()
    .refine((v) => v !== 0, 'Enter a non-zero amount')
    .refine((v) => Math.abs(v) <= 100_000_000_000, 'The amount is too large'),
  ledgerAccountId: z.string().trim().max(40).optional(),
  /** Unique per adjustment (the form's idempotency key): a repeated submission records it once. */
  requestId: z.uuid(),
});
export const ZRefreshLedger = z.object({ byUserId: userId });

export type TEnterStatementBalance = z.input<typeof ZEnterStatementBalance>;
export type TAcceptDifference = z.input<typeof ZAcceptDifference>;
export type TRecordAdjustment = z.input<typeof ZRecordAdjustment>;
export type TRefreshLedger = z.input<typeof ZRefreshLedger>;

export interface TMonthlyCloseUpdateResult {
  stage: TMonthlyCloseStage;
  message: string;
}

/** The client's answers from the portal (validated and stored by the workflow's activity). */
export interface TCloseAnswersSubmitted {
  contactId: string;
  answers: { questionId: string; accountId: string | null; note: string }[];
  submittedAt: string;
}

/** The portal's answer form: `category:<questionId>` is an account ID or `unsure`. */
export const ZCloseAnswerNote = z.string().trim().max(500, 'Use at most 500 characters for a note');

export interface TStatementView {
  ledgerAccountId: string;
  name: string;
  /** Null while waiting for it. */
  endingBalanceMinor: number | null;
  statementDate: string | null;
  source: 'document' | 'staff' | null;
  documentId: string | null;
}

export interface TReconciliationView {
  ledgerAccountId: string;
  name: string;
  status: 'matched' | 'discrepancy' | 'accepted';
  statementEndingBalanceMinor: number;
  ledgerBalanceMinor: number;
  differenceMinor: number;
  taskId: string | null;
}

export interface TMonthlyCloseStatus extends TEngagementStatusView {
  clientId: string;
  period: string;
  periodLabel: string;
  questions: {
    total: number;
    open: number;
    answered: number;
    writtenBack: number;
    needsStaff: number;
    resolvedInLedger: number;
  };
  statements: TStatementView[];
  reconciliations: TReconciliationView[];
  adjustments: number;
  ledger: { pulls: number; lastPulledAt: string | null; pendingChange: boolean };
  report: { documentId: string; emailed: number } | null;
}

export interface TMonthlyCloseResult {
  outcome: 'closed' | 'cancelled';
  period: string;
  reportDocumentId: string | null;
  questionsAsked: number;
}

export const getMonthlyCloseStatusQuery = defineQuery<TMonthlyCloseStatus>('getStatus');

/** Portal: the client answered questions about uncategorized transactions. */
export const closeAnswersSubmittedSignal = defineSignal<[TCloseAnswersSubmitted]>('closeAnswersSubmitted');

export const enterStatementBalanceUpdate = defineUpdate<TMonthlyCloseUpdateResult, [TEnterStatementBalance]>(
  'enterStatementBalance',
);
export const acceptDifferenceUpdate = defineUpdate<TMonthlyCloseUpdateResult, [TAcceptDifference]>(
  'acceptDifference',
);
export const recordAdjustmentUpdate = defineUpdate<TMonthlyCloseUpdateResult, [TRecordAdjustment]>(
  'recordAdjustment',
);
export const refreshLedgerUpdate = defineUpdate<TMonthlyCloseUpdateResult, [TRefreshLedger]>('refreshLedger');

export function closeTitle(period: string, clientName: string): string {
  return `Monthly close ${periodLabel(period)}: ${clientName}`;
}
