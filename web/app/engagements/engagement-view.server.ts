import type { TEngagementStatus } from '../../../db/engagements/engagement.entity';
import type { EntityManager } from '../../../db/types';
import {
  onboardingStageInfo,
  onboardingWorkflowId,
  type TOnboardingStage,
  type TOnboardingStatus,
} from '../../../workflows/onboarding/client-onboarding.contracts';
import { readOnboardingState, type TOnboardingLiveState } from '../onboarding/onboarding-workflow.server';
import { documentIntakeWorkflowId } from '../../../workflows/intake/document-intake.contracts';
import { temporalUiUrl } from '../temporal/temporal.server';
import type { TEngagementVisibility } from '../auth/permissions.server';
import type { TDateFormat } from '../ui/dates.server';
import { engagementOpenTasks, engagementTimeline, findEngagement } from './engagement-queries.server';
import { engagementTypeLabels, isOnboardingStage, stageLabel, stageSteps } from './stages.server';

/** The live details only the running workflow knows (from its getStatus query). */
export interface TLiveDetails {
  waitingFor: { what: string; from: 'client' | 'staff' } | null;
  remindersSent: number;
  remindersPlanned: number;
  nextReminder: { at: string; relative: string } | null;
  followUpDue: { at: string; relative: string } | null;
  followUpTaskCreated: boolean;
}

function liveDetails(status: TOnboardingStatus, format: TDateFormat): TLiveDetails {
  const when = (iso: string | null) => {
    if (!iso) return null;
    const date = new Date(iso);
    return { at: format.dateTime(date), relative: format.relative(date) };
  };
  return {
    waitingFor: status.waitingFor,
    remindersSent: status.remindersSent,
    remindersPlanned: status.remindersPlanned,
    nextReminder: when(status.nextReminderAt),
    followUpDue: when(status.followUpDueAt),
    followUpTaskCreated: status.followUpTaskCreated,
  };
}

export interface TLiveNote {
  tone: 'info' | 'warning';
  text: string;
}

/** Why the page shows the stored read model instead of live details; null when live details are shown. */
function liveNote(state: TOnboardingLiveState): TLiveNote | null {
  switch (state.kind) {
    case 'running':
      return state.status
        ? null
        : {
            tone: 'warning',
            text: 'The workflow did not answer in time (is a worker running?). Showing the last recorded state.',
          };
    case 'closed':
      return state.closeStatus === 'COMPLETED'
        ? { tone: 'info', text: 'This workflow has finished. The page shows its recorded history.' }
        : {
            tone: 'warning',
            text: `This workflow is no longer running (${state.closeStatus.toLowerCase().replaceAll('_', ' ')}). Showing the last recorded state.`,
          };
    case 'not_found':
      return {
        tone: 'warning',
        text: 'Temporal has no record of this workflow (it may have been removed after its retention period). Showing the last recorded state.',
      };
    case 'unavailable':
      return {
        tone: 'warning',
        text: 'Temporal is not reachable right now, so reminders and deadlines are not shown. Showing the last recorded state.',
      };
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The engagement row, polling up to `waitMs` for it: right after a workflow starts, its first
 * activity may not have written the read model yet.
 */
async function waitForEngagement(
  em: EntityManager,
  input: { organizationId: string; engagementId: string; visibility: TEngagementVisibility },
  waitMs: number,
) {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const engagement = await findEngagement(em, input);
    if (engagement || Date.now() >= deadline) return engagement;
    await sleep(200);
    em.clear();
  }
}

const statusLabels: Record<TEngagementStatus, string> = {
  active: 'Active',
  completed: 'Completed',
  cancelled: 'Cancelled',
  failed: 'Failed',
};

/**
 * What the engagement's workflow says now. Only onboarding has a workflow to ask today; for other
 * engagements (seeded history, types whose workflows are not built yet) the stored read model is the
 * whole story, so Temporal is not asked about a workflow it never ran.
 */
async function readLiveState(engagement: {
  type: string;
  workflowId: string;
  runId?: string | null;
  status: string;
  client: { id: string };
  organization: { id: string };
}): Promise<TOnboardingLiveState> {
  if (
    engagement.type === 'client_onboarding' &&
    engagement.workflowId === onboardingWorkflowId(engagement.client.id)
  ) {
    return readOnboardingState(engagement.client.id, engagement.organization.id);
  }
  const closeStatus = { completed: 'COMPLETED', cancelled: 'CANCELED', failed: 'FAILED' }[engagement.status];
  return closeStatus ? { kind: 'closed', runId: engagement.runId ?? '', closeStatus } : { kind: 'not_found' };
}

/**
 * Everything the engagement page shows: the read model (row, timeline, tasks) merged with what the
 * running workflow says right now. Returns null when this firm has no such engagement.
 */
export async function engagementView(
  em: EntityManager,
  input: {
    organizationId: string;
    engagementId: string;
    visibility: TEngagementVisibility;
    format: TDateFormat;
    waitMs?: number;
  },
) {
  const engagement = await waitForEngagement(em, input, input.waitMs ?? 0);
  if (!engagement) return null;
  const { format } = input;
  const live = await readLiveState(engagement);
  const status = live.kind === 'running' ? live.status : null;
  const stage = status?.stage ?? engagement.stage;
  const completed = engagement.status === 'completed' || stage === 'completed';
  const runId = (live.kind === 'running' || live.kind === 'closed' ? live.runId : engagement.runId) || null;

  return {
    pending: false as const,
    engagement: {
      id: engagement.id,
      title: engagement.title,
      type: engagementTypeLabels[engagement.type],
      status: completed ? 'completed' : engagement.status,
      statusLabel: completed ? statusLabels.completed : statusLabels[engagement.status as TEngagementStatus],
      stageLabel: stageLabel(engagement.type, stage),
      progress: status?.progress ?? engagement.progress,
      waitingFor:
        engagement.waitingFor ?? (completed ? 'Nothing: this engagement is complete.' : 'Nothing right now.'),
      clientId: engagement.client.id,
      clientName: engagement.client.displayName,
      started: format.dateTime(engagement.createdAt),
      updated: format.relative(engagement.updatedAt),
      completed: engagement.completedAt ? format.dateTime(engagement.completedAt) : null,
    },
    steps: stageSteps(engagement.type, stage, completed),
    live: status ? liveDetails(status, format) : null,
    // A document intake shows its live state (or why it cannot) in its own panel (intake-view.server.ts).
    liveNote:
      engagement.type === 'document_intake' &&
      engagement.workflowId === documentIntakeWorkflowId(engagement.id)
        ? null
        : liveNote(live),
    timeline: await engagementTimeline(em, { ...input, type: engagement.type }),
    tasks: await engagementOpenTasks(em, input),
    workflowId: engagement.workflowId,
    // Only a workflow Temporal ran (or still runs) has a page there; seeded history does not.
    temporalUiUrl: runId ? temporalUiUrl(engagement.workflowId, runId) : null,
  };
}

/**
 * The page of an engagement whose workflow has started but whose first activity has not yet written
 * the read model. Built from the workflow itself, after checking it belongs to this firm: from its
 * status query, or, when no worker answers, from the stage Temporal records as a search attribute.
 */
export async function pendingEngagementView(input: {
  organizationId: string;
  engagementId: string;
  clientId: string;
  format: TDateFormat;
}) {
  const live = await readOnboardingState(input.clientId, input.organizationId);
  if (live.kind !== 'running') return null;
  const { status } = live;
  if (status && status.engagementId !== input.engagementId) return null;
  const stage: TOnboardingStage =
    status?.stage ?? (isOnboardingStage(live.stage) ? live.stage : 'creating_client');
  const workflowId = onboardingWorkflowId(input.clientId);
  const note: TLiveNote = status
    ? {
        tone: 'info',
        text: 'The workflow has started and is creating the client record. This page updates by itself.',
      }
    : {
        tone: 'warning',
        text: 'The workflow has started, but no worker has picked it up yet (is a worker running?). This page updates by itself.',
      };
  return {
    pending: true as const,
    engagement: {
      id: input.engagementId,
      title: 'Client onboarding',
      type: engagementTypeLabels.client_onboarding,
      status: 'active' as const,
      statusLabel: 'Starting',
      stageLabel: onboardingStageInfo[stage].label,
      progress: onboardingStageInfo[stage].progress,
      waitingFor: 'Nothing right now.',
      clientId: input.clientId,
      clientName: null,
      started: null,
      updated: 'just now',
      completed: null,
    },
    steps: stageSteps('client_onboarding', stage, false),
    live: status ? liveDetails(status, input.format) : null,
    liveNote: note,
    timeline: [],
    tasks: [],
    workflowId,
    temporalUiUrl: temporalUiUrl(workflowId, live.runId),
  };
}
