import type { TEngagementType } from '../engagements/engagement.entity';
import type { TOnboardingStage } from '../../workflows/onboarding/client-onboarding.contracts';

/** One stage of an engagement as seed data shows it: its progress, what it waits for, its timeline line. */
export interface TSeedStage {
  stage: string;
  progress: number;
  waitingFor: string | null;
  event: { kind: string; message: string };
}

/**
 * Client onboarding as its workflow records it (same stages, progress, waiting text and event kinds).
 * The other types' workflows are not built yet: their stage names here are plausible placeholders.
 */
const onboarding: readonly (TSeedStage & { stage: TOnboardingStage })[] = [
  {
    stage: 'creating_client',
    progress: 5,
    waitingFor: null,
    event: { kind: 'started', message: 'Onboarding started' },
  },
  {
    stage: 'inviting',
    progress: 15,
    waitingFor: null,
    event: { kind: 'stage', message: 'Sending the portal invitation' },
  },
  {
    stage: 'awaiting_profile',
    progress: 40,
    waitingFor: 'Client profile (from the client)',
    event: { kind: 'invitation_sent', message: 'Portal invitation emailed to the client' },
  },
  {
    stage: 'profile_received',
    progress: 85,
    waitingFor: null,
    event: { kind: 'profile_received', message: 'Client submitted their profile' },
  },
  {
    stage: 'completed',
    progress: 100,
    waitingFor: null,
    event: { kind: 'completed', message: 'Onboarding complete' },
  },
];

const taxReturn: readonly TSeedStage[] = [
  {
    stage: 'intake',
    progress: 10,
    waitingFor: 'Tax documents (from the client)',
    event: { kind: 'started', message: 'Tax return started: documents requested from the client' },
  },
  {
    stage: 'preparation',
    progress: 30,
    waitingFor: 'Preparation (from the preparer)',
    event: { kind: 'stage', message: 'Documents complete: return in preparation' },
  },
  {
    stage: 'review',
    progress: 50,
    waitingFor: 'Review (from the reviewer)',
    event: { kind: 'stage', message: 'Return sent for review' },
  },
  {
    stage: 'client_approval',
    progress: 65,
    waitingFor: 'Approval and e-file authorization (from the client)',
    event: { kind: 'review_approved', message: 'Review approved: return sent to the client for approval' },
  },
  {
    stage: 'invoicing',
    progress: 80,
    waitingFor: 'Payment (from the client)',
    event: {
      kind: 'client_approved',
      message: 'Client approved the return and signed the e-file authorization',
    },
  },
  {
    stage: 'filing',
    progress: 90,
    waitingFor: 'E-file acceptance (from the IRS)',
    event: { kind: 'invoice_paid', message: 'Invoice paid: return submitted for e-filing' },
  },
  {
    stage: 'done',
    progress: 100,
    waitingFor: null,
    event: { kind: 'completed', message: 'Return accepted by the IRS' },
  },
];

const documentIntake: readonly TSeedStage[] = [
  {
    stage: 'requested',
    progress: 10,
    waitingFor: 'Documents (from the client)',
    event: { kind: 'started', message: 'Documents requested from the client' },
  },
  {
    stage: 'processing',
    progress: 40,
    waitingFor: null,
    event: { kind: 'stage', message: 'Documents received: reading and classifying them' },
  },
  {
    stage: 'review',
    progress: 70,
    waitingFor: 'Review of low-confidence fields (from staff)',
    event: {
      kind: 'review_needed',
      message: 'Some fields were read with low confidence: staff review opened',
    },
  },
  {
    stage: 'complete',
    progress: 100,
    waitingFor: null,
    event: { kind: 'completed', message: 'Every required document is in' },
  },
];

const monthlyClose: readonly TSeedStage[] = [
  {
    stage: 'pulling',
    progress: 10,
    waitingFor: null,
    event: { kind: 'started', message: 'Pulling the period’s transactions from QuickBooks' },
  },
  {
    stage: 'questions',
    progress: 35,
    waitingFor: 'Answers about uncategorized transactions (from the client)',
    event: { kind: 'questions_sent', message: 'Uncategorized transactions sent to the client as questions' },
  },
  {
    stage: 'reconciling',
    progress: 60,
    waitingFor: 'Bank reconciliation (from the preparer)',
    event: { kind: 'stage', message: 'Answers written back: reconciling the bank statement' },
  },
  {
    stage: 'report',
    progress: 85,
    waitingFor: 'Close report review (from the reviewer)',
    event: { kind: 'stage', message: 'Reconciled: close report ready for review' },
  },
  {
    stage: 'closed',
    progress: 100,
    waitingFor: null,
    event: { kind: 'completed', message: 'Period closed and snapshot saved' },
  },
];

/** Every engagement type's stages in order; the last one is where a completed engagement ends. */
export const seedStageFlows: Record<TEngagementType, readonly TSeedStage[]> = {
  client_onboarding: onboarding,
  document_intake: documentIntake,
  tax_return: taxReturn,
  monthly_close: monthlyClose,
};

/** The stages an engagement of this type can be active in (every stage but the final one). */
export function activeStages(type: TEngagementType): string[] {
  return seedStageFlows[type].slice(0, -1).map((s) => s.stage);
}

export function finalStage(type: TEngagementType): string {
  const last = seedStageFlows[type].at(-1);
  if (!last) throw new Error(`no stages for ${type}`);
  return last.stage;
}
