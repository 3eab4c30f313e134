import {
  CancelledFailure,
  condition,
  log,
  patched,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { EngagementActivities } from '../../activities/engagements/engagement.activities';
import type { OnboardingActivities } from '../../activities/onboarding/onboarding.activities';
import {
  Compensations,
  EngagementCancellation,
  EngagementTracker,
  finishCancelled,
  handleCancelEngagement,
  handleRetryFailedStep,
  newReminderProgress,
  reminderIntervals,
  remindUntilDone,
  setStaffUpdateHandler,
} from '../shared/engagement-mechanics';
import { legacyClientOnboarding } from './client-onboarding.legacy';
import {
  ZReassignFollowUp,
  ZResendInvitation,
  cadenceFromSchedule,
  getStatusQuery,
  maxInvitationResends,
  onboardingStageInfo,
  profileSubmittedSignal,
  reassignFollowUpUpdate,
  resendInvitationUpdate,
  type TClientOnboardingInput,
  type TOnboardingResult,
  type TOnboardingStage,
  type TOnboardingStatusView,
  type TProfileSubmission,
} from './client-onboarding.contracts';

const acts = proxyActivities<OnboardingActivities & EngagementActivities>({
  startToCloseTimeout: '30 seconds',
  // Bounded, so a failure that lasts shows as lastError in getStatus (tracker.attempt retries on).
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 6,
  },
});

const followUpTitle = 'Follow up: client has not completed their portal profile';
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/**
 * Onboards a new client: creates the client record, invites the contact to the portal, reminds them
 * on the firm's cadence (sent-log keys, so each reminder goes out once), opens a staff follow-up task
 * after the last reminder, and records the profile when the client submits it.
 *
 * Staff may cancel it (the shared `cancelEngagement` update: the unused portal links are revoked, the
 * follow-up task is closed and the client is told, in that order), send the client a new link while
 * the profile is awaited (`resendInvitation`), and give the follow-up task to someone else
 * (`reassignFollowUp`). Every refusal is a readable sentence from the update's validator.
 *
 * Runs that started before these mechanics replay the old code (`client-onboarding.legacy.ts`).
 */
export async function clientOnboardingWorkflow(input: TClientOnboardingInput): Promise<TOnboardingResult> {
  // Must be the first command: histories recorded without the marker take the old path.
  if (!patched('onboarding-shared-mechanics')) return legacyClientOnboarding(input);

  const { workflowId } = workflowInfo();
  const cadence = input.cadence ?? cadenceFromSchedule(input.reminders);
  const tracker = new EngagementTracker<TOnboardingStage>({
    organizationId: input.organizationId,
    engagementId: input.engagementId,
    type: 'client_onboarding',
    stages: onboardingStageInfo,
    initialStage: 'creating_client',
    project: acts.projectEngagement,
  });
  const compensations = new Compensations();
  const cancellation = new EngagementCancellation();
  const reminderProgress = newReminderProgress();

  let submission: TProfileSubmission | undefined;
  let followUpTaskId: string | null = null;
  let invitationAttempted = false;
  let invitationsResent = 0;
  let completedAt: string | null = null;
  /** True while an activity of the main path is writing the profile or finishing. */
  let finishing = false;

  const status = (): TOnboardingStatusView => ({
    ...tracker.status(),
    stage: tracker.stage,
    clientId: input.clientId,
    profileSubmittedAt: submission?.submittedAt ?? null,
    completedAt,
    invitationsResent,
  });
  setHandler(getStatusQuery, status);

  setHandler(profileSubmittedSignal, (received) => {
    if (submission) {
      log.info('profile already received; ignoring a second submission');
      return;
    }
    if (cancellation.request) {
      log.info('profile arrived after onboarding was cancelled; not recorded');
      return;
    }
    submission = received;
  });

  handleCancelEngagement(cancellation, () => {
    if (tracker.stage === 'completed')
      return 'This onboarding is already complete: the client sent their profile, so there is nothing to cancel.';
    if (submission || finishing)
      return 'The client has just sent their profile and onboarding is finishing, so it can no longer be cancelled.';
    return null;
  });

  // Staff may try a failing step again at once instead of waiting for the next try.
  handleRetryFailedStep(tracker, () => (cancellation.request ? 'This onboarding is being cancelled.' : null));

  setStaffUpdateHandler(resendInvitationUpdate, {
    schema: ZResendInvitation,
    check: () => {
      if (cancellation.request) return 'This onboarding was cancelled, so no new link is sent.';
      if (submission || finishing || tracker.stage === 'completed')
        return 'The client has already sent their profile, so they do not need a new link.';
      if (tracker.stage !== 'awaiting_profile')
        return 'The first invitation is still being sent. Try again in a moment.';
      if (invitationsResent >= maxInvitationResends)
        return `A new link was already sent ${maxInvitationResends} times. Please call the client instead.`;
      return null;
    },
    handle: async ({ byUserId }) => {
      invitationsResent += 1;
      const number = invitationsResent;
      const outcome = await tracker.attempt('sendOnboardingInvitation', () =>
        acts.sendOnboardingInvitation({
          organizationId: input.organizationId,
          engagementId: input.engagementId,
          contactId: input.contact.id,
          idempotencyKey: `${workflowId}:invitation:resend:${number}`,
          kind: 'invitation',
          byUserId,
        }),
      );
      tracker.reminders.notSentReason = outcome.sent ? null : outcome.notSentReason;
      await tracker.note(
        outcome.sent ? 'invitation_resent' : 'invitation_not_sent',
        outcome.sent
          ? 'A new portal link was emailed to the client at staff request; older unused links no longer work'
          : `A new portal link could not be emailed: ${outcome.notSentReason ?? 'unknown reason'}`,
      );
      return {
        sent: outcome.sent,
        notSentReason: outcome.notSentReason,
        message: outcome.sent
          ? 'A new portal link was emailed to the client. Older links they have not used no longer work.'
          : `The new link could not be emailed: ${outcome.notSentReason ?? 'unknown reason'}.`,
      };
    },
  });

  setStaffUpdateHandler(reassignFollowUpUpdate, {
    schema: ZReassignFollowUp,
    check: () => {
      if (cancellation.request || tracker.stage === 'completed') return 'This onboarding has ended.';
      if (!followUpTaskId)
        return 'There is no follow-up task to reassign: one opens only after the last reminder goes unanswered.';
      return null;
    },
    handle: async ({ assigneeUserId, byUserId }) => {
      const taskId = followUpTaskId;
      if (!taskId) throw new Error('unreachable: the validator checked the follow-up task');
      // Called directly: a refusal (not a member of the firm) is the staff member's to fix, not a lastError.
      await acts.reassignOnboardingFollowUp({
        organizationId: input.organizationId,
        taskId,
        assigneeUserId,
        byUserId,
      });
      await tracker.note('follow_up_reassigned', 'The follow-up task was given to another staff member');
      return { taskId, message: 'The follow-up task is reassigned.' };
    },
  });

  // Compensations run last-registered first: revoke the links, close the follow-up, tell the client.
  compensations.add('tell the client', async () => {
    if (!cancellation.request?.notifyClient || !invitationAttempted) return;
    const outcome = await acts.sendEngagementEmail({
      organizationId: input.organizationId,
      engagementId: input.engagementId,
      idempotencyKey: `${workflowId}:cancelled`,
      to: { kind: 'contact', contactId: input.contact.id },
      email: {
        template: 'engagement_cancelled',
        engagementTitle: 'setting up your client account',
        withdrawnItems: ['Your client profile (the details form in your portal)'],
        portalUrl: '/portal',
      },
    });
    if (!outcome.sent) throw new Error(`the client was not told: ${outcome.notSentReason ?? 'not sent'}`);
  });
  compensations.add('close the follow-up task', async () => {
    for (const task of [...tracker.openTasks]) {
      await acts.closeStaffTask({
        organizationId: input.organizationId,
        taskId: task.taskId,
        outcome: 'cancelled',
        reason: 'onboarding cancelled',
      });
      tracker.untrackTask(task.taskId);
    }
    followUpTaskId = null;
  });
  compensations.add('revoke the portal invitation', async () => {
    // Registered before the invitation is sent: a cancel during the send must still revoke its link.
    if (!invitationAttempted) return;
    await acts.revokeOnboardingInvitations({
      organizationId: input.organizationId,
      contactId: input.contact.id,
      engagementId: input.engagementId,
    });
  });

  const run = await cancellation.run(async (): Promise<TOnboardingResult> => {
    const { runId } = workflowInfo();
    await tracker.attempt('createClientRecord', () =>
      acts.createClientRecord({ ...input, workflowId, runId }),
    );
    await tracker.moveTo('creating_client', 'started', 'Onboarding started');

    await tracker.moveTo('inviting', 'stage', 'Sending the portal invitation');
    invitationAttempted = true;
    const invitation = await tracker.attempt('sendOnboardingInvitation', () =>
      acts.sendOnboardingInvitation({
        organizationId: input.organizationId,
        engagementId: input.engagementId,
        contactId: input.contact.id,
        idempotencyKey: `${workflowId}:invitation`,
        kind: 'invitation',
      }),
    );
    tracker.reminders.notSentReason = invitation.sent ? null : invitation.notSentReason;
    // Known before the stage changes, so a status query never sees the wait without its reminder plan.
    const intervals = reminderIntervals(cadence);
    tracker.reminders.planned = intervals.length;
    tracker.reminders.nextAt =
      intervals.length > 0 ? new Date(Date.now() + (intervals[0] ?? 0) * 1000).toISOString() : null;
    tracker.waitFor('Client profile', 'client');
    await tracker.moveTo(
      'awaiting_profile',
      invitation.sent ? 'invitation_sent' : 'invitation_not_sent',
      invitation.sent
        ? 'Portal invitation emailed to the client'
        : `Portal invitation not emailed: ${invitation.notSentReason ?? 'unknown reason'}`,
    );

    const reminders = await remindUntilDone({
      workflowId,
      kind: 'profile',
      cadence,
      status: tracker.reminders,
      progress: reminderProgress,
      done: () => submission !== undefined,
      send: async ({ number, idempotencyKey }) => {
        const outcome = await tracker.attempt('sendOnboardingInvitation', () =>
          acts.sendOnboardingInvitation({
            organizationId: input.organizationId,
            engagementId: input.engagementId,
            contactId: input.contact.id,
            idempotencyKey,
            kind: 'reminder',
            reminderNumber: number,
          }),
        );
        const planned = tracker.reminders.planned;
        await tracker.note(
          outcome.sent ? 'reminder_sent' : 'reminder_not_sent',
          outcome.sent
            ? `Reminder ${number} of ${planned} emailed to the client`
            : `Reminder ${number} of ${planned} not sent: ${outcome.notSentReason ?? 'unknown reason'}`,
        );
        return outcome;
      },
      escalate: async ({ sent }) => {
        const task = await tracker.attempt('openStaffTask', () =>
          acts.openStaffTask({
            organizationId: input.organizationId,
            engagementId: input.engagementId,
            key: `${workflowId}:follow-up`,
            kind: 'follow_up',
            title: followUpTitle,
            details: `The client has not submitted their profile after the invitation and ${plural(sent, 'reminder')}. Call or email them.`,
            assignTo: input.startedByUserId ? { userId: input.startedByUserId } : { role: 'preparer' },
            dueInSeconds: 2 * 86_400,
          }),
        );
        followUpTaskId = task.taskId;
        tracker.trackTask({ taskId: task.taskId, title: task.title, assigneeRole: task.assigneeRole });
        await tracker.note(
          'follow_up_created',
          'No profile after the last reminder: follow-up task opened for staff',
        );
      },
    });
    if (reminders === 'escalated') await condition(() => submission !== undefined);

    finishing = true;
    const received = receivedSubmission(submission);
    await tracker.attempt('saveClientProfile', () =>
      acts.saveClientProfile({
        organizationId: input.organizationId,
        clientId: input.clientId,
        contactId: received.contactId,
        profile: received.profile,
        submittedAt: received.submittedAt,
      }),
    );
    tracker.stopWaiting();
    await tracker.moveTo('profile_received', 'profile_received', 'Client submitted their profile');

    if (followUpTaskId) {
      const taskId = followUpTaskId;
      await tracker.attempt('closeStaffTask', () =>
        acts.closeStaffTask({ organizationId: input.organizationId, taskId, outcome: 'done' }),
      );
      tracker.untrackTask(taskId);
    }

    completedAt = new Date().toISOString();
    await tracker.moveTo('completed', 'completed', 'Onboarding complete', { status: 'completed' });
    return {
      clientId: input.clientId,
      outcome: 'completed',
      remindersSent: tracker.reminders.sent,
      followUpTaskCreated: followUpTaskId !== null,
      completedAt,
      cancelledAt: null,
    };
  });

  if (run.outcome === 'completed') return run.value;
  const cancelled = await finishCancelled({
    tracker,
    compensations,
    cancellation,
    request: run.request,
    cancelledStage: 'cancelled',
  });
  // Cancelled through Temporal itself: close as cancelled there too, after the compensations ran.
  if (run.external) throw new CancelledFailure(run.request.reason);
  return {
    clientId: input.clientId,
    outcome: 'cancelled',
    remindersSent: tracker.reminders.sent,
    followUpTaskCreated: reminderProgress.escalated,
    completedAt: null,
    cancelledAt: cancelled.cancelledAt,
  };
}

function receivedSubmission(submission: TProfileSubmission | undefined): TProfileSubmission {
  if (!submission) throw new Error('unreachable: the profile wait ended without a submission');
  return submission;
}
