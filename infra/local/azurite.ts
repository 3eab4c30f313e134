import { mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { BlobServiceClient } from '@azure/storage-blob';
import { StackError } from './errors';
import type { StackLog } from './log';
import type { ProcessSupervisor } from './processes';
import { waitUntilReady } from './wait';

/**
 * Azurite's single development account. Its key is public, documented by Microsoft and the same in
 * every Azurite installation: it protects nothing.
 */
const DEV_ACCOUNT = 'devstoreaccount1';
const DEV_ACCOUNT_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface AzuriteOptions {
  port: number;
  /** Where blobs and Azurite's metadata are kept. */
  dir: string;
  /** Created when missing. */
  container: string;
  /** Origins the browser may upload from and download to with SAS URLs (e.g. the web app). */
  corsOrigins: string[];
  logFile: string;
  processes: ProcessSupervisor;
  log: StackLog;
  /** An account to use instead of starting Azurite (AZURE_STORAGE_CONNECTION_STRING). */
  externalConnectionString?: string;
}

export interface AzuriteService {
  connectionString: string;
  /** The blob service endpoint, e.g. http://127.0.0.1:10000/devstoreaccount1 */
  blobEndpoint: string;
  container: string;
  stop(): Promise<void>;
}

export async function startAzurite(options: AzuriteOptions): Promise<AzuriteService> {
  const { container, log } = options;
  if (options.externalConnectionString) {
    const connectionString = options.externalConnectionString;
    const client = BlobServiceClient.fromConnectionString(connectionString);
    await waitUntilReady(() => client.getProperties(), {
      what: 'Blob storage at AZURE_STORAGE_CONNECTION_STRING',
      timeoutMs: 15_000,
    });
    // CORS is a property of the whole account: only set it on a development account, never on a real one.
    const isDevAccount = /UseDevelopmentStorage=true|AccountName=devstoreaccount1/i.test(connectionString);
    await prepareAccount(client, container, isDevAccount ? options.corsOrigins : undefined);
    log.info(`Blob storage: using AZURE_STORAGE_CONNECTION_STRING (container ${container})`);
    return { connectionString, blobEndpoint: client.url, container, stop: () => Promise.resolve() };
  }

  await mkdir(options.dir, { recursive: true });
  const server = await options.processes.start({
    name: 'Azurite',
    command: process.execPath,
    args: [
      await azuriteBlobScript(),
      '--blobHost',
      '127.0.0.1',
      '--blobPort',
      String(options.port),
      '--location',
      options.dir,
      '--skipApiVersionCheck',
      '--loose',
      '--silent',
      '--disableTelemetry',
    ],
    cwd: options.dir,
    output: { file: options.logFile },
  });

  const blobEndpoint = `http://127.0.0.1:${options.port}/${DEV_ACCOUNT}`;
  const connectionString =
    `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT};AccountKey=${DEV_ACCOUNT_KEY};` +
    `BlobEndpoint=${blobEndpoint};`;
  try {
    const client = BlobServiceClient.fromConnectionString(connectionString, {
      retryOptions: { maxTries: 1 },
    });
    await waitUntilReady(() => client.getProperties(), {
      what: `Azurite on port ${options.port}`,
      timeoutMs: 30_000,
      process: server,
    });
    await prepareAccount(client, container, options.corsOrigins);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return {
    connectionString,
    blobEndpoint,
    container,
    stop: async () => {
      await server.stop();
    },
  };
}

/** Creates the container when missing and lets the web app's origins use the blob service from the browser. */
async function prepareAccount(
  client: BlobServiceClient,
  container: string,
  corsOrigins: string[] | undefined,
) {
  await client.getContainerClient(container).createIfNotExists();
  if (!corsOrigins?.length) return;
  await client.setProperties({
    cors: [
      {
        allowedOrigins: corsOrigins.join(','),
        allowedMethods: 'GET,PUT,HEAD,OPTIONS',
        allowedHeaders: '*',
        exposedHeaders: '*',
        maxAgeInSeconds: 3600,
      },
    ],
  });
}

/** The azurite-blob entry point of the installed azurite package (what node_modules/.bin/azurite-blob runs). */
async function azuriteBlobScript(): Promise<string> {
  const require = createRequire(import.meta.url);
  let manifestPath: string;
  try {
    manifestPath = require.resolve('azurite/package.json');
  } catch {
    throw new StackError('The azurite package is not installed. Run `npm ci` and try again.');
  }
  const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as { bin?: Record<string, string> };
  const script = manifest.bin?.['azurite-blob'];
  if (!script) throw new StackError('The installed azurite package has no azurite-blob entry point.');
  return path.join(path.dirname(manifestPath), script);
}

/**
 * Prepares a blob account for the app from the environment: creates BLOB_CONTAINER and, on the
 * Azurite development account only, lets the browser origins in BLOB_CORS_ORIGINS (comma-separated)
 * upload and download with SAS URLs. docker-compose runs it once (`blob-setup`) before web and worker.
 */
export async function prepareBlobAccountFromEnv(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const connectionString = env.AZURE_STORAGE_CONNECTION_STRING?.trim();
  if (!connectionString) throw new StackError('AZURE_STORAGE_CONNECTION_STRING is not set.');
  const container = env.BLOB_CONTAINER?.trim() || 'documents';
  const origins = (env.BLOB_CORS_ORIGINS ?? '')
    .split(',')
    .map((origin) => origin.trim())
    .filter(Boolean);
  const client = BlobServiceClient.fromConnectionString(connectionString, { retryOptions: { maxTries: 1 } });
  await waitUntilReady(() => client.getProperties(), {
    what: 'Blob storage at AZURE_STORAGE_CONNECTION_STRING',
    timeoutMs: 60_000,
  });
  const isDevAccount = /UseDevelopmentStorage=true|AccountName=devstoreaccount1/i.test(connectionString);
  await prepareAccount(client, container, isDevAccount ? origins : undefined);
  return isDevAccount && origins.length > 0
    ? `container ${container} ready; browser uploads allowed from ${origins.join(', ')}`
    : `container ${container} ready`;
}

if (
  process.argv[1] &&
  import.meta.url === pathToFileURL(process.argv[1]).href &&
  process.argv[2] === 'prepare'
) {
  prepareBlobAccountFromEnv().then(
    (message) => console.log(`blob storage: ${message}`),
    (error: unknown) => {
      console.error(`blob storage: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}
