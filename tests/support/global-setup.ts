/**
 * Vitest global setup: starts the local service stack in test mode (random ports, throwaway data)
 * once per run, prepares the migrated template database, and hands the services' URLs to the test
 * files, both as `inject('stackEnv')` and as process.env (which the test workers inherit).
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { StackError } from '../../infra/local/errors';
import { createConsoleLog, type StackLog } from '../../infra/local/log';
import { databaseUrl, quoteIdent, withPgClient } from '../../infra/local/pg-client';
import { startStack } from '../../infra/local/stack';
import { resolveChromium, resolveStripeMock } from '../../infra/local/tools';
import { startStripeMock, type StripeMockService } from '../../infra/local/stripe-mock';
import { generateKeyring, keyringEnv } from '../../lib/crypto/keyring-config';
import { generatePayloadKeys, payloadKeysEnv } from '../../lib/temporal/payload-keys';
import { TEMPLATE_DATABASE } from './databases';
import { workflowBundleEnv, writeWorkflowBundle } from './workflow-bundle';

declare module 'vitest' {
  export interface ProvidedContext {
    stackEnv: Record<string, string>;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const log = createConsoleLog('test stack');
  // The browser tests drive Chromium; find (or install) it before anything starts.
  const chromium = await resolveChromium({ log });
  const stack = await startStack({ mode: 'test', log });
  // The Stripe adapter's tests send their requests to stripe-mock (built once per machine).
  let stripeMock: StripeMockService;
  // The workflows are bundled once for the whole run (each test file used to spend seconds on it).
  const bundleFile = `${stack.dataDir}/workflow-bundle.json`;
  try {
    await Promise.all([prepareTemplateDatabase(stack.env.DATABASE_URL, log), bundleOnce(bundleFile, log)]);
    stripeMock = await startStripeMock({
      binary: (await resolveStripeMock({ log })).path,
      logFile: `${stack.dataDir}/logs/stripe-mock.log`,
      log,
    });
  } catch (error) {
    await stack.stop();
    throw error;
  }
  // Fresh field-encryption keys per run: test data is never readable outside it.
  const env: Record<string, string> = {
    ...stack.env,
    CHROMIUM_PATH: chromium.path,
    ...keyringEnv(generateKeyring()),
    // Temporal payload keys of their own, likewise per run (lib/temporal/payload-keys.ts).
    ...payloadKeysEnv(generatePayloadKeys()),
    STRIPE_MOCK_URL: stripeMock.url,
    [workflowBundleEnv]: bundleFile,
    // Payments go through the local adapter unless a test builds a Stripe one; its webhook secret is per run.
    PAYMENTS_PROVIDER: 'local',
    STRIPE_WEBHOOK_SECRET: `whsec_${randomBytes(24).toString('base64url')}`,
  };
  project.provide('stackEnv', env);
  Object.assign(process.env, env);
  return async () => {
    await stripeMock.stop();
    await stack.stop();
  };
}

async function bundleOnce(file: string, log: StackLog): Promise<void> {
  const started = Date.now();
  await writeWorkflowBundle(file);
  log.info(`bundled the workflows in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/** (Re)creates the template database and applies every migration to it (db/migrate.ts). */
async function prepareTemplateDatabase(url: string, log: StackLog): Promise<void> {
  const started = Date.now();
  await withPgClient(databaseUrl(url, 'postgres'), async (client) => {
    await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(TEMPLATE_DATABASE)} WITH (FORCE)`);
    await client.query(
      `CREATE DATABASE ${quoteIdent(TEMPLATE_DATABASE)} ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0`,
    );
  });
  const migrateModule = fileURLToPath(new URL('../../db/migrate.ts', import.meta.url));
  if (!existsSync(migrateModule)) {
    log.warn(`db/migrate.ts does not exist yet: ${TEMPLATE_DATABASE} stays empty (no migrations applied)`);
    return;
  }
  const { migrateDatabase } = await import('../../db/migrate');
  const templateUrl = databaseUrl(url, TEMPLATE_DATABASE);
  try {
    await migrateDatabase(templateUrl);
  } catch (error) {
    throw new StackError(
      `Migrating the test template database failed: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  // CREATE DATABASE … TEMPLATE fails while anyone is connected to the template: close what is left.
  await withPgClient(databaseUrl(url, 'postgres'), (client) =>
    client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [
      TEMPLATE_DATABASE,
    ]),
  );
  log.info(
    `migrated the template database ${TEMPLATE_DATABASE} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
}
