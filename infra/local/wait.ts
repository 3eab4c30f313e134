import { StackError } from './errors';
import { describeExit, formatOutputTail, type ManagedProcess } from './processes';

export interface WaitOptions {
  /** What is being waited for, e.g. "PostgreSQL on port 5433". */
  what: string;
  timeoutMs: number;
  intervalMs?: number;
  /** The process being waited for: if it exits, waiting stops at once and its output is shown. */
  process?: ManagedProcess;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Calls `attempt` until it resolves, the process exits, or the time is up. */
export async function waitUntilReady<T>(attempt: () => Promise<T>, options: WaitOptions): Promise<T> {
  const { what, timeoutMs, intervalMs = 200, process: child } = options;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      lastError = error;
    }
    if (child && !child.isRunning()) {
      const exit = await child.exited;
      throw new StackError(`${what} did not start: ${describeExit(child, exit)}`);
    }
    if (Date.now() >= deadline) {
      const reason = lastError instanceof Error ? lastError.message : String(lastError);
      throw new StackError(
        `${what} was not ready after ${Math.round(timeoutMs / 1000)} s (last error: ${reason}).` +
          (child ? formatOutputTail(child, 15) : ''),
      );
    }
    await sleep(intervalMs);
  }
}
