import type { DataConverter, Duration } from '@temporalio/common';
import { Worker, type NativeConnection, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { DocumentAi } from '../integrations/document-ai/document-ai';
import type { BlobStorage } from '../integrations/storage/blob-storage';
import { createDocumentProcessingActivities } from '../activities/documents/document-processing.activities';
import { createDocumentAiActivities } from '../activities/documents/extract-document.activities';
import { createDocumentUploadActivities } from '../activities/documents/verify-upload.activities';
import { taskQueues } from '../workflows/shared/task-queues';
import { dataConverterFromEnv } from '../lib/temporal/data-converter';
import { workflowsPath, type TWorkerConcurrency } from './create-engagements-worker';

export interface DocumentsWorkerDeps {
  connection: NativeConnection;
  namespace: string;
  orm: MikroORM;
  storage: BlobStorage;
  documentAi: DocumentAi;
  workflowBundle?: WorkflowBundleWithSourceMap;
  taskQueue?: string;
  /** OCR is CPU-heavy: keep `activities` near the machine's cores (default 2). */
  concurrency?: TWorkerConcurrency;
  shutdownGraceTime?: Duration;
  /** Encrypts payloads (lib/temporal); this process's TEMPORAL_PAYLOAD_KEYS when not given. */
  dataConverter?: DataConverter;
  decorateActivities?: (activities: DocumentsQueueActivities) => DocumentsQueueActivities;
}

export function documentsQueueActivities(deps: DocumentsWorkerDeps) {
  return {
    ...createDocumentUploadActivities(deps),
    ...createDocumentAiActivities(deps),
    ...createDocumentProcessingActivities(deps),
  };
}
export type DocumentsQueueActivities = ReturnType<typeof documentsQueueActivities>;

/**
 * The worker of the `documents` task queue: document-processing child workflows and the heavy
 * activities they run (verifying uploads, reading documents with OCR or Document Intelligence).
 */
export async function createDocumentsWorker(deps: DocumentsWorkerDeps): Promise<Worker> {
  const activities = documentsQueueActivities(deps);
  return Worker.create({
    connection: deps.connection,
    namespace: deps.namespace,
    dataConverter: deps.dataConverter ?? dataConverterFromEnv(process.env, 'worker'),
    taskQueue: deps.taskQueue ?? taskQueues.documents,
    ...(deps.workflowBundle ? { workflowBundle: deps.workflowBundle } : { workflowsPath }),
    activities: deps.decorateActivities ? deps.decorateActivities(activities) : activities,
    maxConcurrentActivityTaskExecutions: deps.concurrency?.activities ?? 2,
    ...(deps.concurrency?.workflowTasks
      ? { maxConcurrentWorkflowTaskExecutions: deps.concurrency.workflowTasks }
      : {}),
    // A long OCR run gets time to finish; after it, Temporal retries it on another worker.
    shutdownGraceTime: deps.shutdownGraceTime ?? '30 seconds',
  });
}
