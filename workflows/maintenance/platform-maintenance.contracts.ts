/**
 * The platform's periodic upkeep: one workflow, `platformMaintenanceWorkflow`, started every few
 * minutes by the Temporal Schedule `platform-maintenance` (created by the worker process at startup,
 * activities/maintenance/maintenance-schedule.ts) on the `integrations` task queue. Each job is one
 * activity with a bounded batch and idempotent effects; the jobs run independently, and the result
 * says per job what it did or why it failed.
 */
import { z } from 'zod';

export const platformMaintenanceWorkflowType = 'platformMaintenanceWorkflow';
export const platformMaintenanceScheduleId = 'platform-maintenance';
/** The schedule's workflow ID prefix (Temporal appends each action's scheduled time). */
export const platformMaintenanceWorkflowId = 'platform-maintenance';

export const maintenanceJobs = [
  /** Direct uploads that were never completed: expired, their blobs deleted. */
  'expireAbandonedUploads',
  /** Stripe webhook events left `received` (the web's fast path gave up or its process stopped). */
  'sweepStripeEvents',
  /** QuickBooks connections whose refresh token runs out soon because nobody used it. */
  'refreshIdleLedgerConnections',
  /** QuickBooks webhook changes whose close could not be told. */
  'retryQuickbooksEvents',
] as const;
export type TMaintenanceJob = (typeof maintenanceJobs)[number];

export const ZPlatformMaintenanceInput = z.object({
  /** Which jobs to run (all unless given). */
  jobs: z.array(z.enum(maintenanceJobs)).min(1).optional(),
});
export type TPlatformMaintenanceInput = z.infer<typeof ZPlatformMaintenanceInput>;

/** What one job's activity reports: how many of each thing it handled, or why it did nothing. */
export type TMaintenanceJobOutcome =
  { status: 'done'; counts: Record<string, number> } | { status: 'skipped'; reason: string };

export type TMaintenanceJobResult = TMaintenanceJobOutcome | { status: 'failed'; error: string };

export interface TPlatformMaintenanceResult {
  jobs: Partial<Record<TMaintenanceJob, TMaintenanceJobResult>>;
  /** The jobs that failed after their retries (the others finished regardless). */
  failed: TMaintenanceJob[];
}

/** The activity that runs each job (activities/maintenance/maintenance.activities.ts). */
export const maintenanceActivityOf = {
  expireAbandonedUploads: 'maintenanceExpireAbandonedUploads',
  sweepStripeEvents: 'maintenanceSweepStripeEvents',
  refreshIdleLedgerConnections: 'maintenanceRefreshIdleLedgerConnections',
  retryQuickbooksEvents: 'maintenanceRetryQuickbooksEvents',
} as const satisfies Record<TMaintenanceJob, string>;
