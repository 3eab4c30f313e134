import { blobStorage, orm, redis, temporal } from '../services.server';

export interface TCheckResult {
  status: 'ok' | 'error';
  latencyMs: number;
  error?: string;
}

export interface THealthReport {
  status: 'ok' | 'degraded';
  checks: { postgres: TCheckResult; redis: TCheckResult; temporal: TCheckResult; blobStorage: TCheckResult };
}

const checkTimeoutMs = 2_000;

/**
 * A short, secret-free description of a failure: the error's class and code, never its message
 * (messages of drivers can carry hosts, user names or connection strings).
 */
function describe(error: unknown): string {
  if (error instanceof CheckTimeout) return `timed out after ${checkTimeoutMs} ms`;
  if (typeof error === 'object' && error !== null) {
    const { code, name } = error as { code?: unknown; name?: unknown };
    const label = typeof name === 'string' && name !== 'Error' ? name : 'error';
    return typeof code === 'string' || typeof code === 'number' ? `${label} (${code})` : label;
  }
  return 'error';
}

class CheckTimeout extends Error {}

async function check(run: (signal: AbortSignal) => Promise<unknown>): Promise<TCheckResult> {
  const started = performance.now();
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new CheckTimeout());
    }, checkTimeoutMs);
  });
  try {
    await Promise.race([run(controller.signal), timeout]);
    return { status: 'ok', latencyMs: Math.round(performance.now() - started) };
  } catch (error) {
    return { status: 'error', latencyMs: Math.round(performance.now() - started), error: describe(error) };
  } finally {
    clearTimeout(timer);
  }
}

/** Checks every service the web app depends on, in parallel, each within 2 seconds. */
export async function runHealthChecks(): Promise<THealthReport> {
  const [postgres, redisCheck, temporalCheck, blob] = await Promise.all([
    check(async () => {
      const connection = (await orm()).em.getConnection();
      await connection.execute('select 1');
    }),
    check(() => redis().ping()),
    check(async (signal) => {
      const client = await temporal();
      await client.connection.withAbortSignal(signal, () =>
        client.connection.workflowService.getSystemInfo({}),
      );
    }),
    check(() => blobStorage().ping()),
  ]);
  const checks = { postgres, redis: redisCheck, temporal: temporalCheck, blobStorage: blob };
  const status = Object.values(checks).every((c) => c.status === 'ok') ? 'ok' : 'degraded';
  return { status, checks };
}
