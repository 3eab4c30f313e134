import {
  condition,
  log,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { UpdateDefinition } from '@temporalio/common';
import type { OnboardingActivities } from '../../activities/onboarding/onboarding.activities';
import { addSeconds } from '../shared/durations';
import { cancelEngagementUpdate, rejectUpdate } from '../shared/engagement.contracts';
import { stageKey } from '../shared/search-attributes';
import {
  getStatusQuery,
  reassignFollowUpUpdate,
  resendInvitationUpdate,
  onboardingStageInfo,
  profileSubmittedSignal,
  type TClientOnboardingInput,
  type TOnboardingResult,
  type TOnboardingStage,
  type TOnboardingStatusView,
  type TProfileSubmission,
} from './client-onboarding.contracts';

const acts = proxyActivities<OnboardingActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/**
 * Why a run that started before the shared mechanics refuses each staff action (validators: a
 * refusal leaves no history). Each says what to do instead.
 */
const startedBefore = {
  cancel:
    'This onboarding started before onboardings could be cancelled, so it cannot be cancelled. It ends when the client sends their profile; if they do not, a follow-up task asks staff to contact them after the last reminder.',
  resend:
    'This onboarding started before new links could be sent from here. Use “Send a new portal link” on the client’s page instead.',
  reassign:
    'This onboarding started before its follow-up task could be reassigned from here, so the task stays with the person who started the onboarding.',
} as const;

/**
 * Client onboarding as it ran before it moved onto the shared engagement mechanics
 * (`patched('onboarding-shared-mechanics')` in client-onboarding.workflow.ts). Running workflows that
 * started before that change replay this code, so its commands (activities, timers, search-attribute
 * upserts) must stay exactly as they were. Only its query answer changed (a query is not part of the
 * history): it answers the shared status shape, and staff updates are refused readably.
 *
 * Onboards a new client: creates the client record, invites the contact to the portal,
 * reminds them on the firm's schedule, opens a staff follow-up task after the last reminder,
 * and records the profile when the client submits it.
 */
export async function legacyClientOnboarding(input: TClientOnboardingInput): Promise<TOnboardingResult> {
  const { workflowId, runId } = workflowInfo();
  const intervals = input.reminders.intervalsSeconds;

  let stage: TOnboardingStage = 'creating_client';
  let submission: TProfileSubmission | undefined;
  let remindersSent = 0;
  let nextReminderAt: Date | null = null;
  let followUpDueAt: Date | null = null;
  let followUpTaskId: string | null = null;
  let completedAt: Date | null = null;
  let eventSeq = 0;
  /** When the wait for the profile began (for the status view only). */
  let waitingSince: Date | null = null;

  const status = (): TOnboardingStatusView => {
    const waiting = waitingFor(stage);
    return {
      engagementId: input.engagementId,
      workflowId,
      type: 'client_onboarding',
      clientId: input.clientId,
      stage,
      stageLabel: onboardingStageInfo[stage].label,
      progress: onboardingStageInfo[stage].progress,
      status: stage === 'completed' ? 'completed' : 'active',
      waitingFor: waiting
        ? { ...waiting, since: (waitingSince ?? new Date(workflowInfo().startTime)).toISOString() }
        : null,
      nextDeadline: followUpDueAt
        ? { label: 'Staff follow-up if the profile has not arrived', at: followUpDueAt.toISOString() }
        : null,
      reminders: {
        sent: remindersSent,
        planned: intervals.length,
        nextAt: nextReminderAt?.toISOString() ?? null,
        notSentReason: null,
        escalated: followUpTaskId !== null,
      },
      openTasks:
        followUpTaskId && stage === 'awaiting_profile'
          ? [
              {
                taskId: followUpTaskId,
                title: 'Follow up: client has not completed their portal profile',
                assigneeRole: null,
              },
            ]
          : [],
      lastError: null,
      cancellation: null,
      profileSubmittedAt: submission?.submittedAt ?? null,
      completedAt: completedAt?.toISOString() ?? null,
      invitationsResent: 0,
    };
  };

  setHandler(getStatusQuery, status);
  refuseStaffUpdate(cancelEngagementUpdate, startedBefore.cancel);
  refuseStaffUpdate(resendInvitationUpdate, startedBefore.resend);
  refuseStaffUpdate(reassignFollowUpUpdate, startedBefore.reassign);
  setHandler(profileSubmittedSignal, (received) => {
    if (submission) {
      log.info('profile already received; ignoring a second submission');
      return;
    }
    submission = received;
  });

  /** Moves to a stage (or records an event in the current one) and projects it to the read model. */
  const record = async (kind: string, message: string, next: TOnboardingStage = stage): Promise<void> => {
    if (next === 'awaiting_profile' && !waitingSince) waitingSince = new Date();
    stage = next;
    upsertSearchAttributes([{ key: stageKey, value: stage }]);
    eventSeq += 1;
    await acts.recordEngagementProgress({
      organizationId: input.organizationId,
      engagementId: input.engagementId,
      workflowId,
      runId,
      stage,
      progress: onboardingStageInfo[stage].progress,
      status: stage === 'completed' ? 'completed' : 'active',
      waitingFor: describeWaitingFor(waitingFor(stage)),
      event: { key: `${workflowId}:${eventSeq}`, kind, message, occurredAt: new Date().toISOString() },
    });
  };

  await acts.createClientRecord({ ...input, workflowId, runId });
  await record('started', 'Onboarding started');

  await record('stage', 'Sending the portal invitation', 'inviting');
  await acts.sendOnboardingEmail({
    organizationId: input.organizationId,
    engagementId: input.engagementId,
    contactId: input.contact.id,
    workflowId,
    kind: 'invitation',
  });

  // Known before the stage changes, so a status query never sees the wait without its next reminder.
  nextReminderAt = addSeconds(new Date(), intervals[0] ?? 0);
  await record('invitation_sent', `Portal invitation emailed to the client`, 'awaiting_profile');

  for (const [index, seconds] of intervals.entries()) {
    nextReminderAt = addSeconds(new Date(), seconds);
    if (await condition(() => submission !== undefined, seconds * 1000)) break;
    const reminderNumber = index + 1;
    await acts.sendOnboardingEmail({
      organizationId: input.organizationId,
      engagementId: input.engagementId,
      contactId: input.contact.id,
      workflowId,
      kind: 'reminder',
      reminderNumber,
    });
    remindersSent = reminderNumber;
    nextReminderAt = null;
    await record('reminder_sent', `Reminder ${reminderNumber} of ${intervals.length} emailed to the client`);
  }
  nextReminderAt = null;

  if (!submission) {
    followUpDueAt = addSeconds(new Date(), input.reminders.followUpAfterSeconds);
    if (!(await condition(() => submission !== undefined, input.reminders.followUpAfterSeconds * 1000))) {
      const task = await acts.createFollowUpTask({
        organizationId: input.organizationId,
        engagementId: input.engagementId,
        clientId: input.clientId,
        workflowId,
        assigneeUserId: input.startedByUserId,
        remindersSent,
      });
      followUpTaskId = task.taskId;
      await record(
        'follow_up_created',
        'No profile after the last reminder: follow-up task opened for staff',
      );
      await condition(() => submission !== undefined);
    }
    followUpDueAt = null;
  }

  const received = receivedSubmission(submission);
  await acts.saveClientProfile({
    organizationId: input.organizationId,
    clientId: input.clientId,
    contactId: received.contactId,
    profile: received.profile,
    submittedAt: received.submittedAt,
  });
  await record('profile_received', 'Client submitted their profile', 'profile_received');

  if (followUpTaskId)
    await acts.completeFollowUpTask({ organizationId: input.organizationId, taskId: followUpTaskId });

  completedAt = new Date();
  await record('completed', 'Onboarding complete', 'completed');

  return {
    clientId: input.clientId,
    remindersSent,
    followUpTaskCreated: followUpTaskId !== null,
    completedAt: completedAt.toISOString(),
  };
}

/** Registers a staff update whose validator always refuses, readably (a refusal leaves no history). */
function refuseStaffUpdate<Ret, Args extends unknown[]>(
  update: UpdateDefinition<Ret, Args>,
  reason: string,
): void {
  setHandler(
    update,
    (..._args: Args): never => {
      throw new Error('unreachable: the validator refuses every staff update of this run');
    },
    {
      validator: (..._args: Args): void => rejectUpdate(reason, 'started_before_staff_actions'),
    },
  );
}

function receivedSubmission(submission: TProfileSubmission | undefined): TProfileSubmission {
  if (!submission) throw new Error('unreachable: the profile wait ended without a submission');
  return submission;
}

function waitingFor(stage: TOnboardingStage): { what: string; from: 'client' } | null {
  switch (stage) {
    case 'awaiting_profile':
      return { what: 'Client profile', from: 'client' };
    case 'creating_client':
    case 'inviting':
    case 'profile_received':
    case 'completed':
    case 'cancelled':
      return null;
  }
}

function describeWaitingFor(w: { what: string; from: 'client' } | null): string | null {
  return w ? `${w.what} (from the ${w.from})` : null;
}
