import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import type { SearchAttributeType } from '@temporalio/common';
import { searchAttributeKeys } from '../../workflows/shared/search-attributes';
import { StackError } from './errors';
import type { StackLog } from './log';
import type { ManagedProcess, ProcessSupervisor } from './processes';
import { waitUntilReady } from './wait';

export interface TemporalOptions {
  /** The Temporal CLI binary (see tools.ts); not needed with `externalAddress`. */
  cli?: string;
  port: number;
  /** Port of the Web UI; without one the server runs headless (tests). */
  uiPort?: number;
  /**
   * The web app's codec endpoint (`<web url>/codec`), which the Web UI calls to show encrypted
   * payloads decoded (web/app/routes/codec.*.ts); only with a UI.
   */
  uiCodecEndpoint?: string;
  /** SQLite file that keeps workflows across restarts; in memory without one (tests). */
  dbFile?: string;
  namespace: string;
  logFile: string;
  processes: ProcessSupervisor;
  log: StackLog;
  /** A server to use instead of starting one (TEMPORAL_ADDRESS): only search attributes are ensured. */
  externalAddress?: string;
  /** The Web UI of the external server, if known (TEMPORAL_UI_URL). */
  externalUiUrl?: string;
}

export interface TemporalService {
  /** host:port of the frontend gRPC service. */
  address: string;
  namespace: string;
  /** The Web UI, or undefined when the server runs headless. */
  uiUrl: string | undefined;
  stop(): Promise<void>;
}

/** The CLI's spelling of each search attribute type (`--search-attribute Name=Keyword`). */
const CLI_TYPE_NAMES: Record<SearchAttributeType, string> = {
  TEXT: 'Text',
  KEYWORD: 'Keyword',
  INT: 'Int',
  DOUBLE: 'Double',
  BOOL: 'Bool',
  DATETIME: 'Datetime',
  KEYWORD_LIST: 'KeywordList',
};

/** temporal.api.enums.v1.IndexedValueType, as the operator service speaks it. */
const INDEXED_VALUE_TYPES: Record<SearchAttributeType, number> = {
  TEXT: 1,
  KEYWORD: 2,
  INT: 3,
  DOUBLE: 4,
  BOOL: 5,
  DATETIME: 6,
  KEYWORD_LIST: 7,
};

export async function startTemporal(options: TemporalOptions): Promise<TemporalService> {
  const { namespace, log } = options;
  if (options.externalAddress) {
    const address = options.externalAddress;
    await waitForTemporal(address, namespace, 20_000);
    await ensureSearchAttributes(address, namespace, log);
    log.info(`Temporal: using TEMPORAL_ADDRESS (${address})`);
    return { address, namespace, uiUrl: options.externalUiUrl, stop: () => Promise.resolve() };
  }
  if (!options.cli) throw new Error('startTemporal needs the path of the Temporal CLI');

  const { port, uiPort, dbFile } = options;
  if (dbFile) await mkdir(path.dirname(dbFile), { recursive: true });
  const server = await options.processes.start({
    name: 'Temporal',
    command: options.cli,
    args: [
      'server',
      'start-dev',
      '--ip',
      '127.0.0.1',
      '--port',
      String(port),
      '--namespace',
      namespace,
      '--log-level',
      'warn',
      ...(uiPort ? ['--ui-port', String(uiPort)] : ['--headless']),
      ...(uiPort && options.uiCodecEndpoint ? ['--ui-codec-endpoint', options.uiCodecEndpoint] : []),
      ...(dbFile ? ['--db-filename', dbFile] : []),
      ...searchAttributeKeys.flatMap((key) => [
        '--search-attribute',
        `${key.name}=${CLI_TYPE_NAMES[key.type]}`,
      ]),
    ],
    output: { file: options.logFile },
    stopTimeoutMs: 15_000,
  });

  const address = `127.0.0.1:${port}`;
  try {
    await waitForTemporal(address, namespace, 60_000, server);
    await ensureSearchAttributes(address, namespace, log);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return {
    address,
    namespace,
    uiUrl: uiPort ? `http://localhost:${uiPort}` : undefined,
    stop: async () => {
      await server.stop();
    },
  };
}

async function withConnection<T>(address: string, fn: (connection: Connection) => Promise<T>): Promise<T> {
  const connection = await Connection.connect({ address, connectTimeout: 2_000 });
  try {
    return await fn(connection);
  } finally {
    await connection.close();
  }
}

/** Waits until the frontend answers and the namespace exists (the first start takes a while). */
async function waitForTemporal(
  address: string,
  namespace: string,
  timeoutMs: number,
  server?: ManagedProcess,
): Promise<void> {
  await waitUntilReady(
    () =>
      withConnection(address, async (connection) => {
        await connection.workflowService.getSystemInfo({});
        await connection.workflowService.describeNamespace({ namespace });
      }),
    { what: `Temporal at ${address}`, timeoutMs, intervalMs: 500, process: server },
  );
}

/**
 * Registers the search attributes of workflows/shared/search-attributes.ts that the server lacks:
 * a SQLite file from an older version of the app, or an external server, may miss new ones.
 */
async function ensureSearchAttributes(address: string, namespace: string, log: StackLog): Promise<void> {
  await withConnection(address, async (connection) => {
    const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
    const missing: Record<string, number> = {};
    for (const key of searchAttributeKeys) {
      const registered = customAttributes[key.name];
      if (registered === undefined) missing[key.name] = INDEXED_VALUE_TYPES[key.type];
      else if (Number(registered) !== INDEXED_VALUE_TYPES[key.type]) {
        throw new StackError(
          `Temporal search attribute ${key.name} is registered with another type than ${key.type} in namespace ` +
            `${namespace}. Search attribute types cannot change: delete the local Temporal database (.data/temporal) ` +
            'or register the attribute under a new name.',
        );
      }
    }
    const names = Object.keys(missing);
    if (names.length === 0) return;
    log.info(`registering Temporal search attributes ${names.join(', ')}`);
    await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: missing });
  });
}
