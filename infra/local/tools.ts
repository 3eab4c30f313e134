import { execFile, spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { StackError } from './errors';
import type { StackLog } from './log';
import { machineCacheDir, repoRoot } from './paths';

const execFileAsync = promisify(execFile);

/** The Temporal CLI release built with Go when no CLI is found. */
export const TEMPORAL_CLI_VERSION = 'v1.5.1';
const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal';

/** A binary the local stack runs, where it was found, and what it says its version is. */
export interface ToolInfo {
  path: string;
  version: string;
  /** Where it came from, e.g. "TEMPORAL_CLI", "PATH", "machine cache", "built with Go". */
  source: string;
}

export interface ToolOptions {
  log: StackLog;
  env?: NodeJS.ProcessEnv;
}

/** The tools the stack needs for this environment: none for a service given by URL. */
export interface ResolvedTools {
  temporal?: ToolInfo;
  redisServer?: ToolInfo;
}

/** Resolves (building or installing where possible) every binary the local stack needs. */
export async function ensureTools(options: ToolOptions): Promise<ResolvedTools> {
  const env = options.env ?? process.env;
  const temporal = env.TEMPORAL_ADDRESS ? undefined : await resolveTemporalCli(options);
  const redisServer = await resolveRedisServer(options);
  return { temporal, redisServer };
}

/**
 * Finds the Temporal CLI: $TEMPORAL_CLI, `temporal` on PATH, the repo's .tools/bin, the machine cache,
 * else builds it with Go into the machine cache. Stops with install instructions when none works.
 */
export async function resolveTemporalCli({ log, env = process.env }: ToolOptions): Promise<ToolInfo> {
  const explicit = env.TEMPORAL_CLI?.trim();
  if (explicit) {
    const version = await versionOf(explicit, ['--version']);
    if (version === undefined) {
      throw new StackError(
        `TEMPORAL_CLI=${explicit} does not run (\`${explicit} --version\` failed). Fix or unset it.`,
      );
    }
    return { path: explicit, version, source: 'TEMPORAL_CLI' };
  }

  const cacheBin = path.join(machineCacheDir(env), 'bin');
  const candidates: [string | undefined, string][] = [
    [await findOnPath('temporal', env), 'PATH'],
    [path.join(repoRoot, '.tools', 'bin', 'temporal'), '.tools/bin'],
    [path.join(cacheBin, 'temporal'), 'machine cache'],
  ];
  for (const [candidate, source] of candidates) {
    if (!candidate || !(await isExecutable(candidate))) continue;
    const version = await versionOf(candidate, ['--version']);
    if (version !== undefined) return { path: candidate, version, source };
    log.warn(`ignoring ${candidate} (${source}): \`temporal --version\` failed`);
  }

  const go = await findOnPath('go', env);
  if (!go) {
    throw new StackError(
      'The Temporal CLI was not found and Go is not installed to build it.\n' +
        'Install Go (https://go.dev/dl) or the Temporal CLI (brew install temporal / see docs.temporal.io) ' +
        'or set TEMPORAL_CLI=/path/to/temporal',
    );
  }
  await mkdir(cacheBin, { recursive: true });
  log.info('building the Temporal CLI with Go (5-10 minutes, once per machine)…');
  await runWithProgress(go, ['install', `${TEMPORAL_CLI_MODULE}@${TEMPORAL_CLI_VERSION}`], {
    log,
    label: 'building the Temporal CLI',
    env: { ...env, GOBIN: cacheBin },
  });
  const built = path.join(cacheBin, 'temporal');
  const version = await versionOf(built, ['--version']);
  if (version === undefined) {
    throw new StackError(
      `Go built ${built}, but it does not run. Delete it and try again, or set TEMPORAL_CLI.`,
    );
  }
  log.info(`built ${version} into ${built}`);
  return { path: built, version, source: 'built with Go' };
}

/** The stripe-mock release the payment tests run against, built with Go when no binary is found. */
export const STRIPE_MOCK_VERSION = 'v0.197.0';
const STRIPE_MOCK_MODULE = 'github.com/stripe/stripe-mock';

/**
 * Finds stripe-mock (the payment adapter's tests run against it): $STRIPE_MOCK, `stripe-mock` on
 * PATH, the repo's .tools/bin, the machine cache, else builds STRIPE_MOCK_VERSION with Go into the
 * machine cache (seconds, once per machine). Stops with install instructions when none works.
 * A Go-built binary reports its version as "master", so the cache keeps the version it built in
 * `stripe-mock.version` and rebuilds when STRIPE_MOCK_VERSION changes.
 */
export async function resolveStripeMock({ log, env = process.env }: ToolOptions): Promise<ToolInfo> {
  const explicit = env.STRIPE_MOCK?.trim();
  if (explicit) {
    const version = await versionOf(explicit, ['-version']);
    if (version === undefined) {
      throw new StackError(
        `STRIPE_MOCK=${explicit} does not run (\`${explicit} -version\` failed). Fix or unset it.`,
      );
    }
    return { path: explicit, version, source: 'STRIPE_MOCK' };
  }

  const cacheBin = path.join(machineCacheDir(env), 'bin');
  const cached = path.join(cacheBin, 'stripe-mock');
  const stampFile = path.join(cacheBin, 'stripe-mock.version');
  const cachedVersion = (await readFile(stampFile, 'utf8').catch(() => '')).trim();
  const candidates: [string | undefined, string][] = [
    [await findOnPath('stripe-mock', env), 'PATH'],
    [path.join(repoRoot, '.tools', 'bin', 'stripe-mock'), '.tools/bin'],
    [cachedVersion === STRIPE_MOCK_VERSION ? cached : undefined, 'machine cache'],
  ];
  for (const [candidate, source] of candidates) {
    if (!candidate || !(await isExecutable(candidate))) continue;
    const version = await versionOf(candidate, ['-version']);
    if (version !== undefined) {
      return { path: candidate, version: source === 'machine cache' ? cachedVersion : version, source };
    }
    log.warn(`ignoring ${candidate} (${source}): \`stripe-mock -version\` failed`);
  }

  const go = await findOnPath('go', env);
  if (!go) {
    throw new StackError(
      'stripe-mock was not found and Go is not installed to build it (the payment tests need it).\n' +
        `Install Go (https://go.dev/dl) and try again, or install stripe-mock ${STRIPE_MOCK_VERSION} ` +
        '(brew install stripe/stripe-mock/stripe-mock) and set STRIPE_MOCK=/path/to/stripe-mock',
    );
  }
  await mkdir(cacheBin, { recursive: true });
  log.info(`building stripe-mock ${STRIPE_MOCK_VERSION} with Go (under a minute, once per machine)…`);
  await runWithProgress(go, ['install', `${STRIPE_MOCK_MODULE}@${STRIPE_MOCK_VERSION}`], {
    log,
    label: 'building stripe-mock',
    env: { ...env, GOBIN: cacheBin },
  });
  if ((await versionOf(cached, ['-version'])) === undefined) {
    throw new StackError(
      `Go built ${cached}, but it does not run. Delete it and try again, or set STRIPE_MOCK.`,
    );
  }
  await writeFile(stampFile, `${STRIPE_MOCK_VERSION}\n`);
  log.info(`built stripe-mock ${STRIPE_MOCK_VERSION} into ${cached}`);
  return { path: cached, version: STRIPE_MOCK_VERSION, source: 'built with Go' };
}

/**
 * Finds redis-server, installing it with apt on Debian/Ubuntu when we may (root or passwordless sudo).
 * Returns undefined when REDIS_URL names a server to use instead.
 */
export async function resolveRedisServer({
  log,
  env = process.env,
}: ToolOptions): Promise<ToolInfo | undefined> {
  if (env.REDIS_URL?.trim()) return undefined;
  const found = await findRedisServer(env);
  if (found) return found;

  const sudo = await aptPrivilege(env);
  if (sudo === undefined) {
    throw new StackError(
      'redis-server was not found. Install it and try again:\n' +
        '  Debian/Ubuntu: sudo apt-get install -y redis-server\n' +
        '  macOS:         brew install redis\n' +
        'or set REDIS_URL=redis://… to use a Redis server you already run.',
    );
  }
  await aptInstall('redis-server', sudo, { log, env }, 'about a minute, once per machine');
  const installed = await findRedisServer(env);
  if (!installed) throw new StackError('apt-get installed redis-server, but it is not on PATH.');
  return { ...installed, source: 'installed with apt-get' };
}

/**
 * Finds Chromium for the browser tests: $CHROMIUM_PATH, else Debian's `chromium`, installing it with
 * apt on Debian/Ubuntu when we may. Stops with install instructions otherwise.
 */
export async function resolveChromium({ log, env = process.env }: ToolOptions): Promise<ToolInfo> {
  const explicit = env.CHROMIUM_PATH?.trim();
  if (explicit) {
    if (!(await isExecutable(explicit)))
      throw new StackError(`CHROMIUM_PATH=${explicit} is not an executable file.`);
    return {
      path: explicit,
      version: (await versionOf(explicit, ['--version'])) ?? 'unknown',
      source: 'CHROMIUM_PATH',
    };
  }
  const found = await findChromium(env);
  if (found) return found;
  const sudo = await aptPrivilege(env);
  if (sudo === undefined) {
    throw new StackError(
      'Chromium was not found; the browser tests need it. Install it and try again:\n' +
        '  Debian/Ubuntu: sudo apt-get install -y chromium\n' +
        'or set CHROMIUM_PATH=/path/to/chromium (any Chromium or Chrome build).',
    );
  }
  await aptInstall('chromium', sudo, { log, env }, 'a minute or two, once per machine');
  const installed = await findChromium(env);
  if (!installed) throw new StackError('apt-get installed chromium, but it is not on PATH.');
  return { ...installed, source: 'installed with apt-get' };
}

async function findChromium(env: NodeJS.ProcessEnv): Promise<ToolInfo | undefined> {
  for (const candidate of [await findOnPath('chromium', env), '/usr/bin/chromium']) {
    if (!candidate || !(await isExecutable(candidate))) continue;
    const version = await versionOf(candidate, ['--version']);
    if (version !== undefined) return { path: candidate, version, source: 'PATH' };
  }
  return undefined;
}

/** apt-get update + install of one Debian package, as root or through passwordless sudo. */
async function aptInstall(
  pkg: string,
  sudo: boolean,
  { log, env }: { log: ToolOptions['log']; env: NodeJS.ProcessEnv },
  duration: string,
): Promise<void> {
  log.info(`installing ${pkg} with apt-get (${duration})…`);
  for (const aptArgs of [['update'], ['install', '-y', '--no-install-recommends', pkg]]) {
    const [command, args]: [string, string[]] = sudo
      ? ['sudo', ['-n', 'env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', ...aptArgs]]
      : ['apt-get', aptArgs];
    await runWithProgress(command, args, {
      log,
      label: `installing ${pkg}`,
      env: { ...env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  }
}

async function findRedisServer(env: NodeJS.ProcessEnv): Promise<ToolInfo | undefined> {
  for (const candidate of [
    await findOnPath('redis-server', env),
    '/usr/bin/redis-server',
    '/usr/sbin/redis-server',
  ]) {
    if (!candidate || !(await isExecutable(candidate))) continue;
    const version = await versionOf(candidate, ['--version']);
    if (version !== undefined) return { path: candidate, version, source: 'PATH' };
  }
  return undefined;
}

/**
 * Whether apt-get may be used here: false for root, true for passwordless sudo,
 * undefined when this is not Debian/Ubuntu or we have no way to become root.
 */
async function aptPrivilege(env: NodeJS.ProcessEnv): Promise<boolean | undefined> {
  if (process.platform !== 'linux' || !(await findOnPath('apt-get', env))) return undefined;
  const osRelease = await readFile('/etc/os-release', 'utf8').catch(() => '');
  if (!/^(ID|ID_LIKE)=.*\b(debian|ubuntu)\b/m.test(osRelease)) return undefined;
  if (process.getuid?.() === 0) return false;
  if (!(await findOnPath('sudo', env))) return undefined;
  const passwordless = await execFileAsync('sudo', ['-n', 'true']).then(
    () => true,
    () => false,
  );
  return passwordless ? true : undefined;
}

/** The first executable called `name` on PATH. */
export async function findOnPath(
  name: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string | undefined> {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

/** The first line `binary <args>` prints, or undefined when it does not run. */
async function versionOf(binary: string, args: string[]): Promise<string | undefined> {
  try {
    const { stdout, stderr } = await execFileAsync(binary, args, { timeout: 30_000 });
    return (stdout || stderr).trim().split('\n')[0] ?? '';
  } catch {
    return undefined;
  }
}

/**
 * Runs a slow command, streaming its output indented under the log and printing a heartbeat when it
 * has been quiet for 15 s. Throws a StackError with its last lines when it fails.
 */
async function runWithProgress(
  command: string,
  args: string[],
  { log, label, env }: { log: StackLog; label: string; env: NodeJS.ProcessEnv },
): Promise<void> {
  const started = Date.now();
  let lastOutput = started;
  const recent: string[] = [];
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
      lastOutput = Date.now();
      recent.push(line);
      if (recent.length > 20) recent.shift();
      log.info(`  ${line}`);
    });
  }
  const heartbeat = setInterval(() => {
    if (Date.now() - lastOutput >= 15_000) {
      log.info(`… still ${label} (${Math.round((Date.now() - started) / 1000)} s)`);
      lastOutput = Date.now();
    }
  }, 5_000);
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', resolve);
    });
    if (code !== 0) {
      throw new StackError(
        `\`${command} ${args.join(' ')}\` failed (exit code ${code ?? 'unknown'}) while ${label}:\n    ${recent.join('\n    ')}`,
      );
    }
  } finally {
    clearInterval(heartbeat);
  }
}
