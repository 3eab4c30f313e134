/**
 * What the benchmarks run against: a PostgreSQL server of their own (the embedded binaries the local
 * stack uses, on a free port, in a temporary directory deleted afterwards), one migrated database,
 * the demo firm (the small-firm baseline), a large firm from the scale seed, bulk audit events for
 * both, and encrypted tax IDs. Never the development database: DATABASE_URL is not read.
 */
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setFieldKeyring } from '../db/shared/field-keyring';
import { Client } from '../db/clients/client.entity';
import { applyClientTaxId } from '../db/clients/set-client-tax-id';
import { migrateDatabase } from '../db/migrate';
import { createOrm, type Orm } from '../db/orm';
import { seedDemoFirm } from '../db/seed/demo';
import { demoFirm } from '../db/seed/demo-logins';
import { seedScaleFirm } from '../db/seed/scale';
import { forSystem, forTenant } from '../db/tenancy/tenant-context';
import { createKeyring } from '../lib/crypto/field-encryption';
import { generateKeyring } from '../lib/crypto/keyring-config';
import type { StackLog } from '../infra/local/log';
import { withPgClient } from '../infra/local/pg-client';
import { getFreePort } from '../infra/local/ports';
import { startPostgres } from '../infra/local/postgres';
import { createProcessSupervisor } from '../infra/local/processes';
import { onStopSignals } from '../infra/local/signals';

export interface TBenchDatabase {
  url: string;
  /** Stops PostgreSQL and deletes its directory; idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts a throwaway PostgreSQL cluster (fsync off, like the test stack's) with one database, migrated.
 * Ctrl-C stops it before the process ends.
 */
export async function startBenchDatabase(log: StackLog): Promise<TBenchDatabase> {
  const dir = await mkdtemp(path.join(tmpdir(), 'cpa-bench-'));
  // PostgreSQL may run as another OS user (when we are root): it must be able to pass through.
  await chmod(dir, 0o711);
  await mkdir(path.join(dir, 'logs'));
  const processes = createProcessSupervisor({
    onUnexpectedExit(child) {
      log.warn(`${child.name} exited unexpectedly during the benchmarks; its log is in ${dir}/logs`);
    },
  });
  let postgres: Awaited<ReturnType<typeof startPostgres>> | undefined;
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      removeSignalHandlers();
      await postgres?.stop().catch((error: unknown) => log.warn(`stopping PostgreSQL: ${String(error)}`));
      processes.close();
      await rm(dir, { recursive: true, force: true });
    })();
    return stopping;
  };
  const removeSignalHandlers = onStopSignals(
    (signal) => {
      log.info(`${signal}: stopping the benchmark database…`);
      void stop().finally(() => process.exit(130));
    },
    () => {
      processes.killAllNow('SIGKILL');
      process.exit(130);
    },
  );
  try {
    postgres = await startPostgres({
      dir: path.join(dir, 'postgres'),
      port: await getFreePort(),
      database: 'cpa_bench',
      logFile: path.join(dir, 'logs', 'postgresql.log'),
      processes,
      log,
      fast: true,
    });
    await migrateDatabase(postgres.url);
    return { url: postgres.url, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

export interface TBenchFirm {
  id: string;
  label: string;
  /** A preparer of the firm (engagement visibility limited to their assignments). */
  preparerId: string;
  /** Clients of the engagements that preparer is assigned to (what a preparer's lists are limited to). */
  preparerClients: number;
  counts: {
    clients: number;
    engagements: number;
    tasks: number;
    openTasks: number;
    documents: number;
    auditEvents: number;
  };
}

export interface TBenchData {
  url: string;
  orm: Orm;
  small: TBenchFirm;
  large: TBenchFirm;
  /** Clients of the large firm that have an encrypted tax ID. */
  taxIdClients: number;
  setupSeconds: Record<string, number>;
}

/** Sets this process's field-encryption keyring to fresh random keys (nothing outside the run can read the data). */
export function useThrowawayFieldKeys(): void {
  setFieldKeyring(createKeyring(generateKeyring('bench1')));
}

const seconds = (since: number) => Math.round((Date.now() - since) / 100) / 10;

/**
 * Seeds the demo firm and a large firm of `clients` clients, `auditEvents` audit events for the large
 * firm and `smallAuditEvents` for the demo firm, and encrypted tax IDs for up to `taxIds` of the large
 * firm's clients; then ANALYZE.
 */
export async function seedBenchData(
  url: string,
  options: { clients: number; auditEvents: number; smallAuditEvents: number; taxIds: number; log: StackLog },
): Promise<TBenchData> {
  const { log } = options;
  const setupSeconds: Record<string, number> = {};
  const orm = await createOrm({ databaseUrl: url, poolMax: 4 });
  try {
    let started = Date.now();
    await seedDemoFirm(forSystem(orm, 'benchmarks: seed the demo firm'));
    setupSeconds.demoSeed = seconds(started);

    started = Date.now();
    log.info(`seeding the large firm: ${options.clients.toLocaleString('en-US')} clients…`);
    const scale = await seedScaleFirm({
      databaseUrl: url,
      slug: 'bench-large-firm',
      clients: options.clients,
      log: (line) => log.info(line.trim()),
    });
    setupSeconds.scaleSeed = seconds(started);

    const smallId = await withPgClient(url, async (client) => {
      const found = await client.query<{ id: string }>('SELECT id FROM organization WHERE slug = $1', [
        demoFirm.slug,
      ]);
      const id = found.rows[0]?.id;
      if (!id) throw new Error('the demo seed did not create its firm');
      return id;
    });

    started = Date.now();
    log.info(
      `seeding audit events: ${options.auditEvents.toLocaleString('en-US')} (large firm), ${options.smallAuditEvents.toLocaleString('en-US')} (demo firm)…`,
    );
    await seedAuditEvents(url, scale.organizationId, options.auditEvents);
    await seedAuditEvents(url, smallId, options.smallAuditEvents);
    setupSeconds.auditSeed = seconds(started);

    started = Date.now();
    const taxIdClients = await setTaxIds(orm, scale.organizationId, options.taxIds);
    setupSeconds.taxIds = seconds(started);

    started = Date.now();
    await withPgClient(url, (client) => client.query('VACUUM ANALYZE'));
    setupSeconds.analyze = seconds(started);

    return {
      url,
      orm,
      small: await describeFirm(url, smallId, 'demo firm'),
      large: await describeFirm(url, scale.organizationId, 'large firm'),
      taxIdClients,
      setupSeconds,
    };
  } catch (error) {
    await orm.close(true);
    throw error;
  }
}

/**
 * `count` audit events for a firm, in one INSERT … SELECT: staff actors, actions of the product's
 * vocabulary, targets that exist (clients, engagements, tasks, documents of the firm), IP and
 * user agent, small details, spread over the past year at millisecond precision (what the application
 * writes). The table is append-only (no UPDATE or DELETE), which an INSERT respects.
 */
export async function seedAuditEvents(url: string, organizationId: string, count: number): Promise<void> {
  if (count <= 0) return;
  await withPgClient(url, (client) =>
    client.query(
      `WITH staff AS (SELECT array_agg(user_id ORDER BY user_id) AS ids FROM membership WHERE organization_id = $1),
            clients AS (SELECT array_agg(id ORDER BY id) AS ids FROM (SELECT id FROM client WHERE organization_id = $1 LIMIT 5000) c),
            engagements AS (SELECT array_agg(id ORDER BY id) AS ids FROM (SELECT id FROM engagement WHERE organization_id = $1 LIMIT 5000) e),
            tasks AS (SELECT array_agg(id ORDER BY id) AS ids FROM (SELECT id FROM task WHERE organization_id = $1 LIMIT 5000) t),
            documents AS (SELECT array_agg(id ORDER BY id) AS ids FROM (SELECT id FROM document WHERE organization_id = $1 LIMIT 5000) d)
       INSERT INTO audit_event (id, organization_id, actor_type, actor_id, action, target_type, target_id, ip, user_agent, details, occurred_at)
       SELECT gen_random_uuid(), $1, 'user',
              staff.ids[1 + g % cardinality(staff.ids)],
              (ARRAY['client.created', 'engagement.progressed', 'task.completed', 'document.downloaded'])[1 + g % 4],
              (ARRAY['client', 'engagement', 'task', 'document'])[1 + g % 4],
              (CASE g % 4
                 WHEN 0 THEN clients.ids[1 + (g / 4) % cardinality(clients.ids)]
                 WHEN 1 THEN engagements.ids[1 + (g / 4) % cardinality(engagements.ids)]
                 WHEN 2 THEN tasks.ids[1 + (g / 4) % cardinality(tasks.ids)]
                 ELSE documents.ids[1 + (g / 4) % cardinality(documents.ids)]
               END)::text,
              '203.0.113.' || (g % 250 + 1),
              'Mozilla/5.0 (X11; Linux x86_64) benchmark',
              jsonb_build_object('source', 'benchmark', 'n', g),
              date_trunc('milliseconds', now() - (g::double precision / $2) * interval '365 days')
       FROM generate_series(1, $2::int) AS g, staff, clients, engagements, tasks, documents`,
      [organizationId, count],
    ),
  );
}

/** Gives up to `count` of the firm's clients an encrypted tax ID, written through the ORM (the column's own type). */
async function setTaxIds(orm: Orm, organizationId: string, count: number): Promise<number> {
  const batch = 1_000;
  let done = 0;
  let after = '';
  while (done < count) {
    const em = forTenant(orm, organizationId);
    const clients = await em.find(
      Client,
      { organization: organizationId, id: { $gt: after || '00000000-0000-0000-0000-000000000000' } },
      { orderBy: { id: 'asc' }, limit: Math.min(batch, count - done) },
    );
    if (clients.length === 0) break;
    for (const client of clients) {
      applyClientTaxId(client, String(100_000_000 + done).padStart(9, '0'));
      done += 1;
    }
    await em.flush();
    after = clients.at(-1)!.id;
  }
  return done;
}

async function describeFirm(url: string, id: string, label: string): Promise<TBenchFirm> {
  return withPgClient(url, async (client) => {
    const count = async (table: string, condition = 'true') =>
      Number(
        (
          await client.query<{ n: string }>(
            `SELECT count(*) AS n FROM ${table} WHERE organization_id = $1 AND ${condition}`,
            [id],
          )
        ).rows[0]?.n ?? 0,
      );
    const preparer = await client.query<{ user_id: string }>(
      `SELECT m.user_id FROM membership m
        WHERE m.organization_id = $1 AND m.role = 'preparer'
        ORDER BY (SELECT count(*) FROM engagement e WHERE e.organization_id = $1 AND e.preparer_id = m.user_id) DESC, m.user_id
        LIMIT 1`,
      [id],
    );
    const preparerId = preparer.rows[0]?.user_id;
    if (!preparerId) throw new Error(`the ${label} has no preparer`);
    const assignedClients = await client.query<{ n: string }>(
      `SELECT count(DISTINCT client_id) AS n FROM engagement
        WHERE organization_id = $1 AND (preparer_id = $2 OR reviewer_id = $2)`,
      [id, preparerId],
    );
    return {
      id,
      label,
      preparerId,
      preparerClients: Number(assignedClients.rows[0]?.n ?? 0),
      counts: {
        clients: await count('client'),
        engagements: await count('engagement'),
        tasks: await count('task'),
        openTasks: await count('task', "status = 'open'"),
        documents: await count('document'),
        auditEvents: await count('audit_event'),
      },
    };
  });
}
