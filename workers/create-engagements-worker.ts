import { fileURLToPath } from 'node:url';
import type { Client as TemporalClient } from '@temporalio/client';
import type { DataConverter, Duration } from '@temporalio/common';
import { Worker, type NativeConnection, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Mailer } from '../integrations/email/mailer';
import type { LiveUpdatesPublisher } from '../integrations/live-updates/live-updates';
import { createCloseActivities } from '../activities/close/close.activities';
import { createDocumentIntakeActivities } from '../activities/documents/document-intake.activities';
import { createEngagementActivities } from '../activities/engagements/engagement.activities';
import { createOnboardingActivities } from '../activities/onboarding/onboarding.activities';
import { createBulkStartActivities } from '../activities/tax-return/bulk-start.activities';
import { createTaxReturnActivities } from '../activities/tax-return/tax-return.activities';
import { taskQueues } from '../workflows/shared/task-queues';
import { dataConverterFromEnv } from '../lib/temporal/data-converter';

export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

/** How many tasks one worker runs at once; Temporal's defaults when not given. */
export interface TWorkerConcurrency {
  activities?: number;
  workflowTasks?: number;
}

export interface EngagementsWorkerDeps {
  connection: NativeConnection;
  namespace: string;
  orm: MikroORM;
  mailer: Mailer;
  liveUpdates: LiveUpdatesPublisher;
  publicUrl: string;
  /**
   * The worker's own Temporal client, for activities that start or update workflows (bulk start of
   * tax returns, the close talking to its intake). Without it those activities are not registered.
   */
  temporal?: TemporalClient;
  /** A prebuilt workflow bundle (tests build it once); otherwise the worker bundles workflowsPath. */
  workflowBundle?: WorkflowBundleWithSourceMap;
  taskQueue?: string;
  concurrency?: TWorkerConcurrency;
  /** How long running activities may finish after shutdown starts (default 30 seconds). */
  shutdownGraceTime?: Duration;
  /** Encrypts payloads (lib/temporal); this process's TEMPORAL_PAYLOAD_KEYS when not given. */
  dataConverter?: DataConverter;
  /** Wraps activities, e.g. to inject failures in tests. */
  decorateActivities?: (activities: EngagementsQueueActivities) => EngagementsQueueActivities;
}

/** The activities every engagements worker has (the optional ones are added when their deps are given). */
export function engagementsQueueActivities(deps: EngagementsWorkerDeps) {
  return {
    ...createOnboardingActivities(deps),
    ...createEngagementActivities(deps),
    ...createDocumentIntakeActivities(deps),
    ...createTaxReturnActivities(deps),
  };
}
export type EngagementsQueueActivities = ReturnType<typeof engagementsQueueActivities>;

/** The worker of the `engagements` task queue: engagement workflows and their light activities. */
export async function createEngagementsWorker(deps: EngagementsWorkerDeps): Promise<Worker> {
  const core = engagementsQueueActivities(deps);
  const taskQueue = deps.taskQueue ?? taskQueues.engagements;
  const activities = {
    ...(deps.decorateActivities ? deps.decorateActivities(core) : core),
    ...(deps.temporal
      ? {
          ...createCloseActivities({ orm: deps.orm, temporal: deps.temporal }),
          ...createBulkStartActivities({ orm: deps.orm, temporal: deps.temporal, taskQueue }),
        }
      : {}),
  };
  return Worker.create({
    connection: deps.connection,
    namespace: deps.namespace,
    dataConverter: deps.dataConverter ?? dataConverterFromEnv(process.env, 'worker'),
    taskQueue,
    ...(deps.workflowBundle ? { workflowBundle: deps.workflowBundle } : { workflowsPath }),
    activities,
    ...(deps.concurrency?.activities
      ? { maxConcurrentActivityTaskExecutions: deps.concurrency.activities }
      : {}),
    ...(deps.concurrency?.workflowTasks
      ? { maxConcurrentWorkflowTaskExecutions: deps.concurrency.workflowTasks }
      : {}),
    shutdownGraceTime: deps.shutdownGraceTime ?? '30 seconds',
  });
}
