/**
 * The list queries' plans at 10,000 clients: a firm seeded by the scale seed (fewer engagements,
 * tasks and documents than its defaults, to keep this test near a minute), ANALYZEd, with a smaller
 * neighbour firm beside it. Each query function is run, the SQL it sends is captured from the
 * connection, and `EXPLAIN (FORMAT JSON)` of that exact SQL must read the expected index and never
 * scan the table sequentially. Walking every page of a filtered list must give exactly the rows, in
 * the order, that one ordered query gives.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { withPgClient } from '../../infra/local/pg-client';
import { createTestDatabase, dropTestDatabase } from '../../tests/support/databases';
import { createOrm, type Orm } from '../orm';
import { seedScaleFirm } from '../seed/scale';
import { forTenant } from '../tenancy/tenant-context';
import type { TPage } from './keyset';
import { listClients } from './list-clients';
import { listDocuments } from './list-documents';
import { listEngagements } from './list-engagements';
import { listTasks } from './list-tasks';

const sizes = { clients: 10_000, engagements: 30_000, tasks: 80_000, documents: 30_000 };
const now = new Date('2026-11-20T15:00:00Z');

let url: string;
let orm: Orm;
let firm: string;
let preparer: string;
let busyEngagement: string;

interface TPlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Index Cond'?: string;
  'Scan Direction'?: string;
  Plans?: TPlanNode[];
}

async function query<T extends Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
  return withPgClient(url, async (client) => (await client.query<T>(sql, params)).rows);
}

/** The SQL statements `run` sends through the ORM's connection, exactly as they go to Postgres. */
async function issuedSql(run: () => Promise<unknown>): Promise<string[]> {
  const connection = orm.em.getConnection();
  const spy = vi.spyOn(connection, 'execute');
  try {
    await run();
    return spy.mock.calls.map(([sql, params]) =>
      orm.em.getPlatform().formatQuery(sql as string, (params ?? []) as unknown[]),
    );
  } finally {
    spy.mockRestore();
  }
}

function nodesOf(node: TPlanNode): TPlanNode[] {
  return [node, ...(node.Plans ?? []).flatMap(nodesOf)];
}

async function explain(sql: string): Promise<TPlanNode[]> {
  const [row] = await query<{ 'QUERY PLAN': { Plan: TPlanNode }[] }>(`EXPLAIN (FORMAT JSON) ${sql}`);
  const plan = row?.['QUERY PLAN'][0]?.Plan;
  if (!plan) throw new Error(`no plan for ${sql}`);
  return nodesOf(plan);
}

const indexScans = ['Index Scan', 'Index Only Scan', 'Bitmap Index Scan'];

/**
 * Runs a list query and checks the plan of every statement it sends: an index scan on one of
 * `indexes`, no sequential scan of `table`, and (with `cursorInIndex`) the cursor's condition inside
 * the index condition, so later pages start where the last one ended: the whole row comparison when
 * the index ends with the sort key, or its leading column (`due_at >= ...`) when the index stops short.
 */
async function expectPlans(
  run: () => Promise<unknown>,
  expected: { table: string; indexes: string[]; cursorInIndex?: RegExp },
): Promise<TPlanNode[]> {
  const statements = await issuedSql(run);
  expect(statements.length).toBeGreaterThan(0);
  const scans: TPlanNode[] = [];
  for (const sql of statements) {
    const nodes = await explain(sql);
    const seq = nodes.filter((n) => n['Node Type'] === 'Seq Scan' && n['Relation Name'] === expected.table);
    expect(seq, sql).toEqual([]);
    const used = nodes.filter((n) => indexScans.includes(n['Node Type']) && n['Index Name']);
    expect(
      used.some((n) => expected.indexes.includes(n['Index Name'] ?? '')),
      `${sql}\nused ${used.map((n) => n['Index Name']).join(', ')}`,
    ).toBe(true);
    if (expected.cursorInIndex) {
      expect(used.map((n) => n['Index Cond'] ?? '').join(' '), sql).toMatch(expected.cursorInIndex);
    }
    scans.push(...used);
  }
  return scans;
}

/** Every page of a list, each read through a fresh firm EntityManager. */
async function walk<T extends { id: string }>(
  fetch: (after: string | null) => Promise<TPage<T>>,
): Promise<string[]> {
  const seen: string[] = [];
  let after: string | null = null;
  for (;;) {
    const page: TPage<T> = await fetch(after);
    seen.push(...page.items.map((item) => item.id));
    if (!page.nextCursor) return seen;
    after = page.nextCursor;
  }
}

async function ids(sql: string, params: unknown[]): Promise<string[]> {
  return (await query<{ id: string }>(sql, params)).map((r) => r.id);
}

const em = () => forTenant(orm, firm);

beforeAll(async () => {
  url = await createTestDatabase('query plans');
  await seedScaleFirm({
    databaseUrl: url,
    slug: 'neighbour-firm',
    now,
    clients: 500,
    engagements: 1_500,
    tasks: 3_000,
    documents: 1_000,
  });
  const seeded = await seedScaleFirm({ databaseUrl: url, slug: 'scale-firm', now, ...sizes });
  firm = seeded.organizationId;
  orm = await createOrm({ databaseUrl: url, poolMax: 2 });
  const [member] = await query<{ id: string }>(
    "SELECT user_id AS id FROM membership WHERE organization_id = $1 AND role = 'preparer' ORDER BY user_id LIMIT 1",
    [firm],
  );
  preparer = member?.id ?? '';
  const [engagement] = await query<{ id: string }>(
    'SELECT engagement_id AS id FROM document WHERE organization_id = $1 GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1',
    [firm],
  );
  busyEngagement = engagement?.id ?? '';
}, 180_000);

afterAll(async () => {
  await orm?.close(true);
  if (url) await dropTestDatabase(url);
});

describe('list query plans at 10,000 clients', () => {
  it('has the scale firm the test needs', async () => {
    const [counts] = await query<Record<string, number>>(
      `SELECT (SELECT count(*) FROM client WHERE organization_id = $1)::int AS clients,
              (SELECT count(*) FROM engagement WHERE organization_id = $1)::int AS engagements,
              (SELECT count(*) FROM task WHERE organization_id = $1)::int AS tasks,
              (SELECT count(*) FROM document WHERE organization_id = $1)::int AS documents`,
      [firm],
    );
    expect(counts).toEqual(sizes);
  });

  it('lists clients by name through the (organization, [status | kind,] display_name, id) indexes, and a name prefix through the lower-cased name', async () => {
    const base = { table: 'client' };
    await expectPlans(() => listClients(em(), { organizationId: firm }), {
      ...base,
      indexes: ['client_organization_id_display_name_id_index'],
    });
    await expectPlans(() => listClients(em(), { organizationId: firm, status: 'inactive' }), {
      ...base,
      indexes: ['client_organization_id_status_display_name_id_index'],
    });
    await expectPlans(() => listClients(em(), { organizationId: firm, kind: 'business' }), {
      ...base,
      indexes: ['client_organization_id_kind_display_name_id_index'],
    });
    const first = await listClients(em(), { organizationId: firm, status: 'active' });
    await expectPlans(
      () => listClients(em(), { organizationId: firm, status: 'active', after: first.nextCursor }),
      {
        ...base,
        // Most clients are active, so the planner may equally walk the name index and filter on status.
        indexes: [
          'client_organization_id_status_display_name_id_index',
          'client_organization_id_display_name_id_index',
        ],
        cursorInIndex: /ROW\(\(display_name\)::text, id\) > ROW\(/,
      },
    );
    // A name prefix reads only the matching names, as a range of the lower-cased name index.
    await expectPlans(() => listClients(em(), { organizationId: firm, namePrefix: 'Wen' }), {
      ...base,
      indexes: ['client_organization_id_lower_display_name_index'],
      cursorInIndex: /lower\(\(display_name\)::text\) ~>=~ 'wen'::text.*~<~ 'weo'::text/,
    });
  });

  it('lists engagements most recently changed first through (organization, updated_at, id) or (organization, stage, updated_at)', async () => {
    const base = { table: 'engagement' };
    const [scan] = await expectPlans(() => listEngagements(em(), { organizationId: firm }), {
      ...base,
      indexes: ['engagement_organization_id_updated_at_id_index'],
    });
    expect(scan?.['Scan Direction']).toBe('Backward');
    const first = await listEngagements(em(), { organizationId: firm });
    await expectPlans(() => listEngagements(em(), { organizationId: firm, after: first.nextCursor }), {
      ...base,
      indexes: ['engagement_organization_id_updated_at_id_index'],
      cursorInIndex: /ROW\(updated_at, id\) < ROW\(/,
    });
    await expectPlans(() => listEngagements(em(), { organizationId: firm, stage: 'review' }), {
      ...base,
      indexes: ['engagement_organization_id_stage_updated_at_index'],
    });
    await expectPlans(() => listEngagements(em(), { organizationId: firm, type: 'monthly_close' }), {
      ...base,
      indexes: ['engagement_organization_id_type_updated_at_id_index'],
    });
  });

  it('lists engagements soonest due first through (organization, [type,] due_at), undated ones last', async () => {
    const base = { table: 'engagement' };
    await expectPlans(() => listEngagements(em(), { organizationId: firm, order: 'due' }), {
      ...base,
      indexes: ['engagement_organization_id_due_at_index'],
    });
    await expectPlans(
      () => listEngagements(em(), { organizationId: firm, order: 'due', type: 'tax_return' }),
      {
        ...base,
        indexes: ['engagement_organization_id_type_due_at_index'],
      },
    );
    await expectPlans(
      () => listEngagements(em(), { organizationId: firm, order: 'due', stage: 'preparation' }),
      {
        ...base,
        indexes: ['engagement_organization_id_stage_due_at_index'],
      },
    );
    // A cursor in the undated part: onboarding engagements have no due date.
    const [firstUndated] = await query<{ id: string }>(
      'SELECT id FROM engagement WHERE organization_id = $1 AND due_at IS NULL ORDER BY id LIMIT 1',
      [firm],
    );
    const undatedCursor = Buffer.from(
      JSON.stringify({ q: 'engagements:due', k: [null, firstUndated?.id] }),
      'utf8',
    ).toString('base64url');
    await expectPlans(
      () => listEngagements(em(), { organizationId: firm, order: 'due', after: undatedCursor }),
      {
        ...base,
        indexes: ['engagement_organization_id_due_at_index', 'engagement_pkey'],
      },
    );
  });

  it('lists a person’s tasks by due date through (assignee, status, due_at)', async () => {
    const base = { table: 'task', indexes: ['task_assignee_id_status_due_at_index'] };
    await expectPlans(() => listTasks(em(), { organizationId: firm, assigneeId: preparer }), base);
    const first = await listTasks(em(), { organizationId: firm, assigneeId: preparer, status: 'done' });
    await expectPlans(
      () =>
        listTasks(em(), {
          organizationId: firm,
          assigneeId: preparer,
          status: 'done',
          after: first.nextCursor,
        }),
      { ...base, cursorInIndex: /due_at >= '/ },
    );
  });

  it('lists an engagement’s documents through (engagement, ocr_status)', async () => {
    const base = { table: 'document', indexes: ['document_engagement_id_ocr_status_index'] };
    await expectPlans(
      () => listDocuments(em(), { organizationId: firm, engagementId: busyEngagement }),
      base,
    );
    await expectPlans(
      () =>
        listDocuments(em(), { organizationId: firm, engagementId: busyEngagement, ocrStatus: 'extracted' }),
      base,
    );
  });

  it('walks every page of filtered lists without gaps, repeats or reordering', async () => {
    expect(
      await walk((after) =>
        listClients(em(), { organizationId: firm, status: 'inactive', limit: 100, after }),
      ),
    ).toEqual(
      await ids(
        "SELECT id FROM client WHERE organization_id = $1 AND status = 'inactive' ORDER BY display_name, id",
        [firm],
      ),
    );
    expect(
      await walk((after) =>
        listEngagements(em(), { organizationId: firm, type: 'monthly_close', limit: 200, after }),
      ),
    ).toEqual(
      await ids(
        "SELECT id FROM engagement WHERE organization_id = $1 AND type = 'monthly_close' ORDER BY updated_at DESC, id DESC",
        [firm],
      ),
    );
    const due = await walk((after) =>
      listEngagements(em(), { organizationId: firm, order: 'due', stage: 'done', limit: 200, after }),
    );
    expect(due).toEqual(
      await ids(
        "SELECT id FROM engagement WHERE organization_id = $1 AND stage = 'done' ORDER BY due_at NULLS LAST, id",
        [firm],
      ),
    );
    const onboarding = await walk((after) =>
      listEngagements(em(), {
        organizationId: firm,
        order: 'due',
        type: 'client_onboarding',
        limit: 200,
        after,
      }),
    );
    expect(onboarding).toEqual(
      await ids(
        "SELECT id FROM engagement WHERE organization_id = $1 AND type = 'client_onboarding' ORDER BY due_at NULLS LAST, id",
        [firm],
      ),
    );
    expect(onboarding.length).toBeGreaterThan(1_000);
    const tasks = await walk((after) =>
      listTasks(em(), { organizationId: firm, assigneeId: preparer, status: 'done', limit: 200, after }),
    );
    expect(tasks).toEqual(
      await ids(
        "SELECT id FROM task WHERE organization_id = $1 AND assignee_id = $2 AND status = 'done' ORDER BY due_at NULLS LAST, id",
        [firm, preparer],
      ),
    );
    expect(tasks.length).toBeGreaterThan(400);
  });
});
