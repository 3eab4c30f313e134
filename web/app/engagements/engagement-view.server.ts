import { WorkflowNotFoundError } from '@temporalio/client';
import type { TEngagementStatus } from '../../../db/engagements/engagement.entity';
import { User } from '../../../db/users/user.entity';
import type { EntityManager } from '../../../db/types';
import { isAppError } from '../../../lib/errors';
import {
  onboardingStageInfo,
  onboardingWorkflowId,
  type TOnboardingStage,
} from '../../../workflows/onboarding/client-onboarding.contracts';
import {
  getEngagementStatusQuery,
  type TEngagementStatusView,
} from '../../../workflows/shared/engagement.contracts';
import { readOnboardingState } from '../onboarding/onboarding-workflow.server';
import { documentIntakeWorkflowId } from '../../../workflows/intake/document-intake.contracts';
import { callTemporal, temporalUiUrl } from '../temporal/temporal.server';
import type { TEngagementVisibility } from '../auth/permissions.server';
import type { TDateFormat } from '../ui/dates.server';
import { engagementOpenTasks, engagementTimeline, findEngagement } from './engagement-queries.server';
import { stepInWords, type TFailingStep } from './failing-step';
import { engagementTypeLabels, isOnboardingStage, stageLabel, stageSteps } from './stages.server';

const readTimeoutMs = 3_000;

interface TWhen {
  at: string;
  relative: string;
}

/** The live details only the running workflow knows (the shared `getStatus` view of every engagement). */
export interface TLiveDetails {
  waitingFor: { what: string; from: string; since: TWhen } | null;
  reminders: {
    sent: number;
    planned: number;
    next: TWhen | null;
    notSentReason: string | null;
    escalated: boolean;
  };
  nextDeadline: (TWhen & { label: string }) | null;
  openTasks: { taskId: string; title: string; assigneeRole: string | null }[];
  /** The step the workflow keeps failing at (`lastError`), in words. */
  failingStep: TFailingStep | null;
  cancellation: { reason: string; by: string | null; at: TWhen } | null;
}

/** Engagement types whose workflow takes `retryFailedStep` (onboarding does not yet). */
const retryableTypes = new Set(['client_onboarding', 'document_intake', 'tax_return', 'monthly_close']);

/** "in 25 seconds" (the page's relative times round anything under a minute to "just now"). */
function nextTryIn(retryAt: Date, format: TDateFormat): string {
  const seconds = Math.round((retryAt.getTime() - Date.now()) / 1_000);
  if (seconds <= 0) return 'any moment now';
  if (seconds < 60) return seconds === 1 ? 'in 1 second' : `in ${seconds} seconds`;
  return format.relative(retryAt);
}

function failingStep(
  status: TEngagementStatusView,
  format: TDateFormat,
  running: boolean,
): TFailingStep | null {
  const failure = status.lastError;
  // A run cancelled while a step was failing did not give up on it: its cancellation is the news.
  if (!failure || (!running && status.cancellation)) return null;
  const retryAt = running && failure.retryAt ? new Date(failure.retryAt) : null;
  return {
    step: stepInWords(failure.activity),
    message: failure.message,
    attempt: failure.attempt,
    nextTry: retryAt ? nextTryIn(retryAt, format) : null,
    // Without a retry time, a run that still goes is trying the step again; any other has given up.
    gaveUp: !retryAt && (!running || status.status !== 'active'),
    retryable: retryAt !== null && retryableTypes.has(status.type),
  };
}

function liveDetails(
  status: TEngagementStatusView,
  format: TDateFormat,
  names: ReadonlyMap<string, string>,
  running = true,
): TLiveDetails {
  const when = (iso: string): TWhen => {
    const date = new Date(iso);
    return { at: format.dateTime(date), relative: format.relative(date) };
  };
  return {
    waitingFor: status.waitingFor
      ? { what: status.waitingFor.what, from: status.waitingFor.from, since: when(status.waitingFor.since) }
      : null,
    reminders: {
      sent: status.reminders.sent,
      planned: status.reminders.planned,
      next: status.reminders.nextAt ? when(status.reminders.nextAt) : null,
      notSentReason: status.reminders.notSentReason,
      escalated: status.reminders.escalated,
    },
    nextDeadline: status.nextDeadline
      ? { label: status.nextDeadline.label, ...when(status.nextDeadline.at) }
      : null,
    openTasks: status.openTasks.map((t) => ({ ...t })),
    failingStep: failingStep(status, format, running),
    cancellation: status.cancellation
      ? {
          reason: status.cancellation.reason,
          by: status.cancellation.byUserId ? (names.get(status.cancellation.byUserId) ?? null) : null,
          at: when(status.cancellation.at),
        }
      : null,
  };
}

/** Names of the staff a status mentions (who cancelled), for the page. */
async function staffNames(em: EntityManager, status: TEngagementStatusView | null) {
  const ids = status?.cancellation?.byUserId ? [status.cancellation.byUserId] : [];
  if (ids.length === 0) return new Map<string, string>();
  const users = await em.find(User, { id: { $in: ids } });
  return new Map(users.map((u) => [u.id, u.name]));
}

export interface TLiveNote {
  tone: 'info' | 'warning';
  text: string;
}

/** What Temporal says about an engagement's workflow right now. */
export type TEngagementLiveState =
  /** `status` is null when no worker answered the query in time. */
  | { kind: 'running'; runId: string; status: TEngagementStatusView | null }
  | { kind: 'closed'; runId: string; closeStatus: string; status: TEngagementStatusView | null }
  | { kind: 'not_found' }
  /** The row was written without a workflow (demo seed data): its recorded history is all there is. */
  | { kind: 'no_workflow' }
  | { kind: 'unavailable' };

/** Why the page shows the stored read model instead of live details; null when live details are shown. */
function liveNote(state: TEngagementLiveState): TLiveNote | null {
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
    case 'no_workflow':
      return {
        tone: 'info',
        text: 'This engagement was recorded without a workflow (demo data), so there are no live reminders or deadlines. The page shows its recorded history.',
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

/** Engagement types whose work runs as a workflow (the row's `workflowId` names it). */
const workflowTypes = new Set(['client_onboarding', 'document_intake', 'tax_return', 'monthly_close']);

/**
 * What the engagement's workflow says now, through the shared `getStatus` query every engagement
 * workflow answers. The engagement row was found in the caller's firm and names the workflow; a
 * status about another engagement is treated as not found. Rows written by the demo seed have no
 * workflow (`seed:` IDs), so Temporal is not asked about them. Never throws for Temporal being down.
 */
async function readLiveState(engagement: {
  id: string;
  type: string;
  workflowId: string;
  runId?: string | null;
  status: string;
}): Promise<TEngagementLiveState> {
  if (!workflowTypes.has(engagement.type) || engagement.workflowId.startsWith('seed:')) {
    const closeStatus = { completed: 'COMPLETED', cancelled: 'CANCELED', failed: 'FAILED' }[
      engagement.status
    ];
    return closeStatus
      ? { kind: 'closed', runId: engagement.runId ?? '', closeStatus, status: null }
      : { kind: 'no_workflow' };
  }
  const { workflowId } = engagement;
  try {
    return await callTemporal('read engagement status', readTimeoutMs, async (client) => {
      const handle = client.workflow.getHandle(workflowId);
      const description = await handle.describe();
      const status = await handle.query(getEngagementStatusQuery).catch((error: unknown) => {
        console.warn(
          `getStatus of ${workflowId} failed: ${error instanceof Error ? error.message : String(error)}`,
        );
        return null;
      });
      if (status && status.engagementId !== engagement.id) return { kind: 'not_found' } as const;
      if (description.status.name !== 'RUNNING')
        return {
          kind: 'closed',
          runId: description.runId,
          closeStatus: description.status.name,
          status,
        } as const;
      return { kind: 'running', runId: description.runId, status } as const;
    });
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return { kind: 'not_found' };
    if (isAppError(error) && error.code === 'unavailable') return { kind: 'unavailable' };
    throw error;
  }
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
  // A closed run still answers its query for a while: its cancellation, or the step it gave up on, is worth showing.
  const shown =
    status ??
    (live.kind === 'closed' && (live.status?.cancellation || live.status?.lastError) ? live.status : null);
  const stage = status?.stage ?? engagement.stage;
  const completed = engagement.status === 'completed' || stage === 'completed';
  const runId = (live.kind === 'running' || live.kind === 'closed' ? live.runId : engagement.runId) || null;
  const timeline = await engagementTimeline(em, { ...input, type: engagement.type });

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
        engagement.status === 'failed'
          ? 'Nothing: this engagement failed.'
          : (engagement.waitingFor ??
            (completed ? 'Nothing: this engagement is complete.' : 'Nothing right now.')),
      clientId: engagement.client.id,
      clientName: engagement.client.displayName,
      started: format.dateTime(engagement.createdAt),
      updated: format.relative(engagement.updatedAt),
      completed: engagement.completedAt ? format.dateTime(engagement.completedAt) : null,
    },
    steps: stageSteps(engagement.type, stage, completed),
    live: shown ? liveDetails(shown, format, await staffNames(em, shown), shown === status) : null,
    /** Whether the onboarding's staff actions (cancel, new link) apply now. */
    onboardingActions:
      engagement.type === 'client_onboarding' && status !== null && status.status === 'active'
        ? { awaitingProfile: status.stage === 'awaiting_profile', followUpOpen: status.openTasks.length > 0 }
        : null,
    // A document intake shows its live state (or why it cannot) in its own panel (intake-view.server.ts);
    // a cancelled run's page says so with who cancelled it and why, not that the workflow finished.
    liveNote:
      (engagement.type === 'document_intake' &&
        engagement.workflowId === documentIntakeWorkflowId(engagement.id)) ||
      shown?.cancellation ||
      engagement.status === 'failed'
        ? null
        : liveNote(live),
    timeline,
    /** Why a failed engagement stopped: its last timeline event names the step and the reason. */
    failure:
      engagement.status === 'failed'
        ? { reason: timeline[0]?.message ?? 'The workflow stopped without recording why.' }
        : null,
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
    live: status ? liveDetails(status, input.format, new Map()) : null,
    onboardingActions: null,
    liveNote: note,
    timeline: [],
    failure: null,
    tasks: [],
    workflowId,
    temporalUiUrl: temporalUiUrl(workflowId, live.runId),
  };
}
