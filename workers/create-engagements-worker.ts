import { fileURLToPath } from 'node:url';
import { Worker, type NativeConnection, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Mailer } from '../integrations/email/mailer';
import type { LiveUpdatesPublisher } from '../integrations/live-updates/live-updates';
import {
  createOnboardingActivities,
  type OnboardingActivities,
} from '../activities/onboarding/onboarding.activities';
import { taskQueues } from '../workflows/shared/task-queues';

export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

export interface EngagementsWorkerDeps {
  connection: NativeConnection;
  namespace: string;
  orm: MikroORM;
  mailer: Mailer;
  liveUpdates: LiveUpdatesPublisher;
  publicUrl: string;
  /** A prebuilt workflow bundle (tests build it once); otherwise the worker bundles workflowsPath. */
  workflowBundle?: WorkflowBundleWithSourceMap;
  taskQueue?: string;
  /** Wraps activities, e.g. to inject failures in tests. */
  decorateActivities?: (activities: OnboardingActivities) => OnboardingActivities;
}

/** The worker of the `engagements` task queue: engagement workflows and their light activities. */
export async function createEngagementsWorker(deps: EngagementsWorkerDeps): Promise<Worker> {
  const activities = createOnboardingActivities(deps);
  return Worker.create({
    connection: deps.connection,
    namespace: deps.namespace,
    taskQueue: deps.taskQueue ?? taskQueues.engagements,
    ...(deps.workflowBundle ? { workflowBundle: deps.workflowBundle } : { workflowsPath }),
    activities: deps.decorateActivities ? deps.decorateActivities(activities) : activities,
  });
}
