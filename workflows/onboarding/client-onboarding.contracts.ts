/**
 * Client onboarding: everything the web app and workers share about this workflow.
 * The web app imports only this module (never the workflow implementation).
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { z } from 'zod';
import {
  ZReminderCadence,
  type TEngagementStatusView,
  type TReminderCadence,
} from '../shared/engagement.contracts';

export {
  cancelEngagementUpdate,
  type TCancelEngagementInput,
  type TCancelEngagementResult,
} from '../shared/engagement.contracts';

export const clientOnboardingWorkflowType = 'clientOnboardingWorkflow';

/** Business key: one onboarding per client. */
export function onboardingWorkflowId(clientId: string): string {
  return `onboarding:${clientId}`;
}

/** The stages on the way to a finished onboarding, in order. */
export const onboardingStages = [
  'creating_client',
  'inviting',
  'awaiting_profile',
  'profile_received',
  'completed',
] as const;
/** A stage of the workflow: one on the way, or `cancelled` (off the path: it shows only when it happened). */
export type TOnboardingStage = (typeof onboardingStages)[number] | 'cancelled';

/** Label and progress (0-100) shown for each stage. */
export const onboardingStageInfo: Record<TOnboardingStage, { label: string; progress: number }> = {
  creating_client: { label: 'Creating client record', progress: 5 },
  inviting: { label: 'Inviting client to the portal', progress: 15 },
  awaiting_profile: { label: 'Waiting for client profile', progress: 40 },
  profile_received: { label: 'Profile received', progress: 85 },
  completed: { label: 'Onboarding complete', progress: 100 },
  cancelled: { label: 'Onboarding cancelled', progress: 100 },
};

export const ZReminderSchedule = z.object({
  intervalsSeconds: z.array(z.number().int().min(1)).min(1).max(10),
  followUpAfterSeconds: z.number().int().min(1),
});
export type TReminderSchedule = z.infer<typeof ZReminderSchedule>;

/**
 * The firm's onboarding schedule (waits before each reminder, then the follow-up wait) as the shared
 * reminder cadence: the same waits, no backoff beyond the listed intervals.
 */
export function cadenceFromSchedule(schedule: TReminderSchedule): TReminderCadence {
  const first = schedule.intervalsSeconds[0] ?? schedule.followUpAfterSeconds;
  return ZReminderCadence.parse({
    firstAfterSeconds: first,
    backoffCoefficient: 1,
    maxIntervalSeconds: Math.max(first, ...schedule.intervalsSeconds),
    maxReminders: schedule.intervalsSeconds.length,
    escalateAfterSeconds: schedule.followUpAfterSeconds,
    intervalsSeconds: [...schedule.intervalsSeconds],
  });
}

export const ZClientOnboardingInput = z.object({
  organizationId: z.uuid(),
  clientId: z.uuid(),
  engagementId: z.uuid(),
  client: z.object({
    kind: z.enum(['individual', 'business']),
    displayName: z.string().trim().min(2).max(200),
  }),
  contact: z.object({
    id: z.uuid(),
    name: z.string().trim().min(2).max(200),
    email: z.email().max(320),
  }),
  startedByUserId: z.uuid().optional(),
  /** The firm's onboarding schedule; running workflows that started before `cadence` existed carry only this. */
  reminders: ZReminderSchedule,
  /** The shared reminder cadence (with backoff); when given it replaces `reminders`. */
  cadence: ZReminderCadence.optional(),
});
export type TClientOnboardingInput = z.infer<typeof ZClientOnboardingInput>;

// prettier-ignore
const usStates = [
  'AL', 'AK', 'AZ', 'AR', 'CA', 'CO', 'CT', 'DE', 'DC', 'FL', 'GA', 'HI', 'ID', 'IL', 'IN', 'IA', 'KS', 'KY', 'LA',
  'ME', 'MD', 'MA', 'MI', 'MN', 'MS', 'MO', 'MT', 'NE', 'NV', 'NH', 'NJ', 'NM', 'NY', 'NC', 'ND', 'OH', 'OK', 'OR',
  'PA', 'RI', 'SC', 'SD', 'TN', 'TX', 'UT', 'VT', 'VA', 'WA', 'WV', 'WI', 'WY', 'PR', 'GU', 'VI', 'AS', 'MP',
] as const;

const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max, `Use at most ${max} characters`)
    .transform((v) => (v === '' ? undefined : v))
    .optional();

/** The profile a client fills in on the portal. Validated at the edge (the portal action). */
export const ZClientProfile = z.object({
  legalName: z.string().trim().min(2, 'Enter your full legal name').max(200, 'Use at most 200 characters'),
  preferredName: optionalText(100),
  phone: z
    .string()
    .trim()
    .transform((v) => v.replace(/[\s().-]/g, ''))
    .pipe(z.string().regex(/^\+?1?\d{10}$/, 'Enter a 10-digit US phone number, for example (555) 123-4567')),
  addressLine1: z.string().trim().min(3, 'Enter your street address').max(200, 'Use at most 200 characters'),
  addressLine2: optionalText(200),
  city: z.string().trim().min(2, 'Enter your city').max(100, 'Use at most 100 characters'),
  state: z
    .string()
    .trim()
    .toUpperCase()
    .pipe(z.enum(usStates, { error: 'Choose a US state' })),
  postalCode: z
    .string()
    .trim()
    .regex(/^\d{5}(-\d{4})?$/, 'Enter a 5-digit ZIP code, for example 02139'),
  preferredContact: z.enum(['email', 'phone'], { error: 'Choose how we should contact you' }),
});
export type TClientProfile = z.infer<typeof ZClientProfile>;
export const usStateCodes = usStates;

export interface TProfileSubmission {
  contactId: string;
  profile: TClientProfile;
  submittedAt: string;
}

/**
 * The onboarding's `getStatus` answer: the shared engagement status plus what only onboarding knows.
 * Workflows that started before the shared mechanics answer it too (computed from their own state).
 */
export interface TOnboardingStatusView extends TEngagementStatusView {
  stage: TOnboardingStage;
  clientId: string;
  /** ISO time the client submitted their profile; null until then. */
  profileSubmittedAt: string | null;
  /** ISO time onboarding completed; null until then. */
  completedAt: string | null;
  /** How often staff sent the client a new portal link. */
  invitationsResent: number;
}

export interface TOnboardingResult {
  clientId: string;
  /** Absent in results of runs that started before cancelling existed (they always completed). */
  outcome?: 'completed' | 'cancelled';
  remindersSent: number;
  followUpTaskCreated: boolean;
  /** Null when the onboarding was cancelled. */
  completedAt: string | null;
  cancelledAt?: string | null;
}

/** At most this many new links per onboarding: past it, staff should call the client. */
export const maxInvitationResends = 10;

export const ZResendInvitation = z.object({
  byUserId: z.uuid(),
});
export type TResendInvitationInput = z.input<typeof ZResendInvitation>;

export interface TResendInvitationResult {
  sent: boolean;
  /** Why the email did not go out ("email bounced"), or null. */
  notSentReason: string | null;
  /** Older unused links stop working once the new one is issued. */
  message: string;
}

export const ZReassignFollowUp = z.object({
  assigneeUserId: z.uuid('Choose someone from your firm'),
  byUserId: z.uuid(),
});
export type TReassignFollowUpInput = z.input<typeof ZReassignFollowUp>;

/** The client submitted their profile in the portal. */
export const profileSubmittedSignal = defineSignal<[TProfileSubmission]>('profileSubmitted');
/** Current process state, for staff pages (the shared `getStatus` query, onboarding's view). */
export const getStatusQuery = defineQuery<TOnboardingStatusView>('getStatus');
/** Staff send the client a new portal link (only while waiting for the profile); older unused links stop working. */
export const resendInvitationUpdate = defineUpdate<TResendInvitationResult, [TResendInvitationInput]>(
  'resendInvitation',
);
/** Staff give the open follow-up task to someone else. */
export const reassignFollowUpUpdate = defineUpdate<
  { taskId: string; message: string },
  [TReassignFollowUpInput]
>('reassignFollowUp');
