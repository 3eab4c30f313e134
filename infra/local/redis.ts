import { mkdir } from 'node:fs/promises';
import { Redis } from 'ioredis';
import type { StackLog } from './log';
import type { ProcessSupervisor } from './processes';
import { waitUntilReady } from './wait';

export interface RedisOptions {
  /** The redis-server binary (see tools.ts); not needed with `externalUrl`. */
  binary?: string;
  port: number;
  /** Working directory of the server (it persists nothing: no RDB snapshots, no AOF). */
  dir: string;
  logFile: string;
  processes: ProcessSupervisor;
  log: StackLog;
  /** A server to use instead of starting one (REDIS_URL). */
  externalUrl?: string;
}

export interface RedisService {
  /** redis://127.0.0.1:<port> */
  url: string;
  stop(): Promise<void>;
}

export async function startRedis(options: RedisOptions): Promise<RedisService> {
  if (options.externalUrl) {
    const url = options.externalUrl;
    await waitUntilReady(() => ping(url), { what: `Redis at REDIS_URL`, timeoutMs: 10_000 });
    options.log.info('Redis: using REDIS_URL');
    return { url, stop: () => Promise.resolve() };
  }
  if (!options.binary) throw new Error('startRedis needs the path of redis-server');

  await mkdir(options.dir, { recursive: true });
  const server = await options.processes.start({
    name: 'Redis',
    command: options.binary,
    // The cache, rate limits and pub/sub are rebuilt at will: nothing is written to disk.
    args: [
      '--port',
      String(options.port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      options.dir,
    ],
    cwd: options.dir,
    output: { file: options.logFile },
  });
  const url = `redis://127.0.0.1:${options.port}`;
  try {
    await waitUntilReady(() => ping(url), {
      what: `Redis on port ${options.port}`,
      timeoutMs: 20_000,
      process: server,
    });
  } catch (error) {
    await server.stop();
    throw error;
  }
  return {
    url,
    stop: async () => {
      await server.stop();
    },
  };
}

async function ping(url: string): Promise<void> {
  const client = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 2_000,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
  } finally {
    client.disconnect();
  }
}
