import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { StackError } from './errors';

/** How a supervised process ended. `expected` is true when it was asked to stop. */
export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  expected: boolean;
}

/** Where a process's stdout and stderr go: a log file (emptied at start), or handed over line by line. */
export type ProcessOutput = { file: string } | { onLine(line: string, stream: 'stdout' | 'stderr'): void };

export interface SpawnSpec {
  /** Shown in messages, e.g. "PostgreSQL". */
  name: string;
  command: string;
  args?: readonly string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  output: ProcessOutput;
  /** The signal that asks the process to shut down cleanly (SIGTERM unless given). */
  stopSignal?: NodeJS.Signals;
  /** How long a clean shutdown may take before the group is killed (10 s unless given). */
  stopTimeoutMs?: number;
  /** Run as this user and group (used to run PostgreSQL as `postgres` when we are root). */
  uid?: number;
  gid?: number;
}

export interface ManagedProcess {
  readonly name: string;
  /** The process ID, which is also the ID of its process group. */
  readonly pid: number;
  /** Settles when the process has exited, whether asked to or not. */
  readonly exited: Promise<ProcessExit>;
  isRunning(): boolean;
  /** Sends the stop signal to the whole process group, escalating to SIGKILL; idempotent. */
  stop(): Promise<ProcessExit>;
  /** The last lines the process wrote. */
  logTail(lines?: number): string;
}

export interface ProcessSupervisor {
  start(spec: SpawnSpec): Promise<ManagedProcess>;
  /** Stops every process still running, all at once (each as ManagedProcess.stop does). */
  stopAll(): Promise<void>;
  /** Signals every live process group at once, synchronously: for exit paths that cannot wait. */
  killAllNow(signal?: NodeJS.Signals): void;
  /** Process-group IDs started here that still have a live member (empty after a clean stop). */
  survivors(): number[];
  /** Ends the watchdog and removes the exit hooks. Call once every process has stopped. */
  close(): void;
}

export interface SupervisorOptions {
  /** Called when a process exits without having been asked to stop. */
  onUnexpectedExit?(process: ManagedProcess, exit: ProcessExit): void;
}

const TAIL_BYTES = 16 * 1024;
const TAIL_LINES_KEPT = 60;
/** Kills what we started if we die without cleaning up: see the comment at its top. */
const WATCHDOG_SCRIPT = fileURLToPath(new URL('./watchdog.sh', import.meta.url));

/** Sends `signal` to the process group `pgid`; a group that is already gone is fine. */
function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

/** signalGroup for paths that must not throw (timers, exit hooks): a failure leaves it to the watchdog. */
function trySignalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    signalGroup(pgid, signal);
  } catch {
    // EPERM: not ours to signal any more.
  }
}

function groupIsAlive(pgid: number): boolean {
  try {
    return signalGroup(pgid, 0);
  } catch {
    return true;
  }
}

function readFileTail(file: string, lines: number): string {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const size = fstatSync(fd).size;
    const length = Math.min(size, TAIL_BYTES);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, size - length);
    return buffer.toString('utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starts and stops child processes, each detached in its own process group so that stopping one
 * stops everything it started. Every group is signalled when this Node process exits or crashes,
 * and a small watchdog shell covers the case where it is killed outright.
 */
export function createProcessSupervisor(options: SupervisorOptions = {}): ProcessSupervisor {
  const live = new Map<number, { stopSignal: NodeJS.Signals; process: ManagedProcess }>();
  const started = new Set<number>();
  let closed = false;

  const watchdog = startWatchdog();
  const tell = (line: string) => {
    if (watchdog?.stdin?.writable) watchdog.stdin.write(`${line}\n`);
  };

  const killAllNow = (signal?: NodeJS.Signals) => {
    for (const [pgid, entry] of live) trySignalGroup(pgid, signal ?? entry.stopSignal);
  };
  const onExit = () => killAllNow();
  const onCrash = () => killAllNow();
  process.on('exit', onExit);
  process.on('uncaughtExceptionMonitor', onCrash);

  async function start(spec: SpawnSpec): Promise<ManagedProcess> {
    if (closed) throw new Error('the process supervisor is closed');
    const stopSignal = spec.stopSignal ?? 'SIGTERM';
    const stopTimeoutMs = spec.stopTimeoutMs ?? 10_000;
    const { output } = spec;
    const fd = 'file' in output ? openSync(output.file, 'w') : undefined;

    let child: ChildProcess;
    try {
      child = spawn(spec.command, spec.args ?? [], {
        cwd: spec.cwd,
        env: spec.env ?? process.env,
        detached: true,
        stdio: fd === undefined ? ['ignore', 'pipe', 'pipe'] : ['ignore', fd, fd],
        uid: spec.uid,
        gid: spec.gid,
      });
      await new Promise<void>((resolve, reject) => {
        child.once('spawn', resolve);
        child.once('error', reject);
      });
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'command not found' : String(error);
      throw new StackError(`Could not start ${spec.name} (${spec.command}): ${reason}.`);
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
    const pid = child.pid;
    if (pid === undefined) throw new StackError(`Could not start ${spec.name} (${spec.command}).`);

    const recent: string[] = [];
    if ('onLine' in output) {
      for (const stream of ['stdout', 'stderr'] as const) {
        const source = child[stream];
        if (!source) continue;
        createInterface({ input: source, crlfDelay: Infinity }).on('line', (line) => {
          recent.push(line);
          if (recent.length > TAIL_LINES_KEPT) recent.shift();
          output.onLine(line, stream);
        });
      }
    }

    started.add(pid);
    tell(`+${pid}:${stopSignal.replace(/^SIG/, '')}`);

    let running = true;
    let stopping = false;
    let stopPromise: Promise<ProcessExit> | undefined;
    const exited = new Promise<ProcessExit>((resolve) => {
      child.once('exit', (code, signal) => {
        running = false;
        live.delete(pid);
        tell(`-${pid}:${stopSignal.replace(/^SIG/, '')}`);
        const exit: ProcessExit = { code, signal, expected: stopping };
        resolve(exit);
        if (!stopping) options.onUnexpectedExit?.(managed, exit);
      });
    });

    const managed: ManagedProcess = {
      name: spec.name,
      pid,
      exited,
      isRunning: () => running,
      logTail: (lines = 30) =>
        'file' in output ? readFileTail(output.file, lines) : recent.slice(-lines).join('\n'),
      stop() {
        stopPromise ??= (async () => {
          stopping = true;
          if (running) trySignalGroup(pid, stopSignal);
          const timer = setTimeout(() => trySignalGroup(pid, 'SIGKILL'), stopTimeoutMs);
          const exit = await exited;
          clearTimeout(timer);
          // Anything the process started and left behind in its group goes too.
          for (let waited = 0; groupIsAlive(pid) && waited < 3000; waited += 50) {
            if (waited === 1000) trySignalGroup(pid, 'SIGKILL');
            await sleep(50);
          }
          return exit;
        })();
        return stopPromise;
      },
    };
    live.set(pid, { stopSignal, process: managed });
    return managed;
  }

  return {
    start,
    async stopAll() {
      await Promise.all([...live.values()].map((entry) => entry.process.stop()));
    },
    killAllNow,
    survivors: () => [...started].filter(groupIsAlive),
    close() {
      if (closed) return;
      closed = true;
      process.off('exit', onExit);
      process.off('uncaughtExceptionMonitor', onCrash);
      watchdog?.stdin?.end();
    },
  };
}

function startWatchdog(): ChildProcess | undefined {
  if (process.platform === 'win32') return undefined;
  try {
    const watchdog = spawn('/bin/sh', [WATCHDOG_SCRIPT], {
      detached: true,
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    watchdog.on('error', () => undefined);
    watchdog.stdin?.on('error', () => undefined);
    watchdog.unref();
    if (watchdog.stdin instanceof Socket) watchdog.stdin.unref();
    return watchdog;
  } catch {
    return undefined;
  }
}

/** "PostgreSQL exited with code 1" plus the last lines of its output, for error messages. */
export function describeExit(process: ManagedProcess, exit: Pick<ProcessExit, 'code' | 'signal'>): string {
  const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code ?? 'unknown'}`;
  return `${process.name} ${how}.${formatOutputTail(process, 15)}`;
}

/** The last lines a process wrote, indented under a heading; empty when it wrote nothing. */
export function formatOutputTail(process: ManagedProcess, lines: number): string {
  const tail = process.logTail(lines);
  return tail ? `\n  Last lines of its output:\n    ${tail.split('\n').join('\n    ')}` : '';
}
