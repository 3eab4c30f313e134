/**
 * The Temporal Schedule `platform-maintenance`, which starts the platform maintenance workflow
 * every few minutes (15 by default) on the `integrations` task queue. The worker process that
 * serves that queue creates it at startup, or brings an existing one up to date, so a second
 * start (or a second worker) never makes a second schedule.
 *
 * Policies, set explicitly:
 * - overlap SKIP: a round still running (a slow batch, a worker that was down) makes the next one be
 *   skipped, never stacked: the next round does the same work anyway;
 * - catchupWindow: one interval. After an outage at most the latest missed round is taken; running
 *   every missed round would only repeat the same sweep.
 */
import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleOptions,
} from '@temporalio/client';
import {
  platformMaintenanceScheduleId,
  platformMaintenanceWorkflowId,
  platformMaintenanceWorkflowType,
  type TPlatformMaintenanceInput,
} from '../../workflows/maintenance/platform-maintenance.contracts';
import { taskQueues } from '../../workflows/shared/task-queues';

export interface TMaintenanceScheduleOptions {
  /** Minutes between rounds (1 to 1440). */
  everyMinutes: number;
  /** false pauses an existing schedule (and creates none). */
  enabled: boolean;
  /** Where the workflow runs (tests use their own queue). */
  taskQueue?: string;
  /** The schedule's ID (tests use their own). */
  scheduleId?: string;
  input?: TPlatformMaintenanceInput;
}

const note = (minutes: number) => `Platform maintenance every ${minutes} minutes (workers/env.ts)`;
const pausedNote = 'Paused: MAINTENANCE_SCHEDULE_ENABLED is false';

export function maintenanceScheduleOptions(options: TMaintenanceScheduleOptions): ScheduleOptions {
  const { everyMinutes } = options;
  if (!Number.isInteger(everyMinutes) || everyMinutes < 1 || everyMinutes > 1440) {
    throw new RangeError('The maintenance interval must be a whole number of minutes from 1 to 1440');
  }
  return {
    scheduleId: options.scheduleId ?? platformMaintenanceScheduleId,
    spec: { intervals: [{ every: `${everyMinutes} minutes` }] },
    action: {
      type: 'startWorkflow',
      workflowType: platformMaintenanceWorkflowType,
      workflowId: platformMaintenanceWorkflowId,
      taskQueue: options.taskQueue ?? taskQueues.integrations,
      args: [options.input ?? {}],
      workflowExecutionTimeout: `${Math.max(everyMinutes * 4, 60)} minutes`,
    },
    policies: {
      overlap: ScheduleOverlapPolicy.SKIP,
      catchupWindow: `${everyMinutes} minutes`,
      pauseOnFailure: false,
    },
    state: { paused: false, note: note(everyMinutes) },
  };
}

/**
 * Creates the maintenance schedule, or updates the existing one (interval, action, policies) in
 * place. Disabled, it pauses an existing schedule and creates none. Safe to call at every startup.
 */
export async function upsertMaintenanceSchedule(
  temporal: Client,
  options: TMaintenanceScheduleOptions,
): Promise<'created' | 'updated' | 'paused' | 'absent'> {
  const wanted = maintenanceScheduleOptions(options);
  const handle = temporal.schedule.getHandle(wanted.scheduleId);
  if (!options.enabled) {
    try {
      await handle.update((previous) => ({
        ...previous,
        state: { ...previous.state, paused: true, note: pausedNote },
      }));
      return 'paused';
    } catch (error) {
      if (error instanceof ScheduleNotFoundError) return 'absent';
      throw error;
    }
  }
  try {
    await temporal.schedule.create(wanted);
    return 'created';
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
    await handle.update((previous) => ({
      ...previous,
      spec: wanted.spec,
      action: wanted.action,
      policies: { ...previous.policies, ...wanted.policies },
      state: { ...previous.state, paused: false, note: wanted.state?.note },
    }));
    return 'updated';
  }
}
