/**
 * The platform for web tests, in this process: a fresh database seeded with the demo firm, the web
 * server on a free port (development mode, no build) and an engagements worker, all on the real
 * services that the vitest global setup started. One per test file: the web env is process-wide.
 */
import { forSystem } from '../../../db/tenancy/tenant-context';
import { randomBytes } from 'node:crypto';
import type { Client as TemporalClient } from '@temporalio/client';
import { Redis } from 'ioredis';
import { inject } from 'vitest';
import { Organization } from '../../../db/organizations/organization.entity';
import { createOrm, type Orm } from '../../../db/orm';
import { demoFirm } from '../../../db/seed/demo-logins';
import { seedDemoFirm } from '../../../db/seed/demo';
import { createSmtpMailer } from '../../../integrations/email/mailer';
import { createLiveUpdatesPublisher } from '../../../integrations/live-updates/live-updates';
import { createTestDatabase, dropTestDatabase } from '../../../tests/support/databases';
import {
  connectClient,
  connectWorker,
  dataConverter,
  namespace,
  workflowBundle,
} from '../../../tests/support/temporal';
import { createEngagementsWorker } from '../../../workers/create-engagements-worker';
import type { TReminderSchedule } from '../../../workflows/onboarding/client-onboarding.contracts';
import { startWebServer, type WebServer } from '../../server';
import { TotpFactor } from '../../../db/auth/totp-factor.entity';
import { User } from '../../../db/users/user.entity';
import { setUsedStepReset } from './http-session';

export interface TestPlatform {
  orm: Orm;
  web: WebServer;
  temporal: TemporalClient;
  demoFirmId: string;
  stop(): Promise<void>;
}

/** Reminders 30 days apart: none is sent while a test file runs. */
const noRemindersDuringTests: TReminderSchedule = {
  intervalsSeconds: [30 * 86_400],
  followUpAfterSeconds: 30 * 86_400,
};

export async function startTestPlatform({
  name,
  reminders = noRemindersDuringTests,
}: {
  name: string;
  /** The demo firm's onboarding reminder schedule for this test file; by default none falls due. */
  reminders?: TReminderSchedule;
}): Promise<TestPlatform> {
  const stackEnv = inject('stackEnv');
  const databaseUrl = await createTestDatabase(name);
  const orm = await createOrm({ databaseUrl, poolMax: 4 });
  await seedDemoFirm(forSystem(orm, 'test assertions'));
  const em = forSystem(orm, 'test assertions');
  const firm = await em.findOneOrFail(Organization, { slug: demoFirm.slug });
  firm.settings = { ...firm.settings, onboardingReminders: reminders };
  await em.flush();

  const web = await startWebServer({
    port: 0,
    host: '127.0.0.1',
    mode: 'development',
    env: {
      ...stackEnv,
      NODE_ENV: 'test',
      DATABASE_URL: databaseUrl,
      SESSION_SECRET: randomBytes(32).toString('hex'),
      // Test files share one Redis: their sign-in throttle counters must not meet.
      REDIS_KEY_PREFIX: `test-${randomBytes(6).toString('hex')}:`,
    },
  });

  // The web app starts workflows on the `engagements` task queue, so this worker polls it.
  const connection = await connectWorker();
  const redis = new Redis(stackEnv.REDIS_URL!);
  const mailer = createSmtpMailer({
    smtpUrl: stackEnv.SMTP_URL!,
    from: 'Harborview CPA <no-reply@cpa-platform.local>',
  });
  const worker = await createEngagementsWorker({
    connection,
    namespace: namespace(),
    orm,
    mailer,
    liveUpdates: createLiveUpdatesPublisher(redis),
    publicUrl: web.url,
    workflowBundle: await workflowBundle(),
    // The same payload keys as the web server's client (the run's TEMPORAL_PAYLOAD_KEYS).
    dataConverter: dataConverter(),
  });
  const workerRun = worker.run();
  const temporal = await connectClient();
  setUsedStepReset(async (email) => {
    const db = forSystem(orm, 'test assertions');
    const user = await db.findOne(User, { email });
    if (user) await db.nativeUpdate(TotpFactor, { user }, { lastUsedStep: null });
  });

  return {
    orm,
    web,
    temporal: temporal.client,
    demoFirmId: firm.id,
    async stop() {
      setUsedStepReset(null);
      await web.close();
      worker.shutdown();
      await workerRun;
      await connection.close();
      await temporal.close();
      redis.disconnect();
      mailer.close();
      await orm.close(true);
      await dropTestDatabase(databaseUrl);
    },
  };
}
