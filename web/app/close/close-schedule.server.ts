/**
 * The Temporal Schedule of a client's monthly close (`close-schedule:<clientId>`): created, updated
 * or removed with the client's bookkeeping service. Each action starts the monthly kickoff, which
 * starts `close:<clientId>:<yyyy-mm>` for the previous month.
 *
 * Policies, set explicitly:
 * - catchupWindow 10 days: actions missed while Temporal was down are still taken if it comes back
 *   within ten days (the SDK's default of a year would close long-gone months unattended);
 * - overlap BUFFER_ONE: a kickoff still running (its worker was down) makes the next one wait
 *   instead of being dropped; kickoffs finish in seconds and each month's close has its own ID, so
 *   closes of different months never block each other.
 */
import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleOptions,
} from '@temporalio/client';
import {
  closeScheduleDefinition,
  closeScheduleId,
  type TCloseKickoffInputIn,
  type TCloseScheduleDefinition,
} from '../../../workflows/close/monthly-close.contracts';
import {
  clientIdKey,
  engagementTypeKey,
  organizationIdKey,
} from '../../../workflows/shared/search-attributes';
import { taskQueues } from '../../../workflows/shared/task-queues';

function scheduleOptions(definition: TCloseScheduleDefinition, taskQueue: string): ScheduleOptions {
  return {
    scheduleId: definition.scheduleId,
    spec: {
      calendars: [{ dayOfMonth: definition.dayOfMonth, hour: definition.hour, minute: 0, second: 0 }],
      timezone: definition.timeZone,
    },
    action: {
      type: 'startWorkflow',
      workflowType: definition.workflowType,
      workflowId: definition.workflowId,
      taskQueue,
      args: [definition.input],
      typedSearchAttributes: [
        { key: organizationIdKey, value: definition.input.organizationId },
        { key: clientIdKey, value: definition.input.clientId },
        { key: engagementTypeKey, value: 'monthly_close' },
      ],
    },
    policies: {
      catchupWindow: definition.catchupWindowMs,
      overlap: ScheduleOverlapPolicy[definition.overlap],
      pauseOnFailure: false,
    },
    state: { paused: false, note: 'Monthly close of the client’s bookkeeping service' },
  };
}

/**
 * Creates the client's close schedule, or brings an existing one up to date (day, time zone, bank
 * accounts) and unpaused. Safe to call again.
 */
export async function upsertCloseSchedule(
  temporal: Client,
  options: {
    input: TCloseKickoffInputIn;
    dayOfMonth: number;
    timeZone: string;
    /** Where the kickoff runs (tests use their own queue). */
    taskQueue?: string;
  },
): Promise<'created' | 'updated'> {
  const definition = closeScheduleDefinition(options);
  const wanted = scheduleOptions(definition, options.taskQueue ?? taskQueues.engagements);
  try {
    await temporal.schedule.create(wanted);
    return 'created';
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
    await temporal.schedule.getHandle(definition.scheduleId).update((previous) => ({
      ...previous,
      spec: wanted.spec,
      action: wanted.action,
      policies: { ...previous.policies, ...wanted.policies },
      state: { ...previous.state, paused: false, note: wanted.state?.note },
    }));
    return 'updated';
  }
}

/** Deletes the client's close schedule; false when there was none. Running closes carry on. */
export async function removeCloseSchedule(temporal: Client, clientId: string): Promise<boolean> {
  try {
    await temporal.schedule.getHandle(closeScheduleId(clientId)).delete();
    return true;
  } catch (error) {
    if (error instanceof ScheduleNotFoundError) return false;
    throw error;
  }
}

export interface TCloseScheduleSummary {
  scheduleId: string;
  paused: boolean;
  /** ISO times of the next actions. */
  nextRuns: string[];
  /** ISO times of the last actions taken. */
  recentRuns: string[];
}

/** What the schedule will do next, for the client's bookkeeping page; null when there is none. */
export async function describeCloseSchedule(
  temporal: Client,
  clientId: string,
): Promise<TCloseScheduleSummary | null> {
  try {
    const description = await temporal.schedule.getHandle(closeScheduleId(clientId)).describe();
    return {
      scheduleId: description.scheduleId,
      paused: description.state.paused,
      nextRuns: description.info.nextActionTimes.slice(0, 3).map((t) => t.toISOString()),
      recentRuns: description.info.recentActions.slice(-3).map((a) => a.scheduledAt.toISOString()),
    };
  } catch (error) {
    if (error instanceof ScheduleNotFoundError) return null;
    throw error;
  }
}
