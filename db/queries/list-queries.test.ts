import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAppError } from '../../lib/errors';
import { withPgClient } from '../../infra/local/pg-client';
import { createTestDatabase, dropTestDatabase } from '../../tests/support/databases';
import { createOrm, type Orm } from '../orm';
import {
  buildClientWithContacts,
  buildDocument,
  buildEngagement,
  buildFirm,
  buildStaffMember,
  buildTask,
  seedContext,
  type TSeedContext,
} from '../seed/factories';
import { persistSeedRows } from '../seed/persist-rows';
import { emptySeedRows, type TClientRow, type TSeedRows } from '../seed/rows';
import { forSystem, forTenant } from '../tenancy/tenant-context';
import type { EntityManager } from '../types';
import type { TPage } from './keyset';
import { listClients, type TListClientsInput } from './list-clients';
import { listDocuments } from './list-documents';
import { listEngagements, type TListEngagementsInput } from './list-engagements';
import { listTasks, type TListTasksInput } from './list-tasks';

const now = new Date('2026-06-15T12:00:00Z');
const at = (iso: string) => new Date(iso);

let url: string;
let orm: Orm;
let firm: string;
let otherFirm: string;
let preparer: string;
let reviewer: string;
let engagementWithDocuments: string;

async function ids(sql: string, params: unknown[]): Promise<string[]> {
  return withPgClient(url, async (client) =>
    (await client.query<{ id: string }>(sql, params)).rows.map((r) => r.id),
  );
}

/** Every page of a list, following nextCursor; fails on a repeated cursor. */
async function walk<T extends { id: string }>(
  fetch: (after: string | null) => Promise<TPage<T>>,
): Promise<{ ids: string[]; pages: number }> {
  const seen: string[] = [];
  const cursors = new Set<string>();
  let after: string | null = null;
  let pages = 0;
  for (;;) {
    const page: TPage<T> = await fetch(after);
    pages += 1;
    seen.push(...page.items.map((item) => item.id));
    if (!page.nextCursor) return { ids: seen, pages };
    expect(cursors.has(page.nextCursor)).toBe(false);
    cursors.add(page.nextCursor);
    after = page.nextCursor;
  }
}

function clientsOf(
  ctx: TSeedContext,
  rows: TSeedRows,
  organizationId: string,
  names: string[],
): TClientRow[] {
  return names.map((displayName, i) => {
    const { client, contacts } = buildClientWithContacts(ctx, {
      organizationId,
      displayName,
      kind: i % 3 === 0 ? 'business' : 'individual',
      status: i % 4 === 0 ? 'prospect' : i % 4 === 1 ? 'inactive' : 'active',
    });
    rows.clients.push(client);
    rows.contacts.push(...contacts);
    return client;
  });
}

beforeAll(async () => {
  url = await createTestDatabase('list queries');
  orm = await createOrm({ databaseUrl: url, poolMax: 2 });
  const ctx = seedContext('list queries', now);
  const rows = emptySeedRows();
  const [a, b] = [buildFirm(ctx), buildFirm(ctx)];
  rows.organizations.push(a, b);
  firm = a.id;
  otherFirm = b.id;
  const staff = (['preparer', 'reviewer'] as const).map((role) =>
    buildStaffMember(ctx, { organizationId: firm, role, passwordHash: 'x' }),
  );
  for (const member of staff) {
    rows.users.push(member.user);
    rows.memberships.push(member.membership);
  }
  preparer = staff[0]?.user.id ?? '';
  reviewer = staff[1]?.user.id ?? '';
  // The preparer also works for the other firm: their tasks there must not show here.
  rows.memberships.push({ ...staff[0]!.membership, id: ctx.random.uuid(), organization: otherFirm });

  const names = [
    'Ben Chen',
    'Ben Chen',
    'ben chen',
    'Ben Chen',
    'Benedict Park',
    '100% Natural Foods LLC',
    '1000 Islands Catering Co.',
    'Under_score Studio LLC',
    'Underwood Hardware Inc.',
    'Zoe Walsh',
    'Carmen Olsen',
    'Ödön Varga',
    'Quinn Reyes',
    'Rosa Delgado',
    'Tara Novak',
    'Wesley Sato',
    'Yusuf Kaur',
  ];
  const clients = clientsOf(ctx, rows, firm, names);
  clientsOf(ctx, rows, otherFirm, ['Ben Chen', 'Benedict Other']);
  const client = clients[0]!;
  const otherClient = rows.clients.find((c) => c.organization === otherFirm)!;

  // Engagements: ties on updated_at and due_at, and some without a due date.
  const tie = at('2026-05-01T09:00:00Z');
  const specs: [
    type: 'tax_return' | 'monthly_close' | 'document_intake' | 'client_onboarding',
    stage: string,
  ][] = [
    ['tax_return', 'review'],
    ['tax_return', 'preparation'],
    ['tax_return', 'review'],
    ['tax_return', 'done'],
    ['monthly_close', 'questions'],
    ['monthly_close', 'closed'],
    ['monthly_close', 'questions'],
    ['document_intake', 'requested'],
    ['document_intake', 'complete'],
    ['client_onboarding', 'awaiting_profile'],
    ['client_onboarding', 'completed'],
    ['tax_return', 'review'],
    ['monthly_close', 'closed'],
    ['tax_return', 'intake'],
  ];
  specs.forEach(([type, stage], i) => {
    const engagement = buildEngagement(ctx, {
      organizationId: firm,
      client: clients[i % clients.length]!,
      type,
      stage,
    });
    if (i % 3 === 0) engagement.updatedAt = tie;
    if (i % 4 === 0) engagement.dueAt = at('2026-07-15T04:00:00Z');
    if (i % 5 === 0) engagement.dueAt = null;
    rows.engagements.push(engagement);
  });
  rows.engagements.push(
    buildEngagement(ctx, {
      organizationId: otherFirm,
      client: otherClient,
      type: 'tax_return',
      stage: 'review',
    }),
  );

  const engagement = rows.engagements[0]!;
  engagementWithDocuments = engagement.id;
  const uploaded = at('2026-04-02T10:00:00Z');
  (
    ['extracted', 'needs_review', 'extracted', 'pending', 'extracted', 'failed', 'extracted'] as const
  ).forEach((ocrStatus, i) => {
    rows.documents.push(
      buildDocument(ctx, {
        organizationId: firm,
        clientId: client.id,
        engagementId: engagement.id,
        ocrStatus,
        createdAt: i % 2 === 0 ? uploaded : at(`2026-04-0${i + 1}T08:00:00Z`),
      }),
    );
  });
  rows.documents.push(
    buildDocument(ctx, { organizationId: firm, clientId: client.id, engagementId: rows.engagements[1]!.id }),
  );

  // Tasks: the preparer's open ones include ties and undated ones; others belong to the reviewer,
  // nobody, or the other firm.
  const due = [
    '2026-06-10T17:00:00Z',
    '2026-06-20T17:00:00Z',
    null,
    '2026-06-20T17:00:00Z',
    '2026-06-01T17:00:00Z',
  ];
  for (let i = 0; i < 13; i += 1) {
    const dueIso = due[i % due.length];
    rows.tasks.push(
      buildTask(ctx, {
        organizationId: firm,
        assignee: preparer,
        status: 'open',
        dueAt: dueIso ? at(dueIso) : null,
        title: `Preparer task ${i + 1}`,
      }),
    );
  }
  for (let i = 0; i < 4; i += 1) {
    rows.tasks.push(buildTask(ctx, { organizationId: firm, assignee: preparer, status: 'done' }));
    rows.tasks.push(buildTask(ctx, { organizationId: firm, assignee: reviewer, status: 'open' }));
    rows.tasks.push(
      buildTask(ctx, { organizationId: firm, assignee: null, status: 'open', dueAt: i ? null : now }),
    );
  }
  rows.tasks.push(buildTask(ctx, { organizationId: otherFirm, assignee: preparer, status: 'open' }));

  const em = forSystem(orm, 'test setup: two firms');
  persistSeedRows(em, rows);
  await em.flush();
});

afterAll(async () => {
  await orm?.close(true);
  if (url) await dropTestDatabase(url);
});

const em = (): EntityManager => forTenant(orm, firm);

describe('listClients', () => {
  const walkClients = (input: Omit<TListClientsInput, 'organizationId' | 'after'>) =>
    walk((after) => listClients(em(), { organizationId: firm, ...input, after }));

  it('pages through the firm’s clients in (name, id) order, ties included, without gaps or repeats', async () => {
    const { ids: seen, pages } = await walkClients({ limit: 4 });
    expect(seen).toEqual(
      await ids('SELECT id FROM client WHERE organization_id = $1 ORDER BY display_name, id', [firm]),
    );
    expect(pages).toBe(Math.ceil(seen.length / 4));
  });

  it('filters by status and kind', async () => {
    for (const status of ['prospect', 'active', 'inactive'] as const) {
      expect((await walkClients({ status, limit: 2 })).ids).toEqual(
        await ids(
          'SELECT id FROM client WHERE organization_id = $1 AND status = $2 ORDER BY display_name, id',
          [firm, status],
        ),
      );
    }
    expect((await walkClients({ kind: 'business', status: 'active', limit: 2 })).ids).toEqual(
      await ids(
        "SELECT id FROM client WHERE organization_id = $1 AND kind = 'business' AND status = 'active' ORDER BY display_name, id",
        [firm],
      ),
    );
  });

  it('matches a name prefix regardless of case, taking % and _ literally', async () => {
    const names = async (namePrefix: string) => {
      const page = await listClients(em(), { organizationId: firm, namePrefix });
      return page.items.map((c) => c.displayName);
    };
    expect(await names('ben ')).toEqual(['Ben Chen', 'Ben Chen', 'Ben Chen', 'ben chen']);
    expect(await names('BEN')).toEqual(['Ben Chen', 'Ben Chen', 'Ben Chen', 'Benedict Park', 'ben chen']);
    expect(await names('100%')).toEqual(['100% Natural Foods LLC']);
    expect(await names('under_')).toEqual(['Under_score Studio LLC']);
    expect(await names('  zoe ')).toEqual(['Zoe Walsh']);
    expect((await walkClients({ namePrefix: 'b', limit: 2 })).ids).toHaveLength(5);
  });

  it('never shows another firm’s clients, even when asked for them', async () => {
    const page = await listClients(em(), { organizationId: firm, namePrefix: 'benedict' });
    expect(page.items.map((c) => c.displayName)).toEqual(['Benedict Park']);
    const mismatched = await listClients(forTenant(orm, otherFirm), { organizationId: firm });
    expect(mismatched).toEqual({ items: [], nextCursor: null });
  });

  it('refuses a cursor it did not issue, or one of another list', async () => {
    const engagements = await listEngagements(em(), { organizationId: firm, limit: 1 });
    for (const after of [
      'not-a-cursor',
      engagements.nextCursor ?? '',
      Buffer.from('{"q":"clients","k":[1]}').toString('base64url'),
    ]) {
      const error: unknown = await listClients(em(), { organizationId: firm, after }).catch(
        (e: unknown) => e,
      );
      expect(isAppError(error) && error.code).toBe('invalid_input');
    }
  });

  it('keeps page sizes between 1 and 200', async () => {
    expect((await listClients(em(), { organizationId: firm, limit: 1_000 })).items).toHaveLength(17);
    await expect(listClients(em(), { organizationId: firm, limit: 0 })).rejects.toThrow(/at least 1/);
  });
});

describe('listEngagements', () => {
  const walkEngagements = (input: Omit<TListEngagementsInput, 'organizationId' | 'after'>) =>
    walk((after) => listEngagements(em(), { organizationId: firm, ...input, after }));

  it('pages most recently changed first, ties on the timestamp in ID order', async () => {
    expect((await walkEngagements({ limit: 3 })).ids).toEqual(
      await ids('SELECT id FROM engagement WHERE organization_id = $1 ORDER BY updated_at DESC, id DESC', [
        firm,
      ]),
    );
  });

  it('pages soonest due first, then those without a due date, across the boundary', async () => {
    for (const limit of [1, 2, 3, 5, 50]) {
      expect((await walkEngagements({ order: 'due', limit })).ids).toEqual(
        await ids('SELECT id FROM engagement WHERE organization_id = $1 ORDER BY due_at ASC NULLS LAST, id', [
          firm,
        ]),
      );
    }
  });

  it('filters by stage and by type, in either order', async () => {
    expect((await walkEngagements({ stage: 'review', limit: 2 })).ids).toEqual(
      await ids(
        "SELECT id FROM engagement WHERE organization_id = $1 AND stage = 'review' ORDER BY updated_at DESC, id DESC",
        [firm],
      ),
    );
    expect((await walkEngagements({ type: 'monthly_close', order: 'due', limit: 2 })).ids).toEqual(
      await ids(
        "SELECT id FROM engagement WHERE organization_id = $1 AND type = 'monthly_close' ORDER BY due_at NULLS LAST, id",
        [firm],
      ),
    );
    expect(
      (await walkEngagements({ type: 'tax_return', stage: 'review', order: 'due', limit: 1 })).ids,
    ).toHaveLength(3);
  });

  it('does not accept a cursor of the other order', async () => {
    const recent = await listEngagements(em(), { organizationId: firm, limit: 1 });
    const error: unknown = await listEngagements(em(), {
      organizationId: firm,
      order: 'due',
      after: recent.nextCursor,
    }).catch((e: unknown) => e);
    expect(isAppError(error) && error.userMessage).toMatch(/no longer valid/);
  });
});

describe('listTasks', () => {
  const walkTasks = (input: Omit<TListTasksInput, 'organizationId' | 'after'>) =>
    walk((after) => listTasks(em(), { organizationId: firm, ...input, after }));

  it('pages one person’s open tasks soonest due first, undated last, ties in ID order', async () => {
    for (const limit of [1, 4, 5, 13]) {
      expect((await walkTasks({ assigneeId: preparer, limit })).ids).toEqual(
        await ids(
          "SELECT id FROM task WHERE organization_id = $1 AND assignee_id = $2 AND status = 'open' ORDER BY due_at NULLS LAST, id",
          [firm, preparer],
        ),
      );
    }
  });

  it('lists another status, another person, or nobody’s tasks, and never another firm’s', async () => {
    expect((await walkTasks({ assigneeId: preparer, status: 'done', limit: 3 })).ids).toHaveLength(4);
    expect((await walkTasks({ assigneeId: reviewer, limit: 3 })).ids).toHaveLength(4);
    expect((await walkTasks({ assigneeId: null, limit: 3 })).ids).toEqual(
      await ids(
        "SELECT id FROM task WHERE organization_id = $1 AND assignee_id IS NULL AND status = 'open' ORDER BY due_at NULLS LAST, id",
        [firm],
      ),
    );
    const everything = await walkTasks({ assigneeId: preparer, limit: 200 });
    expect(everything.ids).toHaveLength(13);
  });
});

describe('listDocuments', () => {
  it('pages an engagement’s documents in upload order, ties in ID order', async () => {
    const walked = await walk((after) =>
      listDocuments(em(), { organizationId: firm, engagementId: engagementWithDocuments, limit: 2, after }),
    );
    expect(walked.ids).toEqual(
      await ids('SELECT id FROM document WHERE engagement_id = $1 ORDER BY created_at, id', [
        engagementWithDocuments,
      ]),
    );
    expect(walked.ids).toHaveLength(7);
  });

  it('filters by OCR status', async () => {
    const extracted = await walk((after) =>
      listDocuments(em(), {
        organizationId: firm,
        engagementId: engagementWithDocuments,
        ocrStatus: 'extracted',
        limit: 3,
        after,
      }),
    );
    expect(extracted.ids).toEqual(
      await ids(
        "SELECT id FROM document WHERE engagement_id = $1 AND ocr_status = 'extracted' ORDER BY created_at, id",
        [engagementWithDocuments],
      ),
    );
    expect(extracted.ids).toHaveLength(4);
  });
});
