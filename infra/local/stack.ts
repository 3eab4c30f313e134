/**
 * The local service stack shared by `npm run dev` (scripts/dev.ts) and the test suite
 * (tests/support/global-setup.ts): PostgreSQL, Temporal, Redis, Azurite and a mail capture.
 */
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startAzurite } from './azurite';
import { describeFailure, StackError } from './errors';
import { createConsoleLog, type StackLog } from './log';
import { maskPassword } from './pg-client';
import { repoRoot } from './paths';
import { assertPortFree, getFreePort } from './ports';
import { startPostgres } from './postgres';
import { startQuickbooksSandbox } from './quickbooks-sandbox/server';
import { localSandboxApp } from '../../integrations/ledger/local-sandbox-app';
import { createProcessSupervisor, describeExit } from './processes';
import { startRedis } from './redis';
import { onStopSignals } from './signals';
import { startSmtpCapture } from './smtp-capture';
import { startTemporal } from './temporal';
import { ensureTools, type ResolvedTools } from './tools';

export type StackMode = 'dev' | 'test';

export interface StackPorts {
  /** The web app's port: not started here, but Azurite's CORS rules allow its origin. */
  web: number;
  temporal: number;
  temporalUi: number;
  postgres: number;
  redis: number;
  azurite: number;
  smtp: number;
  mailbox: number;
  quickbooksSandbox: number;
}

/** The development defaults, each overridable by the environment variable named beside it. */
export const DEV_PORTS: { [K in keyof StackPorts]: [port: number, envVar: string, service: string] } = {
  web: [3000, 'WEB_PORT', 'web app'],
  temporal: [7233, 'TEMPORAL_PORT', 'Temporal'],
  temporalUi: [8233, 'TEMPORAL_UI_PORT', 'Temporal UI'],
  postgres: [5433, 'POSTGRES_PORT', 'PostgreSQL'],
  redis: [6380, 'REDIS_PORT', 'Redis'],
  azurite: [10000, 'AZURITE_PORT', 'Azurite'],
  smtp: [2525, 'SMTP_PORT', 'mail capture SMTP'],
  mailbox: [8025, 'MAILBOX_PORT', 'mailbox'],
  quickbooksSandbox: [8090, 'QUICKBOOKS_SANDBOX_PORT', 'QuickBooks sandbox'],
};

/** Exactly the variables the app processes (web, worker, db scripts, tests) read to reach the services. */
export type StackEnv = {
  DATABASE_URL: string;
  TEMPORAL_ADDRESS: string;
  TEMPORAL_NAMESPACE: string;
  TEMPORAL_UI_URL: string;
  REDIS_URL: string;
  AZURE_STORAGE_CONNECTION_STRING: string;
  BLOB_CONTAINER: string;
  SMTP_URL: string;
  MAILBOX_URL: string;
  QUICKBOOKS_SANDBOX_URL: string;
};

export interface StackUrls {
  web: string;
  temporal: string;
  /** Undefined in test mode, where the server runs headless. */
  temporalUi: string | undefined;
  mailbox: string;
  smtp: string;
  /** With the password masked. */
  postgres: string;
  redis: string;
  azuriteBlob: string;
  quickbooksSandbox: string;
}

export interface StartStackOptions {
  mode: StackMode;
  /**
   * Where the services keep their data and logs (`<dataDir>/logs/*.log`). Dev: `.data` in the repo
   * unless given. Test: a fresh temporary directory unless given; deleted on stop either way.
   */
  dataDir?: string;
  /** Ports to use instead of the defaults (dev) or of random free ports (test). */
  ports?: Partial<StackPorts>;
  log?: StackLog;
  /** Where DATABASE_URL, TEMPORAL_ADDRESS, …, and the port variables are read (process.env). */
  env?: NodeJS.ProcessEnv;
  /** Tools already resolved by the caller; resolved here otherwise. */
  tools?: ResolvedTools;
  /**
   * Stop the stack on SIGINT, SIGTERM and SIGHUP, then let the signal take its default course unless
   * someone else listens for it (true unless given). scripts/dev.ts handles signals itself.
   */
  handleSignals?: boolean;
  /** Called when a service dies after the stack has started; the default logs it. */
  onServiceExit?(message: string): void;
}

export interface Stack {
  env: StackEnv;
  urls: StackUrls;
  ports: StackPorts;
  dataDir: string;
  /** Stops every service in reverse order of start; idempotent. */
  stop(): Promise<void>;
  /** Process groups started by the stack that still have a live process: empty after stop(). */
  survivors(): number[];
}

interface Service {
  name: string;
  stop(): Promise<void>;
}

export async function startStack(options: StartStackOptions): Promise<Stack> {
  const { mode } = options;
  const log = options.log ?? createConsoleLog('stack');
  const env = options.env ?? process.env;
  const external = {
    databaseUrl: env.DATABASE_URL?.trim() || undefined,
    temporalAddress: env.TEMPORAL_ADDRESS?.trim() || undefined,
    redisUrl: env.REDIS_URL?.trim() || undefined,
    azureConnectionString: env.AZURE_STORAGE_CONNECTION_STRING?.trim() || undefined,
  };

  const ports = await choosePorts(mode, options.ports ?? {}, env);
  const ownsDataDir = mode === 'test';
  const dataDir = options.dataDir
    ? path.resolve(options.dataDir)
    : mode === 'test'
      ? await makeTempDir()
      : path.join(repoRoot, '.data');
  const logs = path.join(dataDir, 'logs');
  await mkdir(logs, { recursive: true });
  const logFile = (name: string) => path.join(logs, `${name}.log`);

  let ready = false;
  let stopping = false;
  const processes = createProcessSupervisor({
    onUnexpectedExit(child, exit) {
      if (!ready || stopping) return;
      const message = `${describeExit(child, exit)}\n  Logs: ${logs}`;
      if (options.onServiceExit) options.onServiceExit(message);
      else log.warn(message);
    },
  });

  const cleanUp = async (services: Service[]) => {
    for (const service of [...services].reverse()) {
      await service.stop().catch((error: unknown) => log.warn(`stopping ${service.name}: ${String(error)}`));
    }
    processes.close();
    if (ownsDataDir) await rm(dataDir, { recursive: true, force: true });
  };

  const started = Date.now();
  const services: Service[] = [];
  log.info(`starting local services (${mode})…`);
  try {
    const tools = options.tools ?? (await ensureTools({ log, env }));
    const common = { processes, log };
    // Everything starts at once; the order of this list is the start order, stop goes in reverse.
    const results = await Promise.allSettled([
      startPostgres({
        ...common,
        dir: path.join(dataDir, 'postgres'),
        port: ports.postgres,
        database: 'cpa',
        logFile: logFile('postgresql'),
        fast: mode === 'test',
        externalUrl: external.databaseUrl,
      }),
      startTemporal({
        ...common,
        cli: tools.temporal?.path,
        port: ports.temporal,
        uiPort: mode === 'dev' ? ports.temporalUi : undefined,
        // The UI decodes encrypted payloads through the web app (signed-in owners and admins).
        uiCodecEndpoint: mode === 'dev' ? `http://localhost:${ports.web}/codec` : undefined,
        dbFile: mode === 'dev' ? path.join(dataDir, 'temporal', 'temporal.db') : undefined,
        namespace: env.TEMPORAL_NAMESPACE?.trim() || 'default',
        logFile: logFile('temporal'),
        externalAddress: external.temporalAddress,
        externalUiUrl: env.TEMPORAL_UI_URL?.trim() || undefined,
      }),
      startRedis({
        ...common,
        binary: tools.redisServer?.path,
        port: ports.redis,
        dir: path.join(dataDir, 'redis'),
        logFile: logFile('redis'),
        externalUrl: external.redisUrl,
      }),
      startAzurite({
        ...common,
        port: ports.azurite,
        dir: path.join(dataDir, 'azurite'),
        container: env.BLOB_CONTAINER?.trim() || 'documents',
        corsOrigins:
          mode === 'dev' ? [`http://localhost:${ports.web}`, `http://127.0.0.1:${ports.web}`] : ['*'],
        logFile: logFile('azurite'),
        externalConnectionString: external.azureConnectionString,
      }),
      startSmtpCapture({
        log,
        smtpPort: ports.smtp,
        httpPort: ports.mailbox,
        jsonlFile: mode === 'dev' ? path.join(dataDir, 'mailbox', 'messages.jsonl') : undefined,
      }),
    ]);
    const names = ['PostgreSQL', 'Temporal', 'Redis', 'Azurite', 'mail capture'];
    results.forEach((result, index) => {
      if (result.status === 'fulfilled')
        services.push({ name: names[index] ?? 'service', stop: () => result.value.stop() });
    });
    const failures = results.flatMap((result) =>
      result.status === 'rejected' ? [result.reason as unknown] : [],
    );
    if (failures.length > 0) throw new StackError(failures.map(describeFailure).join('\n\n'));
    const [postgres, temporal, redis, azurite, smtp] = [
      fulfilled(results[0]),
      fulfilled(results[1]),
      fulfilled(results[2]),
      fulfilled(results[3]),
      fulfilled(results[4]),
    ];

    // The local QuickBooks Online (infra/local/quickbooks-sandbox), the ledger's offline peer: in dev
    // its webhooks go to the web app and its companies persist under .data; in tests each test file
    // points its own companies' webhooks where it wants them.
    const quickbooks = await startQuickbooksSandbox({
      port: ports.quickbooksSandbox,
      apps: [{ ...localSandboxApp, name: 'CPA Platform (local)' }],
      webhook: {
        url: mode === 'dev' ? `http://localhost:${ports.web}/webhooks/quickbooks` : undefined,
        verifierToken: localSandboxApp.webhookVerifierToken,
      },
      dataFile: mode === 'dev' ? path.join(dataDir, 'quickbooks-sandbox', 'state.json') : undefined,
      log,
    });
    services.push({ name: 'QuickBooks sandbox', stop: () => quickbooks.stop() });

    const temporalUiUrl = temporal.uiUrl ?? `http://localhost:${ports.temporalUi}`;
    const stackEnv: StackEnv = {
      DATABASE_URL: postgres.url,
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_NAMESPACE: temporal.namespace,
      TEMPORAL_UI_URL: temporalUiUrl,
      REDIS_URL: redis.url,
      AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString,
      BLOB_CONTAINER: azurite.container,
      SMTP_URL: smtp.smtpUrl,
      MAILBOX_URL: smtp.httpUrl,
      QUICKBOOKS_SANDBOX_URL: quickbooks.url,
    };
    const urls: StackUrls = {
      web: `http://localhost:${ports.web}`,
      temporal: temporal.address,
      temporalUi: temporal.uiUrl,
      mailbox: smtp.httpUrl,
      smtp: smtp.smtpUrl,
      postgres: maskPassword(postgres.url),
      redis: redis.url,
      azuriteBlob: azurite.blobEndpoint,
      quickbooksSandbox: quickbooks.url,
    };

    let removeSignalHandlers: (() => void) | undefined;
    let stopPromise: Promise<void> | undefined;
    const stop = () => {
      stopPromise ??= (async () => {
        stopping = true;
        await cleanUp(services);
        removeSignalHandlers?.();
      })();
      return stopPromise;
    };

    if (options.handleSignals ?? true) {
      removeSignalHandlers = onStopSignals(
        (signal) => {
          log.info(`${signal}: stopping local services…`);
          void stop().finally(() => {
            // Nobody else handles the signal: end the process the way the signal would have.
            if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
          });
        },
        (signal) => {
          log.warn(`${signal} again: killing local services`);
          processes.killAllNow('SIGKILL');
          process.exit(130);
        },
      );
    }

    ready = true;
    log.info(`local services ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return { env: stackEnv, urls, ports, dataDir, stop, survivors: () => processes.survivors() };
  } catch (error) {
    await cleanUp(services);
    throw error;
  }
}

/** A fresh temporary directory that other users may pass through (PostgreSQL may run as `postgres`). */
async function makeTempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'cpa-stack-'));
  await chmod(dir, 0o711);
  return dir;
}

function fulfilled<T>(result: PromiseSettledResult<T>): T {
  if (result.status === 'rejected') throw result.reason;
  return result.value;
}

/** The development ports: the defaults of DEV_PORTS, each overridable by its environment variable. */
export function devPorts(env: NodeJS.ProcessEnv = process.env): StackPorts {
  const ports = {} as StackPorts;
  for (const key of Object.keys(DEV_PORTS) as (keyof StackPorts)[]) {
    const [fallback, envVar] = DEV_PORTS[key];
    ports[key] = parsePort(env[envVar], envVar) ?? fallback;
  }
  return ports;
}

/**
 * Dev: devPorts(), each checked free. Test: random free ports. Explicit `ports` win in both modes.
 */
async function choosePorts(
  mode: StackMode,
  given: Partial<StackPorts>,
  env: NodeJS.ProcessEnv,
): Promise<StackPorts> {
  const ports = mode === 'dev' ? devPorts(env) : ({} as StackPorts);
  for (const key of Object.keys(DEV_PORTS) as (keyof StackPorts)[]) {
    const explicit = given[key];
    if (explicit !== undefined) ports[key] = explicit;
    else if (mode === 'test') ports[key] = await getFreePort();
  }
  if (mode === 'dev') {
    // Only the ports of services started here; the web app's port is checked by whoever starts it.
    const started: (keyof StackPorts)[] = [];
    if (!env.DATABASE_URL?.trim()) started.push('postgres');
    if (!env.TEMPORAL_ADDRESS?.trim()) started.push('temporal', 'temporalUi');
    if (!env.REDIS_URL?.trim()) started.push('redis');
    if (!env.AZURE_STORAGE_CONNECTION_STRING?.trim()) started.push('azurite');
    started.push('smtp', 'mailbox', 'quickbooksSandbox');
    for (const key of started) {
      const [, envVar, service] = DEV_PORTS[key];
      await assertPortFree(ports[key], service, envVar);
    }
  }
  return ports;
}

function parsePort(value: string | undefined, envVar: string): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new StackError(`${envVar}=${value} is not a TCP port (1-65535).`);
  }
  return port;
}
