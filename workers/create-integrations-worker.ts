import type { DataConverter, Duration } from '@temporalio/common';
import { Worker, type NativeConnection } from '@temporalio/worker';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Ledger } from '../integrations/ledger/ledger';
import type { Payments } from '../integrations/payments/payments';
import type { BlobStorage } from '../integrations/storage/blob-storage';
import { createBillingActivities } from '../activities/billing/billing.activities';
import { createCloseLedgerActivities } from '../activities/close/close-ledger.activities';
import { createLedgerActivities } from '../activities/ledger/ledger.activities';
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
}

/**
 * The worker of the `integrations` task queue: calls to Stripe and QuickBooks, limited per realm by
 * the ledger adapter. Activities only (the workflows that call them run on `engagements`).
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
  };
  return Worker.create({
    connection: deps.connection,
    namespace: deps.namespace,
    dataConverter: deps.dataConverter ?? dataConverterFromEnv(process.env, 'worker'),
    taskQueue: deps.taskQueue ?? taskQueues.integrations,
    activities,
    maxConcurrentActivityTaskExecutions: deps.concurrency?.activities ?? 5,
    shutdownGraceTime: deps.shutdownGraceTime ?? '30 seconds',
  });
}
