import { fileURLToPath } from 'node:url';
import type { Client as TemporalClient } from '@temporalio/client';
import type { DataConverter, Duration } from '@temporalio/common';
import { Worker, type NativeConnection, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Ledger } from '../integrations/ledger/ledger';
import type { Payments } from '../integrations/payments/payments';
import type { BlobStorage } from '../integrations/storage/blob-storage';
import { createBillingActivities } from '../activities/billing/billing.activities';
import { createCloseLedgerActivities } from '../activities/close/close-ledger.activities';
import { createLedgerActivities } from '../activities/ledger/ledger.activities';
import {
  createMaintenanceActivities,
  type TMaintenanceConfig,
} from '../activities/maintenance/maintenance.activities';
import { taskQueues } from '../workflows/shared/task-queues';
import { dataConverterFromEnv } from '../lib/temporal/data-converter';
import type { TWorkerConcurrency } from './create-engagements-worker';

export interface IntegrationsWorkerDeps {
  connection: NativeConnection;
  namespace: string;
  orm: MikroORM;
  payments: Payments;
  /** null when QuickBooks is not configured for this installation: the ledger activities are left out. */
  ledger: Ledger | null;
  storage: BlobStorage;
  taskQueue?: string;
  concurrency?: TWorkerConcurrency;
  shutdownGraceTime?: Duration;
  /** Encrypts payloads (lib/temporal); this process's TEMPORAL_PAYLOAD_KEYS when not given. */
  dataConverter?: DataConverter;
  /**
   * The worker's own Temporal client. With it the worker also runs the platform maintenance
   * workflow and its activities (workflows/maintenance), which signal engagements and closes.
   */
  temporal?: TemporalClient;
  /** Batch sizes and thresholds of the maintenance jobs (their defaults otherwise). */
  maintenance?: Partial<TMaintenanceConfig>;
  /** A prebuilt workflow bundle that includes the maintenance workflow (tests build it once). */
  workflowBundle?: WorkflowBundleWithSourceMap;
}

export const maintenanceWorkflowsPath = fileURLToPath(
  new URL('../workflows/maintenance/index.ts', import.meta.url),
);

/**
 * The worker of the `integrations` task queue: calls to Stripe and QuickBooks, limited per realm by
 * the ledger adapter. Their workflows run on `engagements`; given a Temporal client, this worker
 * also runs the platform maintenance workflow and its jobs (workflows/maintenance).
 */
export async function createIntegrationsWorker(deps: IntegrationsWorkerDeps): Promise<Worker> {
  const { ledger } = deps;
  const activities = {
    ...createBillingActivities(deps),
    ...(ledger
      ? {
          ...createLedgerActivities({ ledger, orm: deps.orm }),
          ...createCloseLedgerActivities({ ledger, orm: deps.orm, storage: deps.storage }),
        }
      : {}),
    ...(deps.temporal
      ? createMaintenanceActivities({
          orm: deps.orm,
          storage: deps.storage,
          payments: deps.payments,
          ledger,
          temporal: deps.temporal,
          config: deps.maintenance,
        })
      : {}),
  };
  const maintenanceWorkflows = deps.temporal
    ? deps.workflowBundle
      ? { workflowBundle: deps.workflowBundle }
      : { workflowsPath: maintenanceWorkflowsPath }
    : {};
  return Worker.create({
    connection: deps.connection,
    namespace: deps.namespace,
    dataConverter: deps.dataConverter ?? dataConverterFromEnv(process.env, 'worker'),
    taskQueue: deps.taskQueue ?? taskQueues.integrations,
    activities,
    ...maintenanceWorkflows,
    maxConcurrentActivityTaskExecutions: deps.concurrency?.activities ?? 5,
    shutdownGraceTime: deps.shutdownGraceTime ?? '30 seconds',
  });
}
