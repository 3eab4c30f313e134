import { ActivityFailure, ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { MaintenanceActivities } from '../../activities/maintenance/maintenance.activities';
import {
  maintenanceActivityOf,
  maintenanceJobs,
  ZPlatformMaintenanceInput,
  type TMaintenanceJob,
  type TMaintenanceJobResult,
  type TPlatformMaintenanceInput,
  type TPlatformMaintenanceResult,
} from './platform-maintenance.contracts';

const acts = proxyActivities<MaintenanceActivities>({
  // Each job handles one bounded batch and heartbeats per item.
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '2 minutes',
  retry: {
    initialInterval: '5 seconds',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 3,
  },
});

function messageOf(error: unknown): string {
  const cause = error instanceof ActivityFailure ? error.cause : error;
  if (cause instanceof ApplicationFailure) return cause.message;
  return cause instanceof Error ? cause.message : String(cause);
}

/**
 * One round of platform upkeep (see the contracts): every job's activity is started at once and
 * each one's outcome is collected on its own, so a job that fails (after its retries) leaves the
 * others done and is named in `failed`. Short-lived: a schedule starts a new run each time.
 */
export async function platformMaintenanceWorkflow(
  rawInput: TPlatformMaintenanceInput = {},
): Promise<TPlatformMaintenanceResult> {
  const input = ZPlatformMaintenanceInput.parse(rawInput);
  const jobs = maintenanceJobs.filter((job) => !input.jobs || input.jobs.includes(job));
  const settled = await Promise.allSettled(jobs.map((job) => acts[maintenanceActivityOf[job]]()));
  const result: TPlatformMaintenanceResult = { jobs: {}, failed: [] };
  settled.forEach((outcome, index) => {
    const job = jobs[index] as TMaintenanceJob;
    const jobResult: TMaintenanceJobResult =
      outcome.status === 'fulfilled' ? outcome.value : { status: 'failed', error: messageOf(outcome.reason) };
    result.jobs[job] = jobResult;
    if (jobResult.status === 'failed') result.failed.push(job);
  });
  return result;
}
