/**
 * Client onboarding: everything the web app and workers share about this workflow.
 * The web app imports only this module (never the workflow implementation).
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import { z } from 'zod';

export const clientOnboardingWorkflowType = 'clientOnboardingWorkflow';

/** Business key: one onboarding per client. */
export function onboardingWorkflowId(clientId: string): string {
  return `onboarding:${clientId}`;
}

export const onboardingStages = [
  'creating_client',
  'inviting',
  'awaiting_profile',
  'profile_received',
  'completed',
] as const;
export type TOnboardingStage = (typeof onboardingStages)[number];

/** Label and progress (0-100) shown for each stage. */
export const onboardingStageInfo: Record<TOnboardingStage, { label: string; progress: number }> = {
  creating_client: { label: 'Creating client record', progress: 5 },
  inviting: { label: 'Inviting client to the portal', progress: 15 },
  awaiting_profile: { label: 'Waiting for client profile', progress: 40 },
  profile_received: { label: 'Profile received', progress: 85 },
  completed: { label: 'Onboarding complete', progress: 100 },
};

export const ZReminderSchedule = z.object({
  intervalsSeconds: z.array(z.number().int().min(1)).min(1).max(10),
  followUpAfterSeconds: z.number().int().min(1),
});
export type TReminderSchedule = z.infer<typeof ZReminderSchedule>;

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
  reminders: ZReminderSchedule,
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

export interface TOnboardingStatus {
  engagementId: string;
  clientId: string;
  stage: TOnboardingStage;
  stageLabel: string;
  progress: number;
  /** What the engagement waits for and from whom; null when nothing. */
  waitingFor: { what: string; from: 'client' | 'staff' } | null;
  remindersSent: number;
  remindersPlanned: number;
  nextReminderAt: string | null;
  followUpDueAt: string | null;
  followUpTaskCreated: boolean;
  profileSubmittedAt: string | null;
  completedAt: string | null;
}

export interface TOnboardingResult {
  clientId: string;
  remindersSent: number;
  followUpTaskCreated: boolean;
  completedAt: string;
}

/** The client submitted their profile in the portal. */
export const profileSubmittedSignal = defineSignal<[TProfileSubmission]>('profileSubmitted');
/** Current process state, for staff pages. */
export const getStatusQuery = defineQuery<TOnboardingStatus>('getStatus');
