/**
 * The worker process as it runs in production: started with `tsx workers/main.ts` against the test
 * stack, it serves every task queue, exposes Prometheus metrics when METRICS_PORT is set, refuses a bad
 * configuration naming the variable, and stops cleanly on SIGTERM.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { createTestDatabase, dropTestDatabase } from '../tests/support/databases';
import { msToTs } from '@temporalio/common/lib/time';
import { connectClient } from '../tests/support/temporal';

const root = fileURLToPath(new URL('..', import.meta.url));
let databaseUrl: string;
/** A namespace of its own, so this worker never takes tasks of other test files' workers. */
const isolatedNamespace = `worker-process-${randomUUID().slice(0, 8)}`;

beforeAll(async () => {
  databaseUrl = await createTestDatabase();
  const { client, close } = await connectClient();
  try {
    await client.connection.workflowService.registerNamespace({
      namespace: isolatedNamespace,
      workflowExecutionRetentionPeriod: msToTs('1 day'),
    });
  } finally {
    await close();
  }
}, 60_000);

afterAll(async () => {
  if (databaseUrl) await dropTestDatabase(databaseUrl);
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

interface TRunning {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function startWorker(env: Record<string, string>): TRunning {
  const child = spawn(process.execPath, ['--import', 'tsx', 'workers/main.ts'], {
    cwd: root,
    env: {
      ...process.env,
      ...inject('stackEnv'),
      DATABASE_URL: databaseUrl,
      TEMPORAL_NAMESPACE: isolatedNamespace,
      PUBLIC_URL: 'http://localhost:3000',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function waitForOutput(running: TRunning, pattern: RegExp, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(running.output())) {
    if (running.child.exitCode !== null) throw new Error(`worker exited: ${running.output()}`);
    if (Date.now() > deadline) throw new Error(`worker never printed ${pattern}: ${running.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The exit code, or an error carrying everything the worker printed when it has not exited in time. */
async function waitForExit(running: TRunning, timeoutMs = 60_000): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`worker still running after ${timeoutMs} ms: ${running.output()}`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([running.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

describe('worker process', () => {
  it('serves every task queue, exposes Prometheus metrics and stops cleanly on SIGTERM', async () => {
    const port = await freePort();
    const running = startWorker({
      METRICS_PORT: String(port),
      WORKER_SHUTDOWN_GRACE_SECONDS: '2',
      LOG_LEVEL: 'info',
    });
    try {
      await waitForOutput(running, /worker ready on task queues "engagements", "documents", "integrations"/);
      expect(running.output()).toContain(`metrics on 127.0.0.1:${port}/metrics`);
      let metrics = '';
      for (let i = 0; i < 50 && !metrics.includes('temporal_'); i += 1) {
        metrics = await fetch(`http://127.0.0.1:${port}/metrics`)
          .then((r) => r.text())
          .catch(() => '');
        if (!metrics.includes('temporal_')) await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(metrics).toMatch(/temporal_\w+/);
      running.child.kill('SIGTERM');
      expect(await waitForExit(running)).toBe(0);
      expect(running.output()).toContain('worker stopped');
    } finally {
      if (running.child.exitCode === null) running.child.kill('SIGKILL');
    }
  }, 120_000);

  it('serves only the queues it is told to', async () => {
    const documentsOnly = startWorker({
      WORKER_TASK_QUEUES: 'documents',
      WORKER_DOCUMENTS_CONCURRENCY: '1',
      WORKER_SHUTDOWN_GRACE_SECONDS: '2',
      LOG_LEVEL: 'info',
    });
    try {
      await waitForOutput(documentsOnly, /worker ready on task queues "documents" /);
      documentsOnly.child.kill('SIGTERM');
      expect(await waitForExit(documentsOnly)).toBe(0);
      expect(documentsOnly.output()).toContain('worker stopped');
    } finally {
      if (documentsOnly.child.exitCode === null) documentsOnly.child.kill('SIGKILL');
    }
  }, 120_000);

  it('refuses a bad configuration, naming each wrong variable', async () => {
    const bad = startWorker({
      WORKER_TASK_QUEUES: 'engagements,payments',
      WORKER_DOCUMENTS_CONCURRENCY: 'many',
    });
    try {
      expect(await waitForExit(bad)).toBe(1);
      expect(bad.output()).toContain('WORKER_TASK_QUEUES');
      expect(bad.output()).toContain('WORKER_DOCUMENTS_CONCURRENCY');
    } finally {
      if (bad.child.exitCode === null) bad.child.kill('SIGKILL');
    }
  });
});
