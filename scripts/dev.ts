/**
 * `npm run dev`: starts the local services (infra/local), migrates and seeds the database, then runs
 * and supervises the worker and the web app, restarting them when they crash. Ctrl-C stops the web
 * app and the worker first, then the services; a second Ctrl-C kills everything at once.
 *
 *   npm run dev                       everything
 *   npm run dev -- --services-only    only the services: run the web app or the worker yourself
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { styleText } from 'node:util';
import { z } from 'zod';
import { describeFailure, StackError } from '../infra/local/errors';
import { createConsoleLog } from '../infra/local/log';
import { repoRoot } from '../infra/local/paths';
import { assertPortFree } from '../infra/local/ports';
import { createProcessSupervisor, type ManagedProcess } from '../infra/local/processes';
import { onStopSignals } from '../infra/local/signals';
import { devPorts, startStack, type Stack } from '../infra/local/stack';
import { ensureTools } from '../infra/local/tools';
import type { TKeyringConfig } from '../lib/crypto/field-encryption';
import { generateKeyring, keyringEnv } from '../lib/crypto/keyring-config';
import type { TPayloadKeysConfig } from '../lib/temporal/payload-codec';
import { generatePayloadKeys, payloadKeysEnv } from '../lib/temporal/payload-keys';

const HELP = `Usage: npm run dev [-- --services-only]

Starts PostgreSQL, Temporal, Redis, Azurite and the mail capture, migrates and seeds the database,
then runs the worker and the web app. Data persists in .data/ (delete it to start over).

  --services-only   start only the services, print their URLs and wait
  --help            show this text

Ports: WEB_PORT, TEMPORAL_PORT, TEMPORAL_UI_PORT, POSTGRES_PORT, REDIS_PORT, AZURITE_PORT, SMTP_PORT,
MAILBOX_PORT, QUICKBOOKS_SANDBOX_PORT. DATABASE_URL, TEMPORAL_ADDRESS, REDIS_URL or
AZURE_STORAGE_CONNECTION_STRING use a server you already run instead of starting one.`;

const HEALTH_TIMEOUT_MS = 90_000;
/** A crash within this time of a start counts as a quick restart. */
const QUICK_CRASH_MS = 30_000;
const MAX_QUICK_RESTARTS = 5;

type Color = Parameters<typeof styleText>[0];

interface AppProcess {
  name: string;
  script: string;
  color: Color;
}

const APP_PROCESSES: AppProcess[] = [
  { name: 'worker', script: 'workers/main.ts', color: 'blue' },
  { name: 'web', script: 'web/server.ts', color: 'magenta' },
];

const log = createConsoleLog('dev');
const args = process.argv.slice(2);
const unknown = args.filter((arg) => arg !== '--services-only' && arg !== '--help');
if (args.includes('--help') || unknown.length > 0) {
  if (unknown.length > 0) log.warn(`unknown option ${unknown.join(' ')}`);
  process.stdout.write(`${HELP}\n`);
  process.exit(unknown.length > 0 ? 2 : 0);
}
const servicesOnly = args.includes('--services-only');

const started = Date.now();
const dataDir = path.join(repoRoot, '.data');
const apps = createProcessSupervisor({
  onUnexpectedExit: (child, exit) => onAppExit(child, exit.code, exit.signal),
});
const supervised = new Map<
  string,
  { app: AppProcess; current?: ManagedProcess; startedAt: number; quickCrashes: number }
>();
const restartTimers = new Set<NodeJS.Timeout>();
let stackStarting: Promise<Stack> | undefined;
let appEnv: NodeJS.ProcessEnv = { ...process.env };
let shuttingDown: Promise<never> | undefined;

onStopSignals(
  (signal) => {
    process.stdout.write('\n');
    log.info(`${signal}: stopping (press Ctrl-C again to kill everything at once)…`);
    void shutDown(0);
  },
  (signal) => {
    log.warn(`${signal} again: killing everything now`);
    apps.killAllNow('SIGKILL');
    // The stack's exit hook signals its services; its watchdog kills what lingers.
    process.exit(130);
  },
);

async function main(): Promise<void> {
  const ports = devPorts();
  if (!servicesOnly) await assertPortFree(ports.web, 'web app', 'WEB_PORT');
  const tools = await ensureTools({ log });
  stackStarting = startStack({
    mode: 'dev',
    dataDir,
    ports,
    log: createConsoleLog('stack'),
    tools,
    handleSignals: false,
    onServiceExit: (message) => void fail(`a local service stopped unexpectedly: ${message}`),
  });
  const stack = await stackStarting;
  if (shuttingDown) return;
  await writeEnvFile(stack);

  if (servicesOnly) {
    printSummary(stack, { webRunning: false });
    log.info('services only: start the web app or the worker yourself, e.g.');
    log.info('  set -a; . .data/dev.env; set +a; npx tsx web/server.ts');
    return;
  }

  appEnv = {
    ...process.env,
    ...stack.env,
    PORT: String(ports.web),
    PUBLIC_URL: `http://localhost:${ports.web}`,
    NODE_ENV: 'development',
    SESSION_SECRET: await sessionSecret(),
    STRIPE_WEBHOOK_SECRET: await stripeWebhookSecret(),
    ...(await fieldEncryptionEnv()),
    ...(await temporalPayloadKeysEnv()),
    ...(process.stdout.isTTY && !process.env.NO_COLOR ? { FORCE_COLOR: '1' } : {}),
  };
  for (const [command, label] of [
    ['migrate', 'migrate'],
    ['seed', 'seed'],
  ] as const) {
    const code = await runOnce(label, 'db/cli.ts', [command]);
    if (shuttingDown) return;
    if (code !== 0) {
      throw new StackError(
        `\`tsx db/cli.ts ${command}\` failed (exit code ${code ?? 'unknown'}); its output is above.`,
      );
    }
  }
  for (const app of APP_PROCESSES) {
    supervised.set(app.name, { app, startedAt: 0, quickCrashes: 0 });
    await startApp(app.name);
  }

  const healthy = await waitForHealth(`http://localhost:${ports.web}/healthz`);
  if (shuttingDown) return;
  if (!healthy) {
    log.warn(
      `the web app did not answer /healthz with 200 within ${HEALTH_TIMEOUT_MS / 1000} s; see its output above`,
    );
  }
  printSummary(stack, { webRunning: true });
  await printDemoLogins();
}

/** Runs `tsx <script> <args>` to completion with prefixed output; resolves with its exit code. */
async function runOnce(name: string, script: string, scriptArgs: string[]): Promise<number | null> {
  const child = await apps.start(appSpec({ name, script, color: 'yellow' }, scriptArgs));
  const exit = await child.exited;
  return exit.code;
}

async function startApp(name: string): Promise<void> {
  const entry = supervised.get(name);
  if (!entry || shuttingDown) return;
  entry.startedAt = Date.now();
  entry.current = await apps.start(appSpec(entry.app, []));
}

/** A supervised process crashed: restart it after a backoff, or give up after too many quick crashes. */
function onAppExit(child: ManagedProcess, code: number | null, signal: NodeJS.Signals | null): void {
  const entry = supervised.get(child.name);
  if (!entry || entry.current !== child || shuttingDown) return;
  const ranFor = Date.now() - entry.startedAt;
  entry.quickCrashes = ranFor < QUICK_CRASH_MS ? entry.quickCrashes + 1 : 0;
  const how = signal ? `was killed by ${signal}` : `exited with code ${code ?? 'unknown'}`;
  if (entry.quickCrashes > MAX_QUICK_RESTARTS) {
    void fail(
      `${child.name} keeps crashing (${MAX_QUICK_RESTARTS} restarts in a row, each within ${QUICK_CRASH_MS / 1000} s); stopping.`,
    );
    return;
  }
  const delay = 1000 * 2 ** Math.max(0, entry.quickCrashes - 1);
  log.warn(`${child.name} ${how}; restarting in ${delay / 1000} s`);
  const timer = setTimeout(() => {
    restartTimers.delete(timer);
    startApp(child.name).catch((error: unknown) => fail(describeFailure(error)));
  }, delay);
  restartTimers.add(timer);
}

function appSpec(app: AppProcess, scriptArgs: string[]) {
  const prefix = `${styleText(app.color, app.name.padEnd(7), { stream: process.stdout })}│ `;
  return {
    name: app.name,
    command: process.execPath,
    args: [tsxCli(), app.script, ...scriptArgs],
    cwd: repoRoot,
    env: appEnv,
    output: {
      onLine: (line: string, stream: 'stdout' | 'stderr') => {
        (stream === 'stdout' ? process.stdout : process.stderr).write(`${prefix}${line}\n`);
      },
    },
    stopTimeoutMs: 10_000,
  };
}

function tsxCli(): string {
  try {
    return createRequire(import.meta.url).resolve('tsx/cli');
  } catch {
    throw new StackError('tsx is not installed: run `npm ci` and try again.');
  }
}

/** Polls the health endpoint until it answers 200; false after HEALTH_TIMEOUT_MS. */
async function waitForHealth(url: string): Promise<boolean> {
  const deadline = Date.now() + HEALTH_TIMEOUT_MS;
  while (Date.now() < deadline && !shuttingDown) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (response.status === 200) return true;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return false;
}

/** A per-machine random session secret, kept in .data/session-secret. */
async function sessionSecret(): Promise<string> {
  const file = path.join(dataDir, 'session-secret');
  const existing = await readFile(file, 'utf8').then(
    (text) => text.trim(),
    () => '',
  );
  if (existing) return existing;
  const secret = randomBytes(32).toString('hex');
  await mkdir(dataDir, { recursive: true });
  await writeFile(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

/**
 * The local payment adapter's per-machine secret (signs payment links and the webhooks the local
 * payment page delivers), kept in .data/stripe-webhook-secret; STRIPE_WEBHOOK_SECRET overrides it.
 */
async function stripeWebhookSecret(): Promise<string> {
  const given = process.env.STRIPE_WEBHOOK_SECRET?.trim();
  if (given) return given;
  const file = path.join(dataDir, 'stripe-webhook-secret');
  const existing = await readFile(file, 'utf8').then(
    (text) => text.trim(),
    () => '',
  );
  if (existing) return existing;
  const secret = `whsec_local_${randomBytes(32).toString('hex')}`;
  await mkdir(dataDir, { recursive: true });
  await writeFile(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

/** Per-machine random field-encryption keys in .data/field-encryption.json; FIELD_* variables override. */
async function fieldEncryptionEnv(): Promise<Record<string, string>> {
  if (process.env.FIELD_ENCRYPTION_KEYS) return {};
  const file = path.join(dataDir, 'field-encryption.json');
  const saved = await readFile(file, 'utf8').then(
    (text) => JSON.parse(text) as TKeyringConfig,
    () => undefined,
  );
  if (saved) return keyringEnv(saved);
  const config = generateKeyring();
  await mkdir(dataDir, { recursive: true });
  await writeFile(file, `${JSON.stringify(config)}\n`, { mode: 0o600 });
  return keyringEnv(config);
}

/**
 * Per-machine random Temporal payload keys in .data/temporal-payload-keys.json (separate from the
 * field-encryption keys); TEMPORAL_PAYLOAD_* variables override. Deleting the file makes the payloads
 * in .data/temporal unreadable: delete .data/ as a whole instead.
 */
async function temporalPayloadKeysEnv(): Promise<Record<string, string>> {
  if (process.env.TEMPORAL_PAYLOAD_KEYS) return {};
  const file = path.join(dataDir, 'temporal-payload-keys.json');
  const saved = await readFile(file, 'utf8').then(
    (text) => JSON.parse(text) as TPayloadKeysConfig,
    () => undefined,
  );
  if (saved) return payloadKeysEnv(saved);
  const config = generatePayloadKeys();
  await mkdir(dataDir, { recursive: true });
  await writeFile(file, `${JSON.stringify(config)}\n`, { mode: 0o600 });
  return payloadKeysEnv(config);
}

/** .data/dev.env: the stack's variables, for running a process by hand (`set -a; . .data/dev.env`). */
async function writeEnvFile(running: Stack): Promise<void> {
  const quote = (value: string) => `'${value.replaceAll("'", "'\\''")}'`;
  const lines = Object.entries(running.env).map(([name, value]) => `${name}=${quote(value)}`);
  lines.push(
    `PORT=${running.ports.web}`,
    `PUBLIC_URL=http://localhost:${running.ports.web}`,
    'NODE_ENV=development',
    `STRIPE_WEBHOOK_SECRET=${quote(await stripeWebhookSecret())}`,
    ...Object.entries(await fieldEncryptionEnv()).map(([name, value]) => `${name}=${quote(value)}`),
    ...Object.entries(await temporalPayloadKeysEnv()).map(([name, value]) => `${name}=${quote(value)}`),
  );
  await writeFile(path.join(dataDir, 'dev.env'), `${lines.join('\n')}\n`, { mode: 0o600 });
}

function printSummary(running: Stack, { webRunning }: { webRunning: boolean }): void {
  const { urls } = running;
  const web = webRunning ? urls.web : undefined;
  const rows: [string, string][] = [
    ['Web app', web ?? 'not started (--services-only)'],
    ...(web
      ? ([
          ['Client portal', `${web}/portal`],
          ['Health', `${web}/healthz`],
        ] as [string, string][])
      : []),
    ['Temporal UI', urls.temporalUi ?? '(external server)'],
    ['Mailbox', urls.mailbox],
    ['QuickBooks', `${urls.quickbooksSandbox} (local sandbox)`],
    ['PostgreSQL', urls.postgres],
    ['Redis', urls.redis],
    ['Azurite (blob)', urls.azuriteBlob],
  ];
  const bold = (text: string) => styleText('bold', text, { stream: process.stdout });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const lines = [
    '',
    `  ${bold('CPA Platform is running')} (ready in ${seconds} s)`,
    '',
    ...rows.map(
      ([label, value]) => `  ${label.padEnd(16)}${styleText('cyan', value, { stream: process.stdout })}`,
    ),
    '',
    `  Service logs: ${path.relative(process.cwd(), path.join(running.dataDir, 'logs')) || '.'}/   Stop: Ctrl-C`,
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

const ZDemoLogins = z.array(
  z.object({ role: z.string(), email: z.string(), password: z.string(), note: z.string().optional() }),
);

/** The demo logins of db/seed/demo-logins.ts, when that module exists. */
async function printDemoLogins(): Promise<void> {
  const file = path.join(repoRoot, 'db', 'seed', 'demo-logins.ts');
  if (!existsSync(file)) return;
  const module = (await import(pathToFileURL(file).href)) as { demoLogins?: unknown };
  const parsed = ZDemoLogins.safeParse(module.demoLogins);
  if (!parsed.success) {
    log.warn('db/seed/demo-logins.ts does not export demoLogins as { role, email, password, note? }[]');
    return;
  }
  const logins = parsed.data;
  const roleWidth = Math.max(...logins.map((login) => login.role.length), 4) + 2;
  const emailWidth = Math.max(...logins.map((login) => login.email.length), 5) + 2;
  const lines = [
    `  ${styleText('bold', 'Demo logins', { stream: process.stdout })}`,
    ...logins.map(
      (login) =>
        `  ${login.role.padEnd(roleWidth)}${login.email.padEnd(emailWidth)}${login.password}` +
        (login.note ? `   ${login.note}` : ''),
    ),
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

async function fail(message: string): Promise<void> {
  if (shuttingDown) return;
  log.warn(message);
  await shutDown(1);
}

/** Stops the app processes, then the services; checks that nothing is left; exits. */
function shutDown(code: number): Promise<never> {
  shuttingDown ??= (async () => {
    for (const timer of restartTimers) clearTimeout(timer);
    // The web app and the worker first, while the services they talk to are still up.
    await apps.stopAll();
    apps.close();
    // A stack still starting finishes first, so that everything it started is stopped.
    const stack = await stackStarting?.catch(() => undefined);
    if (stack) await stack.stop();
    const left = [...apps.survivors(), ...(stack?.survivors() ?? [])];
    if (left.length > 0) {
      log.warn(
        `process groups still alive after stopping: ${left.join(', ')} (kill them with \`kill -- -<id>\`)`,
      );
      process.exit(1);
    }
    log.info(code === 0 ? 'stopped; nothing left running' : 'stopped');
    process.exit(code);
  })();
  return shuttingDown;
}

try {
  await main();
} catch (error) {
  await fail(describeFailure(error));
}
