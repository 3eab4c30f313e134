import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withPgClient } from '../../infra/local/pg-client';
import { createTestDatabase, dropTestDatabase } from '../../tests/support/databases';
import { Client } from '../clients/client.entity';
import { createOrm, type Orm } from '../orm';
import { forSystem } from '../tenancy/tenant-context';
import { bulkInsertAll } from './bulk-insert';
import { buildClient, buildFirm, seedContext } from './factories';
import { emptySeedRows } from './rows';
import { ScaleFirmExistsError, seedScaleFirm } from './scale';

const now = new Date('2026-09-01T12:00:00Z');
const sizes = { clients: 300, engagements: 1_200, tasks: 3_000, documents: 900 };
let url: string;

async function query<T extends Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
  return withPgClient(url, async (client) => (await client.query<T>(sql, params)).rows);
}

async function firmCounts(slug: string) {
  const [row] = await query<Record<string, number>>(
    `SELECT (SELECT count(*) FROM client c WHERE c.organization_id = o.id)::int AS clients,
            (SELECT count(*) FROM engagement e WHERE e.organization_id = o.id)::int AS engagements,
            (SELECT count(*) FROM task t WHERE t.organization_id = o.id)::int AS tasks,
            (SELECT count(*) FROM document d WHERE d.organization_id = o.id)::int AS documents
       FROM organization o WHERE o.slug = $1`,
    [slug],
  );
  return row;
}

beforeAll(async () => {
  url = await createTestDatabase('scale seed');
});

afterAll(async () => {
  if (url) await dropTestDatabase(url);
});

describe('the scale seed', () => {
  it('makes exactly the requested numbers of clients, engagements, tasks and documents', async () => {
    const result = await seedScaleFirm({ databaseUrl: url, slug: 'scale-a', now, ...sizes });
    expect(result.rows).toMatchObject(sizes);
    expect(await firmCounts('scale-a')).toEqual(sizes);
    expect(result.ownerEmail).toBe('owner.1@scale-a.example.test');
  });

  it('makes mostly completed past engagements of every type, each prospect with one active onboarding', async () => {
    const byStatus = await query<{ type: string; status: string; n: number }>(
      'SELECT type, status, count(*)::int AS n FROM engagement GROUP BY 1, 2',
    );
    expect(new Set(byStatus.map((r) => r.type))).toEqual(
      new Set(['client_onboarding', 'document_intake', 'tax_return', 'monthly_close']),
    );
    const total = byStatus.reduce((sum, r) => sum + r.n, 0);
    const completed = byStatus.filter((r) => r.status === 'completed').reduce((sum, r) => sum + r.n, 0);
    expect(completed / total).toBeGreaterThan(0.7);
    const prospects = await query<{ engagements: number; active: number }>(
      `SELECT count(e.id)::int AS engagements, count(e.id) FILTER (WHERE e.status = 'active' AND e.type = 'client_onboarding')::int AS active
         FROM client c LEFT JOIN engagement e ON e.client_id = c.id WHERE c.status = 'prospect' GROUP BY c.id`,
    );
    expect(prospects.length).toBe(sizes.clients / 20);
    expect(prospects.every((p) => p.engagements === 1 && p.active === 1)).toBe(true);
    expect(
      await query("SELECT id FROM engagement WHERE workflow_id NOT LIKE 'seed:%' OR run_id IS NOT NULL"),
    ).toEqual([]);
    expect(await query('SELECT id FROM client WHERE tax_id IS NOT NULL')).toEqual([]);
  });

  it('refuses to seed a firm that exists, and says how to replace it', async () => {
    const error: unknown = await seedScaleFirm({ databaseUrl: url, slug: 'scale-a', now, ...sizes }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ScaleFirmExistsError);
    expect((error as Error).message).toMatch(/already exists.*--replace/);
    expect(await firmCounts('scale-a')).toEqual(sizes);
  });

  it('replaces a firm with --replace, rebuilding the same data from the same moment', async () => {
    const before = await query<{ id: string }>(
      "SELECT c.id FROM client c JOIN organization o ON o.id = c.organization_id WHERE o.slug = 'scale-a' ORDER BY c.id",
    );
    const other = await seedScaleFirm({ databaseUrl: url, slug: 'scale-b', now, clients: 40 });
    expect(other.rows).toMatchObject({ clients: 40, engagements: 200, tasks: 800, documents: 400 });

    await seedScaleFirm({ databaseUrl: url, slug: 'scale-a', now, replace: true, ...sizes });
    expect(await firmCounts('scale-a')).toEqual(sizes);
    expect(await firmCounts('scale-b')).toEqual({
      clients: 40,
      engagements: 200,
      tasks: 800,
      documents: 400,
    });
    const after = await query<{ id: string }>(
      "SELECT c.id FROM client c JOIN organization o ON o.id = c.organization_id WHERE o.slug = 'scale-a' ORDER BY c.id",
    );
    expect(after).toEqual(before);
    const [users] = await query<{ n: number }>(
      "SELECT count(*)::int AS n FROM app_user WHERE email LIKE '%@scale-a.example.test'",
    );
    const [members] = await query<{ n: number }>(
      "SELECT count(*)::int AS n FROM membership m JOIN organization o ON o.id = m.organization_id WHERE o.slug = 'scale-a'",
    );
    expect(users?.n).toBe(members?.n);
  });

  it('refuses impossible sizes', async () => {
    await expect(
      seedScaleFirm({ databaseUrl: url, slug: 'scale-c', clients: 100, engagements: 2 }),
    ).rejects.toThrow(/at least 5/);
    await expect(seedScaleFirm({ databaseUrl: url, slug: 'scale-c', clients: 0 })).rejects.toThrow(
      /at least 1/,
    );
  });
});

describe('bulk insert', () => {
  let orm: Orm;
  beforeAll(async () => {
    orm = await createOrm({ databaseUrl: url, poolMax: 1 });
  });
  afterAll(async () => {
    await orm?.close(true);
  });

  it('stores quotes, backslashes, braces, commas, NULL-looking text, unicode and JSON exactly', async () => {
    const ctx = seedContext('bulk insert', now);
    const rows = emptySeedRows();
    const firm = buildFirm(ctx);
    rows.organizations.push(firm);
    const names = [
      'He said "hi", then left',
      'back\\slash \\"both\\"',
      '{braces}',
      'NULL',
      '',
      'Ödön Þór 中文 🙂',
    ];
    for (const displayName of names) {
      const client = buildClient(ctx, { organizationId: firm.id, displayName, status: 'active' });
      if (client.profile)
        client.profile = { ...client.profile, addressLine2: displayName, legalName: `"${displayName}"` };
      rows.clients.push(client);
    }
    await withPgClient(url, (client) => bulkInsertAll(client, orm.getMetadata(), rows));

    const stored = await forSystem(orm, 'test: read back').find(
      Client,
      { organization: firm.id },
      { orderBy: { createdAt: 'asc' } },
    );
    const byId = new Map(stored.map((c) => [c.id, c]));
    for (const row of rows.clients) {
      const client = byId.get(row.id);
      expect(client?.displayName).toBe(row.displayName);
      expect(client?.profile).toEqual(row.profile);
      expect(client?.createdAt.toISOString()).toBe(row.createdAt.toISOString());
      expect(client?.taxIdHash).toBeNull();
    }
  });
});
