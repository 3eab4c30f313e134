/**
 * Tax return: everything the web app, the portal and the workers share about this workflow.
 * The web app imports only this module (and the shared engagement contracts), never the workflow.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { z } from 'zod';
import {
  ZReminderCadence,
  type TEngagementStatusView,
  type TStageInfo,
} from '../shared/engagement.contracts';
import { taskQueues } from '../shared/task-queues';
import { taxReturnTypes, type TTaxReturnType } from './due-dates';

export { cancelEngagementUpdate, retryFailedStepUpdate } from '../shared/engagement.contracts';
export { taxReturnTypes, taxReturnTypeLabels, type TTaxReturnType } from './due-dates';

export const taxReturnWorkflowType = 'taxReturnWorkflow';

/** Business key: one return per client and tax year. */
export function taxReturnWorkflowId(clientId: string, taxYear: number): string {
  return `tax:${clientId}:${taxYear}`;
}

export const taxReturnStages = [
  'opening',
  'intake',
  'preparation',
  'review',
  'client_approval',
  'invoicing',
  'filing',
  'completed',
  'cancelled',
] as const;
export type TTaxReturnStage = (typeof taxReturnStages)[number];

export const taxReturnStageInfo: Record<TTaxReturnStage, TStageInfo> = {
  opening: { label: 'Opening the return', progress: 2 },
  intake: { label: 'Collecting documents', progress: 10 },
  preparation: { label: 'Preparing the return', progress: 35 },
  review: { label: 'In review', progress: 55 },
  client_approval: { label: 'Waiting for client approval and e-file authorization', progress: 70 },
  invoicing: { label: 'Invoice and payment', progress: 82 },
  filing: { label: 'Ready to file', progress: 92 },
  completed: { label: 'Filed', progress: 100 },
  cancelled: { label: 'Cancelled', progress: 100 },
};

/** Stages shown as steps on the engagement page, in order. */
export const taxReturnSteps: readonly TTaxReturnStage[] = [
  'intake',
  'preparation',
  'review',
  'client_approval',
  'invoicing',
  'filing',
  'completed',
];

const day = 86_400;

export const ZTaxReturnFee = z.object({
  /** In cents. */
  amountMinor: z
    .number()
    .int()
    .min(100, 'The fee must be at least $1.00')
    .max(10_000_000, 'The fee must be at most $100,000.00'),
  currency: z.literal('usd').default('usd'),
  description: z.string().trim().min(3).max(200),
});
export type TTaxReturnFee = z.infer<typeof ZTaxReturnFee>;

/** Timings, injectable so tests can run a season in seconds on the real Temporal server. */
export const ZTaxReturnTiming = z.object({
  /** Reminders to the client while the return waits for their approval. */
  approvalReminders: ZReminderCadence.default({
    firstAfterSeconds: 3 * day,
    backoffCoefficient: 1.5,
    maxIntervalSeconds: 7 * day,
    maxReminders: 3,
    escalateAfterSeconds: 2 * day,
  }),
  /** Escalate to the manager this long before the deadline when work is outstanding (latest last). */
  escalationLeadSeconds: z
    .array(z.number().int().min(0))
    .min(1)
    .max(6)
    .default([14 * day, 3 * day]),
  /** Reminders of the document intake; the firm's schedule when absent. */
  intakeReminders: ZReminderCadence.optional(),
  /** Documents are due this long before the filing deadline (at least a week after the start). */
  documentsDueBeforeDeadlineSeconds: z
    .number()
    .int()
    .min(0)
    .default(45 * day),
});
export type TTaxReturnTiming = z.infer<typeof ZTaxReturnTiming>;

export const ZTaxReturnInput = z.object({
  organizationId: z.uuid(),
  clientId: z.uuid(),
  engagementId: z.uuid(),
  taxYear: z.number().int().min(2000).max(2100),
  returnType: z.enum(taxReturnTypes),
  preparerUserId: z.uuid().nullable(),
  reviewerUserId: z.uuid().nullable(),
  /** Who gets the escalation tasks as a deadline nears. */
  managerUserId: z.uuid().nullable(),
  startedByUserId: z.uuid().optional(),
  /** ISO instants (end of the due date in the firm's zone), from `filingDueDates` + `endOfDayInTimeZone`. */
  dueDates: z.object({ original: z.iso.datetime(), extended: z.iso.datetime() }),
  /** Null: the firm does not bill this return (the invoice stage is skipped). */
  fee: ZTaxReturnFee.nullable(),
  timing: ZTaxReturnTiming.default(ZTaxReturnTiming.parse({})),
  /** Set when started by a bulk start (its workflow ID), so a retried batch knows its own starts. */
  bulkStartId: z.string().max(200).optional(),
  /** Continue as new past this many history events (default: the shared limit); tests lower it. */
  maxHistoryEvents: z.number().int().min(50).optional(),
  /** Where the payment provider's activities run (tests give each run its own queue). */
  integrationsTaskQueue: z.string().min(1).max(200).default(taskQueues.integrations),
});
export type TTaxReturnInput = z.infer<typeof ZTaxReturnInput>;
export type TTaxReturnInputIn = z.input<typeof ZTaxReturnInput>;

/** What the preparer tells the reviewer and, once approved, the client. Amounts in cents. */
export const ZReturnSummary = z.object({
  /** Positive: refund; negative: amount owed; zero: neither. */
  federalRefundMinor: z.number().int().min(-100_000_000).max(100_000_000),
  /** Two-letter state code and its result, when a state return is included. */
  state: z
    .object({
      code: z
        .string()
        .trim()
        .toUpperCase()
        .regex(/^[A-Z]{2}$/, 'Use the two-letter state code'),
      refundMinor: z.number().int().min(-100_000_000).max(100_000_000),
    })
    .nullable()
    .default(null),
  /** Shown to the client on the approval page. */
  notes: z.string().trim().max(2_000, 'Use at most 2,000 characters').default(''),
});
export type TReturnSummary = z.infer<typeof ZReturnSummary>;
export type TReturnSummaryInput = z.input<typeof ZReturnSummary>;

const userId = z.uuid('Choose a member of staff');
const reason = (what: string) =>
  z
    .string()
    .trim()
    .min(10, `Say in a sentence ${what} (at least 10 characters)`)
    .max(1_000, 'Use at most 1,000 characters');

/**
 * An IRS e-file Submission ID: the EFIN (6 digits), the year (4) and day of the year (3) it was
 * created, and 7 lower-case letters or digits. Spaces and dashes are ignored; letters are lowered.
 */
export const ZFilingConfirmationNumber = z
  .string()
  .transform((v) => v.replace(/[\s-]/g, '').toLowerCase())
  .pipe(
    z
      .string()
      .regex(
        /^\d{6}20\d{2}(00[1-9]|0[1-9]\d|[12]\d\d|3[0-5]\d|36[0-6])[a-z0-9]{7}$/,
        'Enter the 20-character IRS Submission ID, for example 123456 2027 105 abc1234',
      ),
  );

export const ZSubmitForReview = z.object({ byUserId: userId, summary: ZReturnSummary });
export const ZApproveReturn = z.object({
  byUserId: userId,
  note: z.string().trim().max(1_000, 'Use at most 1,000 characters').default(''),
});
export const ZSendBack = z.object({ byUserId: userId, reason: reason('what needs to change') });
export const ZReassign = z.object({
  byUserId: userId,
  role: z.enum(['preparer', 'reviewer'], { error: 'Choose preparer or reviewer' }),
  userId,
});
export const ZWaivePayment = z.object({ byUserId: userId, reason: reason('why the fee is waived') });
export const ZRecordFiling = z.object({
  byUserId: userId,
  confirmationNumber: ZFilingConfirmationNumber,
  /** `yyyy-mm-dd`; defaults to today. */
  filedOn: z.iso.date('Enter the filing date as yyyy-mm-dd').optional(),
});
export const ZRecordExtension = z.object({
  byUserId: userId,
  /** `yyyy-mm-dd` the extension (Form 4868/7004) was filed. */
  filedOn: z.iso.date('Enter the date as yyyy-mm-dd').optional(),
  confirmationNumber: ZFilingConfirmationNumber.optional(),
});
export const ZSetWaitingOnK1 = z.object({
  byUserId: userId,
  waiting: z.boolean(),
  /** Which K-1, e.g. "Harbor Partners LP". */
  note: z.string().trim().max(300, 'Use at most 300 characters').default(''),
});

export type TSubmitForReview = z.input<typeof ZSubmitForReview>;
export type TApproveReturn = z.input<typeof ZApproveReturn>;
export type TSendBack = z.input<typeof ZSendBack>;
export type TReassign = z.input<typeof ZReassign>;
export type TWaivePayment = z.input<typeof ZWaivePayment>;
export type TRecordFiling = z.input<typeof ZRecordFiling>;
export type TRecordExtension = z.input<typeof ZRecordExtension>;
export type TSetWaitingOnK1 = z.input<typeof ZSetWaitingOnK1>;

/** What an accepted staff update answers. */
export interface TTaxReturnUpdateResult {
  stage: TTaxReturnStage;
  message: string;
}

/** The client signed the e-file authorization in the portal (the record is stored first). */
export interface TEfileAuthorizationSigned {
  /** The stored `efile_authorization` row. */
  authorizationId: string;
  contactId: string;
  /** The approval round the client saw (a send-back after approval starts a new one). */
  round: number;
  signedAt: string;
}

/** The client asked for changes instead of approving. */
export interface TClientChangesRequested {
  contactId: string;
  round: number;
  message: string;
  at: string;
}

/** The portal's e-file authorization form (Form 8879-style consent). */
export const ZEfileAuthorizationForm = z.object({
  typedName: z
    .string()
    .trim()
    .min(2, 'Type your full name as your signature')
    .max(200, 'Use at most 200 characters'),
  consent: z.literal('yes', { error: 'Tick the box to authorize the firm to e-file your return' }),
  round: z.coerce.number().int().min(1),
});
export const ZClientChangesForm = z.object({
  message: z
    .string()
    .trim()
    .min(10, 'Tell us in a sentence what should change (at least 10 characters)')
    .max(2_000, 'Use at most 2,000 characters'),
  round: z.coerce.number().int().min(1),
});

export interface TReviewRound {
  round: number;
  submittedAt: string;
  outcome: 'pending' | 'approved' | 'sent_back';
  reason: string | null;
  decidedAt: string | null;
  decidedByUserId: string | null;
}

export interface TTaxReturnStatus extends TEngagementStatusView {
  clientId: string;
  taxYear: number;
  returnType: TTaxReturnType;
  preparerUserId: string | null;
  reviewerUserId: string | null;
  dueDates: {
    original: string;
    extended: string;
    extensionFiled: boolean;
    extensionFiledOn: string | null;
    /** The deadline that applies now. */
    current: string;
  };
  waitingOnK1: { since: string; note: string } | null;
  summary: TReturnSummary | null;
  reviews: TReviewRound[];
  approval: {
    round: number;
    requestedAt: string | null;
    signedAt: string | null;
    authorizationId: string | null;
    changesRequested: { message: string; at: string } | null;
  };
  billing: {
    fee: TTaxReturnFee | null;
    state: 'not_billed' | 'invoiced' | 'paid' | 'waived' | 'voided';
    invoiceId: string | null;
    waivedReason: string | null;
    paidAt: string | null;
  };
  filing: { confirmationNumber: string; filedOn: string; recordedAt: string } | null;
  escalations: { key: string; at: string; taskId: string }[];
}

export interface TTaxReturnResult {
  outcome: 'filed' | 'cancelled';
  confirmationNumber: string | null;
  reviewRounds: number;
}

/** Current process state, for the engagement page and the portal. */
export const getTaxReturnStatusQuery = defineQuery<TTaxReturnStatus>('getStatus');

/** Portal: the client signed the e-file authorization. */
export const efileAuthorizationSignedSignal =
  defineSignal<[TEfileAuthorizationSigned]>('efileAuthorizationSigned');
/** Portal: the client asked for changes instead of approving. */
export const clientChangesRequestedSignal = defineSignal<[TClientChangesRequested]>('clientChangesRequested');

export const submitForReviewUpdate = defineUpdate<TTaxReturnUpdateResult, [TSubmitForReview]>(
  'submitForReview',
);
export const approveReturnUpdate = defineUpdate<TTaxReturnUpdateResult, [TApproveReturn]>('approveReturn');
export const sendBackUpdate = defineUpdate<TTaxReturnUpdateResult, [TSendBack]>('sendBack');
export const reassignUpdate = defineUpdate<TTaxReturnUpdateResult, [TReassign]>('reassign');
export const waivePaymentUpdate = defineUpdate<TTaxReturnUpdateResult, [TWaivePayment]>('waivePayment');
export const recordFilingUpdate = defineUpdate<TTaxReturnUpdateResult, [TRecordFiling]>('recordFiling');
export const recordExtensionUpdate = defineUpdate<TTaxReturnUpdateResult, [TRecordExtension]>(
  'recordExtension',
);
export const setWaitingOnK1Update = defineUpdate<TTaxReturnUpdateResult, [TSetWaitingOnK1]>('setWaitingOnK1');

/** "Refund $1,234.00", "Owed $500.00", "No refund or balance due". */
export function describeResult(refundMinor: number): string {
  if (refundMinor > 0) return `Refund ${formatUsd(refundMinor)}`;
  if (refundMinor < 0) return `Owed ${formatUsd(-refundMinor)}`;
  return 'No refund or balance due';
}

/** "$1,234.56" (negative amounts "-$12.00"); no Intl, so the same on every machine and in workflows. */
export function formatUsd(cents: number): string {
  const abs = Math.abs(Math.trunc(cents));
  const dollars = String(Math.floor(abs / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${cents < 0 ? '-' : ''}$${dollars}.${String(abs % 100).padStart(2, '0')}`;
}

export function returnTitle(taxYear: number, returnType: TTaxReturnType, clientName: string): string {
  return `${taxYear} tax return (${returnType === '1120S' ? '1120-S' : returnType}): ${clientName}`;
}
