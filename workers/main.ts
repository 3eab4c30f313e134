/**
 * The worker process: runs engagement workflows and their activities until SIGINT/SIGTERM.
 */
import { DefaultLogger, NativeConnection, Runtime, makeTelemetryFilterString } from '@temporalio/worker';
import { Redis } from 'ioredis';
import { createOrm } from '../db/orm';
import { createSmtpMailer } from '../integrations/email/mailer';
import { createLiveUpdatesPublisher } from '../integrations/live-updates/live-updates';
import { createEngagementsWorker } from './create-engagements-worker';
import { loadWorkerEnv } from './env';
import { setFieldKeyring } from '../db/shared/field-keyring';
import { loadKeyring } from '../lib/crypto/keyring-config';

async function main(): Promise<void> {
  const env = loadWorkerEnv();
  setFieldKeyring(loadKeyring(process.env, 'worker'));
  Runtime.install({
    logger: new DefaultLogger(env.LOG_LEVEL),
    telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'WARN' }), forward: {} } },
  });

  const orm = await createOrm({ databaseUrl: env.DATABASE_URL });
  const redis = new Redis(env.REDIS_URL, { maxRetriesPerRequest: 3 });
  const mailer = createSmtpMailer({ smtpUrl: env.SMTP_URL, from: env.MAIL_FROM });
  const connection = await NativeConnection.connect({ address: env.TEMPORAL_ADDRESS });

  const worker = await createEngagementsWorker({
    connection,
    namespace: env.TEMPORAL_NAMESPACE,
    orm,
    mailer,
    liveUpdates: createLiveUpdatesPublisher(redis),
    publicUrl: env.PUBLIC_URL,
  });
  console.log(`worker ready on task queue "${worker.options.taskQueue}" (${env.TEMPORAL_ADDRESS})`);
  try {
    await worker.run();
  } finally {
    await connection.close();
    mailer.close();
    redis.disconnect();
    await orm.close(true);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
