import { z } from 'zod';
import { parseEnv, zPort } from '../lib/env';
import { taskQueues } from '../workflows/shared/task-queues';
import { checkPayloadKeys, payloadKeysEnvShape } from '../lib/temporal/payload-keys';

const taskQueueNames = Object.values(taskQueues) as [string, ...string[]];
const optionalCount = z.coerce.number().int().min(1).max(1000).optional();
import { checkLedgerEnv, ledgerEnvFields } from '../integrations/ledger/ledger-env';
import { paymentsEnvShape, requirePaymentsSettings } from '../integrations/payments/payments-config';
import {
  documentAiEnvShape,
  requireAzureDocumentAiSettings,
} from '../integrations/document-ai/document-ai-env';

export const ZWorkerEnv = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  DATABASE_URL: z.string().startsWith('postgres', 'must be a postgres:// URL'),
  TEMPORAL_ADDRESS: z.string().min(3).default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  REDIS_URL: z.string().startsWith('redis', 'must be a redis:// URL'),
  SMTP_URL: z.string().startsWith('smtp', 'must be an smtp:// or smtps:// URL'),
  MAIL_FROM: z.string().min(3).default('CPA Platform <no-reply@cpa-platform.local>'),
  PUBLIC_URL: z.url('must be the web app base URL, e.g. http://localhost:3000'),
  LOG_LEVEL: z
    .string()
    .default('warn')
    .transform((v) => v.toUpperCase())
    .pipe(z.enum(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'])),
  /** Which task queues this process serves (comma-separated); all three by default. */
  WORKER_TASK_QUEUES: z
    .string()
    .default('engagements,documents,integrations')
    .transform((v) => [
      ...new Set(
        v
          .split(',')
          .map((q) => q.trim())
          .filter(Boolean),
      ),
    ])
    .pipe(z.array(z.enum(taskQueueNames, 'must list engagements, documents and/or integrations')).min(1)),
  /** Activities each queue's worker runs at once (unset: Temporal's default; documents 2, integrations 5). */
  WORKER_ENGAGEMENTS_CONCURRENCY: optionalCount,
  WORKER_DOCUMENTS_CONCURRENCY: optionalCount,
  WORKER_INTEGRATIONS_CONCURRENCY: optionalCount,
  /** Workflow tasks the engagements worker runs at once (unset: Temporal's default). */
  WORKER_WORKFLOW_CONCURRENCY: optionalCount,
  /** Seconds running activities get to finish after SIGTERM before they are cancelled. */
  WORKER_SHUTDOWN_GRACE_SECONDS: z.coerce.number().int().min(0).max(3600).default(30),
  /** Serve Prometheus metrics from the Temporal runtime on this port (off when unset). */
  METRICS_PORT: zPort.optional(),
  /** The address the metrics endpoint listens on (0.0.0.0 in a container). */
  METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  /** Document storage, for the documents and integrations queues (uploads, close reports). */
  AZURE_STORAGE_CONNECTION_STRING: z
    .string()
    .min(10, 'must be an Azure Storage connection string')
    .optional(),
  BLOB_CONTAINER: z
    .string()
    .regex(
      /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/,
      'must be a blob container name (3-63 lower-case letters, digits, dashes)',
    )
    .default('documents'),
  /** Document AI: `local` (default) or `azure` with its endpoint and key (integrations/document-ai). */
  ...documentAiEnvShape,
  /** Ledger: `local` QuickBooks sandbox (default outside production) or `quickbooks` (integrations/ledger/ledger-env.ts). */
  ...ledgerEnvFields(process.env.NODE_ENV),
  /** Payments: `local` (default outside production) or `stripe` (integrations/payments/payments-config.ts). */
  ...paymentsEnvShape,
  /** Temporal payload encryption keys, in every environment (lib/temporal/payload-keys.ts). */
  ...payloadKeysEnvShape,
  /**
   * The platform maintenance schedule (workflows/maintenance), created or updated at startup by a
   * worker that serves the integrations queue: on/off (`false` pauses it) and minutes between rounds.
   */
  MAINTENANCE_SCHEDULE_ENABLED: z
    .enum(['true', 'false', '1', '0'], 'must be true or false')
    .default('true')
    .transform((v) => v === 'true' || v === '1'),
  MAINTENANCE_INTERVAL_MINUTES: z.coerce.number().int().min(1).max(1440).default(15),
});
export type TWorkerEnv = z.infer<typeof ZWorkerEnv>;

export function loadWorkerEnv(source: Record<string, string | undefined> = process.env): TWorkerEnv {
  return parseEnv(
    'worker',
    ZWorkerEnv.superRefine(...requireAzureDocumentAiSettings)
      .superRefine(...requirePaymentsSettings('worker'))
      .superRefine(checkLedgerEnv)
      .superRefine(requireStorageForQueues)
      .superRefine(checkPayloadKeys(source)),
    source,
  );
}

/** The documents and integrations queues read and write documents: they need storage. */
function requireStorageForQueues(
  env: { WORKER_TASK_QUEUES?: string[]; AZURE_STORAGE_CONNECTION_STRING?: string | undefined },
  ctx: z.RefinementCtx,
): void {
  const queues = env.WORKER_TASK_QUEUES ?? [];
  if (!env.AZURE_STORAGE_CONNECTION_STRING && queues.some((q) => q !== taskQueues.engagements)) {
    ctx.addIssue({
      code: 'custom',
      path: ['AZURE_STORAGE_CONNECTION_STRING'],
      message: 'required when the worker serves the documents or integrations queue',
    });
  }
}
