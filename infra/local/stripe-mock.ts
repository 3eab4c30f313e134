/**
 * stripe-mock (https://github.com/stripe/stripe-mock): Stripe's own mock HTTP server, which answers
 * every documented API endpoint with canned objects and rejects requests that break the OpenAPI
 * spec (unknown or missing parameters, wrong types) the way the real API does. The payment adapter's
 * tests run against it; the binary is built once per machine (see resolveStripeMock in tools.ts).
 */
import { StackError } from './errors';
import type { StackLog } from './log';
import { getFreePort } from './ports';
import { createProcessSupervisor, type ManagedProcess, type ProcessSupervisor } from './processes';
import { waitUntilReady } from './wait';

/** stripe-mock accepts any key that looks like a test secret key; it checks only the shape. */
export const STRIPE_MOCK_API_KEY = 'sk_test_123';

export interface StripeMockOptions {
  /** The stripe-mock binary (see resolveStripeMock in tools.ts). */
  binary: string;
  /** HTTP port on 127.0.0.1; a free one unless given. */
  port?: number;
  logFile: string;
  log: StackLog;
  /** The supervisor to run it under; it gets its own (closed on stop) unless given. */
  processes?: ProcessSupervisor;
}

export interface StripeMockService {
  /** http://127.0.0.1:<port>: the API base URL to give the Stripe client (STRIPE_API_BASE). */
  url: string;
  stop(): Promise<void>;
}

export async function startStripeMock(options: StripeMockOptions): Promise<StripeMockService> {
  const ownsSupervisor = !options.processes;
  const processes = options.processes ?? createProcessSupervisor();
  const port = options.port ?? (await getFreePort());
  let server: ManagedProcess;
  try {
    server = await processes.start({
      name: 'stripe-mock',
      command: options.binary,
      // HTTPS cannot be switched off; it listens on a port the OS picks, on loopback only.
      args: ['-http-addr', `127.0.0.1:${port}`, '-https-addr', '127.0.0.1:0'],
      output: { file: options.logFile },
      stopTimeoutMs: 5_000,
    });
  } catch (error) {
    if (ownsSupervisor) processes.close();
    throw error;
  }
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    await server.stop();
    if (ownsSupervisor) processes.close();
  };
  try {
    await waitUntilReady(() => ping(url), {
      what: `stripe-mock on port ${port}`,
      timeoutMs: 20_000,
      process: server,
    });
  } catch (error) {
    await stop();
    throw error;
  }
  options.log.info(`stripe-mock listening at ${url}`);
  return { url, stop };
}

async function ping(url: string): Promise<void> {
  const response = await fetch(`${url}/v1/balance`, {
    headers: { Authorization: `Bearer ${STRIPE_MOCK_API_KEY}` },
    signal: AbortSignal.timeout(2_000),
  });
  await response.body?.cancel();
  if (response.status !== 200) throw new StackError(`stripe-mock answered ${response.status}`);
}
