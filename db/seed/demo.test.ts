import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withPgClient } from '../../infra/local/pg-client';
import { createTestDatabase, dropTestDatabase } from '../../tests/support/databases';
import { onboardingStages } from '../../workflows/onboarding/client-onboarding.contracts';
import { engagementTypes } from '../engagements/engagement.entity';
import { createOrm, type Orm } from '../orm';
import { hashPortalToken } from '../portal/issue-portal-link';
import { forSystem } from '../tenancy/tenant-context';
import { staffRoles } from '../users/membership.entity';
import { seedDemoFirm } from './demo';
import { demoFirm, demoLogins, demoPortalToken } from './demo-logins';
import { seedStageFlows } from './stages';

let url: string;
let orm: Orm;
let firstRun: { created: boolean; seconds: number };

const now = new Date();

async function query<T extends Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
  return withPgClient(url, async (client) => (await client.query<T>(sql, params)).rows);
}

async function counts(): Promise<Record<string, number>> {
  const tables = ['organization', 'app_user', 'membership', 'client', 'contact', 'portal_link', 'engagement'];
  const more = ['engagement_event', 'task', 'document_request', 'document', 'invoice', 'payment'];
  const result: Record<string, number> = {};
  for (const table of [...tables, ...more]) {
    const [row] = await query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
    result[table] = row?.n ?? 0;
  }
  return result;
}

beforeAll(async () => {
  url = await createTestDatabase('demo seed');
  orm = await createOrm({ databaseUrl: url, poolMax: 2 });
  const started = Date.now();
  const result = await seedDemoFirm(forSystem(orm, 'test: seed the demo firm'), { now });
  firstRun = { created: result.created, seconds: (Date.now() - started) / 1000 };
});

afterAll(async () => {
  await orm?.close(true);
  if (url) await dropTestDatabase(url);
});

describe('the demo seed', () => {
  it('creates the firm with a login for every staff role, in well under three seconds', async () => {
    expect(firstRun.created).toBe(true);
    // The budget is 3 s; the bound leaves room for a busy test machine.
    expect(firstRun.seconds).toBeLessThan(6);
    const members = await query<{ email: string; role: string }>(
      'SELECT u.email, m.role FROM membership m JOIN app_user u ON u.id = m.user_id JOIN organization o ON o.id = m.organization_id WHERE o.slug = $1',
      [demoFirm.slug],
    );
    expect(new Set(members.map((m) => m.role))).toEqual(new Set(staffRoles));
    for (const login of demoLogins.filter((l) => l.role !== 'client (portal)')) {
      expect(members).toContainEqual({ email: login.email, role: login.role });
    }
  });

  it('creates 40+ clients: individuals and businesses, prospects, active and inactive, each with a contact', async () => {
    const clients = await query<{ kind: string; status: string; n: number }>(
      'SELECT kind, status, count(*)::int AS n FROM client GROUP BY 1, 2',
    );
    expect(clients.reduce((sum, c) => sum + c.n, 0)).toBeGreaterThanOrEqual(40);
    expect(new Set(clients.map((c) => c.kind))).toEqual(new Set(['individual', 'business']));
    expect(new Set(clients.map((c) => c.status))).toEqual(new Set(['prospect', 'active', 'inactive']));
    const withoutContact = await query(
      'SELECT id FROM client c WHERE NOT EXISTS (SELECT 1 FROM contact t WHERE t.client_id = c.id)',
    );
    expect(withoutContact).toEqual([]);
    const names = await query<{ display_name: string; n: number }>(
      'SELECT display_name, count(*)::int AS n FROM client GROUP BY 1 HAVING count(*) > 1',
    );
    expect(names).toEqual([]);
    // Tax IDs are encrypted at rest; the seed leaves them empty.
    expect(await query('SELECT id FROM client WHERE tax_id IS NOT NULL OR tax_id_hash IS NOT NULL')).toEqual(
      [],
    );
    expect(await query("SELECT email FROM contact WHERE email NOT LIKE '%@example.test' ORDER BY 1")).toEqual(
      [],
    );
  });

  it('keeps the portal demo client and her link', async () => {
    const [ava] = await query<{ id: string; status: string }>(
      "SELECT c.id, c.status FROM client c JOIN contact t ON t.client_id = c.id WHERE c.display_name = 'Ava Thompson' AND t.email = 'ava.client@example.test'",
    );
    expect(ava?.status).toBe('active');
    const links = await query('SELECT purpose FROM portal_link WHERE token_hash = $1', [
      hashPortalToken(demoPortalToken),
    ]);
    expect(links).toEqual([{ purpose: 'demo' }]);
    // No onboarding is under way for her: the portal shows nothing to do rather than a profile form.
    const onboarding = await query(
      "SELECT id FROM engagement WHERE client_id = $1 AND type = 'client_onboarding' AND status = 'active'",
      [ava?.id],
    );
    expect(onboarding).toEqual([]);
  });

  it('has engagements of every type in every stage, every onboarding stage among them', async () => {
    const stages = await query<{ type: string; stage: string; status: string }>(
      'SELECT DISTINCT type, stage, status FROM engagement',
    );
    expect(new Set(stages.map((s) => s.type))).toEqual(new Set(engagementTypes));
    for (const type of engagementTypes) {
      const seen = new Set(stages.filter((s) => s.type === type).map((s) => s.stage));
      expect([...seen].sort(), type).toEqual(seedStageFlows[type].map((s) => s.stage).sort());
    }
    const onboarding = new Set(stages.filter((s) => s.type === 'client_onboarding').map((s) => s.stage));
    expect([...onboarding].sort()).toEqual([...onboardingStages].sort());
    expect(new Set(stages.map((s) => s.status))).toEqual(new Set(['active', 'completed', 'cancelled']));
  });

  it('gives seeded engagements no running workflow, and completes most past-year ones', async () => {
    expect(
      await query("SELECT id FROM engagement WHERE workflow_id NOT LIKE 'seed:%' OR run_id IS NOT NULL"),
    ).toEqual([]);
    const [past] = await query<{ total: number; completed: number }>(
      `SELECT count(*)::int AS total, count(*) FILTER (WHERE status = 'completed')::int AS completed
         FROM engagement WHERE tax_year < $1 OR period < to_char($2::timestamptz - interval '1 month', 'YYYY-MM')`,
      [now.getUTCFullYear() - 1, now],
    );
    expect(past?.total).toBeGreaterThan(50);
    expect(past?.completed).toBeGreaterThan((past?.total ?? 0) * 0.9);
    const withoutTimeline = await query(
      'SELECT id FROM engagement e WHERE NOT EXISTS (SELECT 1 FROM engagement_event v WHERE v.engagement_id = e.id)',
    );
    expect(withoutTimeline).toEqual([]);
    const periods = await query(
      "SELECT id FROM engagement WHERE (type IN ('tax_return', 'document_intake') AND tax_year IS NULL) OR (type = 'monthly_close' AND period IS NULL)",
    );
    expect(periods).toEqual([]);
  });

  it('has open and done tasks assigned to preparers and reviewers, a handful overdue', async () => {
    const tasks = await query<{ status: string; role: string | null; overdue: boolean; n: number }>(
      `SELECT t.status, m.role, (t.due_at < now()) AS overdue, count(*)::int AS n
         FROM task t LEFT JOIN membership m ON m.user_id = t.assignee_id GROUP BY 1, 2, 3`,
    );
    const open = tasks.filter((t) => t.status === 'open');
    expect(open.reduce((sum, t) => sum + t.n, 0)).toBeGreaterThan(20);
    expect(tasks.some((t) => t.status === 'done')).toBe(true);
    expect(new Set(tasks.map((t) => t.role))).toEqual(new Set(['preparer', 'reviewer']));
    // Overdue, but few: the dashboard lists the soonest-due open tasks.
    expect(open.filter((t) => t.overdue).reduce((sum, t) => sum + t.n, 0)).toBe(5);
  });

  it('has document checklists and documents whose blob keys name no client', async () => {
    const documents = await query<{
      blob_key: string;
      organization_id: string;
      id: string;
      ocr_status: string;
    }>('SELECT id, organization_id, blob_key, ocr_status FROM document');
    expect(documents.length).toBeGreaterThan(50);
    for (const document of documents) {
      expect(document.blob_key).toBe(`org/${document.organization_id}/doc/${document.id}`);
    }
    expect(new Set(documents.map((d) => d.ocr_status)).size).toBeGreaterThanOrEqual(4);
    const requests = await query<{ status: string }>('SELECT DISTINCT status FROM document_request');
    expect(requests.map((r) => r.status)).toEqual(expect.arrayContaining(['open', 'received', 'accepted']));
  });

  it('has open, paid and void invoices, each paid one settled by a payment', async () => {
    const invoices = await query<{ status: string }>('SELECT DISTINCT status FROM invoice');
    expect(invoices.map((i) => i.status).sort()).toEqual(['open', 'paid', 'void']);
    const unsettled = await query(
      `SELECT i.id FROM invoice i LEFT JOIN payment p ON p.invoice_id = i.id
        WHERE i.status = 'paid' AND (p.id IS NULL OR p.amount_minor <> i.amount_due_minor)`,
    );
    expect(unsettled).toEqual([]);
  });

  it('does nothing the second time', async () => {
    const before = await counts();
    const again = await seedDemoFirm(forSystem(orm, 'test: seed the demo firm again'));
    expect(again).toEqual({ created: false, firmName: demoFirm.name });
    expect(await counts()).toEqual(before);
  });

  it('refuses to run in production', async () => {
    const previous = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      await expect(seedDemoFirm(forSystem(orm, 'test: production guard'))).rejects.toThrow(
        /never runs in production/,
      );
    } finally {
      process.env.NODE_ENV = previous;
    }
  });
});
