/**
 * The worker process: one Temporal worker per task queue it serves (`WORKER_TASK_QUEUES`, all three
 * by default), each with its own concurrency, until SIGINT/SIGTERM. On a signal every worker stops
 * polling and running activities get `WORKER_SHUTDOWN_GRACE_SECONDS` to finish. With `METRICS_PORT`
 * set, the Temporal runtime serves Prometheus metrics (task latencies, slots, polls) on it.
 */
import { Client as TemporalClient, Connection } from '@temporalio/client';
import {
  DefaultLogger,
  NativeConnection,
  Runtime,
  makeTelemetryFilterString,
  type Worker,
} from '@temporalio/worker';
import { Redis } from 'ioredis';
import { createOrm } from '../db/orm';
import { createDocumentAi } from '../integrations/document-ai/document-ai-env';
import { createSmtpMailer } from '../integrations/email/mailer';
import { createLedger } from '../integrations/ledger/create-ledger';
import { ledgerConfigFromEnv } from '../integrations/ledger/ledger-env';
import { createLiveUpdatesPublisher } from '../integrations/live-updates/live-updates';
import { createPayments } from '../integrations/payments/payments-config';
import { withLocalInvoiceEmails } from '../integrations/payments/local-invoice-email';
import { sendInvoiceEmail } from '../db/billing/send-invoice-email';
import { upsertMaintenanceSchedule } from '../activities/maintenance/maintenance-schedule';
import { createBlobStorage, type BlobStorage } from '../integrations/storage/blob-storage';
import { taskQueues } from '../workflows/shared/task-queues';
import { createDocumentsWorker } from './create-documents-worker';
import { createEngagementsWorker } from './create-engagements-worker';
import { createIntegrationsWorker } from './create-integrations-worker';
import { loadWorkerEnv } from './env';
import { setFieldKeyring } from '../db/shared/field-keyring';
import { loadKeyring } from '../lib/crypto/keyring-config';
import { createDataConverter } from '../lib/temporal/data-converter';
import { createPayloadCodec } from '../lib/temporal/payload-codec';
import { payloadKeysFromEnv } from '../lib/temporal/payload-keys';

async function main(): Promise<void> {
  const env = loadWorkerEnv();
  setFieldKeyring(loadKeyring(process.env, 'worker'));
  // Every payload this process writes to Temporal is encrypted, and every one it reads decrypted.
  const dataConverter = createDataConverter(createPayloadCodec(payloadKeysFromEnv(process.env, 'worker')));
  Runtime.install({
    logger: new DefaultLogger(env.LOG_LEVEL),
    telemetryOptions: {
      logging: { filter: makeTelemetryFilterString({ core: 'WARN' }), forward: {} },
      ...(env.METRICS_PORT
        ? { metrics: { prometheus: { bindAddress: `${env.METRICS_HOST}:${env.METRICS_PORT}` } } }
        : {}),
    },
  });

  const serves = new Set(env.WORKER_TASK_QUEUES);
  const orm = await createOrm({ databaseUrl: env.DATABASE_URL });
  const redis = new Redis(env.REDIS_URL, { maxRetriesPerRequest: 3 });
  const mailer = createSmtpMailer({ smtpUrl: env.SMTP_URL, from: env.MAIL_FROM });
  const connection = await NativeConnection.connect({ address: env.TEMPORAL_ADDRESS });
  const clientConnection = await Connection.connect({ address: env.TEMPORAL_ADDRESS });
  const temporal = new TemporalClient({
    connection: clientConnection,
    namespace: env.TEMPORAL_NAMESPACE,
    dataConverter,
  });
  // Locally nobody else emails an invoice: sending one emails the client its payment link, once.
  const payments = withLocalInvoiceEmails(createPayments(env, { publicUrl: env.PUBLIC_URL }), (invoice) =>
    sendInvoiceEmail(orm, mailer, invoice),
  );
  const documentAi = serves.has(taskQueues.documents) ? createDocumentAi(env) : null;
  const ledgerConfig = ledgerConfigFromEnv(env, env.PUBLIC_URL);
  const ledger = ledgerConfig ? createLedger(ledgerConfig) : null;
  const storage: BlobStorage | null = env.AZURE_STORAGE_CONNECTION_STRING
    ? createBlobStorage({
        connectionString: env.AZURE_STORAGE_CONNECTION_STRING,
        containerName: env.BLOB_CONTAINER,
      })
    : null;
  const requireStorage = (): BlobStorage => {
    if (!storage) throw new Error('AZURE_STORAGE_CONNECTION_STRING is required for this task queue');
    return storage;
  };
  const shutdownGraceTime = env.WORKER_SHUTDOWN_GRACE_SECONDS * 1000;
  // The runtime drains the workers on SIGINT/SIGTERM. Should anything then hold the process open,
  // it still ends (with an error) a little after the grace time rather than hanging until killed.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.log(`${signal}: stopping (running activities get ${env.WORKER_SHUTDOWN_GRACE_SECONDS} s)`);
      setTimeout(() => {
        console.error(
          `the worker had not stopped ${shutdownGraceTime / 1000 + 30} s after ${signal}; exiting`,
        );
        process.exit(1);
      }, shutdownGraceTime + 30_000).unref();
    });
  }
  const base = { connection, namespace: env.TEMPORAL_NAMESPACE, orm, shutdownGraceTime, dataConverter };

  const workers: Worker[] = [];
  try {
    if (serves.has(taskQueues.engagements)) {
      workers.push(
        await createEngagementsWorker({
          ...base,
          mailer,
          liveUpdates: createLiveUpdatesPublisher(redis),
          publicUrl: env.PUBLIC_URL,
          temporal,
          concurrency: {
            activities: env.WORKER_ENGAGEMENTS_CONCURRENCY,
            workflowTasks: env.WORKER_WORKFLOW_CONCURRENCY,
          },
        }),
      );
    }
    if (serves.has(taskQueues.documents) && documentAi) {
      workers.push(
        await createDocumentsWorker({
          ...base,
          storage: requireStorage(),
          documentAi,
          concurrency: {
            activities: env.WORKER_DOCUMENTS_CONCURRENCY,
            workflowTasks: env.WORKER_WORKFLOW_CONCURRENCY,
          },
        }),
      );
    }
    if (serves.has(taskQueues.integrations)) {
      workers.push(
        await createIntegrationsWorker({
          ...base,
          payments,
          ledger,
          storage: requireStorage(),
          concurrency: { activities: env.WORKER_INTEGRATIONS_CONCURRENCY },
          temporal,
        }),
      );
      const schedule = await upsertMaintenanceSchedule(temporal, {
        enabled: env.MAINTENANCE_SCHEDULE_ENABLED,
        everyMinutes: env.MAINTENANCE_INTERVAL_MINUTES,
      });
      console.log(
        `platform maintenance schedule ${schedule} (every ${env.MAINTENANCE_INTERVAL_MINUTES} minutes)`,
      );
    }
    const queues = workers.map((w) => w.options.taskQueue).join('", "');
    console.log(
      `worker ready on task queues "${queues}" (${env.TEMPORAL_ADDRESS})${env.METRICS_PORT ? `, metrics on ${env.METRICS_HOST}:${env.METRICS_PORT}/metrics` : ''}`,
    );
    // The runtime stops every worker on SIGINT/SIGTERM; if one worker fails, stop the others too.
    await Promise.all(
      workers.map((worker) =>
        worker.run().catch((error: unknown) => {
          for (const other of workers)
            if (other !== worker && other.getState() === 'RUNNING') other.shutdown();
          throw error;
        }),
      ),
    );
  } finally {
    await connection.close();
    await clientConnection.close();
    await documentAi?.close();
    mailer.close();
    redis.disconnect();
    await orm.close(true);
  }
}

main().then(
  () => {
    console.log('worker stopped');
    // Everything this process opened is closed; nothing left behind (a stray timer or socket of a
    // library) may keep it running after a stop.
    process.exit(0);
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
