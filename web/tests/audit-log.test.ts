/**
 * The audit trail over real HTTP: browsing the firm's log with filters (person, action, target type,
 * days in the firm's time zone) and keyset pages; the CSV export (every matching event, batched,
 * spreadsheet-formula-safe cells, recorded as `audit.exported`); and document views and downloads,
 * by staff and in the portal, each recorded before the file is shown or handed out.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditEvent, type TAuditActorType } from '../../db/audit/audit-event.entity';
import { Document } from '../../db/documents/document.entity';
import type { Orm } from '../../db/orm';
import { buildClient, buildStaffMember, seedContext } from '../../db/seed/factories';
import { demoLogins } from '../../db/seed/demo-logins';
import { persistSeedRows } from '../../db/seed/persist-rows';
import { forSystem } from '../../db/tenancy/tenant-context';
import { User } from '../../db/users/user.entity';
import { createBlobStorage } from '../../integrations/storage/blob-storage';
import { auditCsvColumns } from '../app/audit/audit-csv.server';
import { createAccessFixtures, signInPortalContact, type TAccessFixtures } from './support/access-fixtures';
import { HttpSession, signInStaff, visibleText } from './support/http-session';
import { startTestPlatform, type TestPlatform } from './support/test-platform';

const owner = demoLogins.find((login) => login.role === 'owner')!;

let platform: TestPlatform;
let orm: Orm;
let fixtures: TAccessFixtures;
let staff: HttpSession;
let ownerId: string;
const ctx = seedContext(`audit-log-${randomUUID()}`);

beforeAll(async () => {
  platform = await startTestPlatform({ name: 'audit log' });
  orm = platform.orm;
  fixtures = await createAccessFixtures(orm, platform.demoFirmId);
  staff = new HttpSession(platform.web.url);
  await signInStaff(staff, owner);
  ownerId = (await db().findOneOrFail(User, { email: owner.email })).id;
}, 240_000);

afterAll(async () => {
  await platform?.stop();
});

const db = () => forSystem(orm, 'test assertions');

interface TEventInput {
  action: string;
  at: Date;
  actorType?: TAuditActorType;
  actorId?: string | null;
  targetType?: string;
  targetId?: string | null;
  ip?: string | null;
  userAgent?: string | null;
  details?: Record<string, unknown> | null;
  organizationId?: string;
}

/** Audit events as the platform writes them, at chosen times. */
async function addEvents(events: TEventInput[]): Promise<void> {
  const em = db();
  for (const event of events) {
    em.create(AuditEvent, {
      organization: event.organizationId ?? fixtures.demoFirmId,
      actorType: event.actorType ?? 'user',
      actorId: event.actorId === undefined ? ownerId : event.actorId,
      action: event.action,
      targetType: event.targetType ?? 'client',
      targetId: event.targetId === undefined ? fixtures.petes.clientId : event.targetId,
      ip: event.ip ?? '203.0.113.7',
      userAgent: event.userAgent ?? 'test',
      details: event.details ?? null,
      occurredAt: event.at,
    });
  }
  await em.flush();
}

/** The `n` detail of each row of an audit page, in page order. */
function numbersOn(html: string): number[] {
  return [...visibleText(html).matchAll(/\bn: (\d+)/g)].map((match) => Number(match[1]));
}

function nextLink(html: string): string | null {
  const href = /href="([^"]*\?[^"]*after=[^"]+)"/.exec(html)?.[1];
  return href ? href.replaceAll('&amp;', '&') : null;
}

/** RFC 4180 CSV, as a spreadsheet reads it. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i]!;
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        cell += '"';
        i += 1;
      } else if (char === '"') quoted = false;
      else cell += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      row.push(cell);
      cell = '';
    } else if (char === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i += 1;
    } else cell += char;
  }
  if (cell !== '' || row.length > 0) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}

async function exportCsv(filters: Record<string, string>): Promise<{ response: Response; rows: string[][] }> {
  const response = await staff.post('/app/settings/audit/export', filters);
  const bytes = new Uint8Array(await response.arrayBuffer());
  // A UTF-8 byte order mark first, so spreadsheet programs read the file as UTF-8.
  expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  return { response, rows: parseCsv(new TextDecoder().decode(bytes)) };
}

describe('browsing the audit log', () => {
  it('shows the firm’s events newest first with readable names, and pages through all of them once', async () => {
    const base = Date.UTC(2021, 5, 1, 12);
    // 60 events, in pairs at the same instant: the keyset order must still neither repeat nor skip.
    await addEvents(
      Array.from({ length: 60 }, (_, n) => ({
        action: 'document.downloaded',
        targetType: 'document',
        targetId: randomUUID(),
        at: new Date(base + Math.floor(n / 2) * 60_000),
        details: { n },
      })),
    );
    const first = await staff.page(
      '/app/settings/audit?action=document.downloaded&from=2021-06-01&to=2021-06-01',
    );
    expect(first.status).toBe(200);
    const text = visibleText(first.html);
    expect(text).toContain('Document downloaded');
    expect(text).toContain('Olivia');
    const onFirst = numbersOn(first.html);
    expect(onFirst).toHaveLength(50);
    const next = nextLink(first.html);
    expect(next).not.toBeNull();
    const second = await staff.page(next!);
    const onSecond = numbersOn(second.html);
    expect(onSecond).toHaveLength(10);
    expect(nextLink(second.html)).toBeNull();
    const all = [...onFirst, ...onSecond];
    expect(new Set(all).size).toBe(60);
    // Newest first: the pair numbers never go up.
    const pairs = all.map((n) => Math.floor(n / 2));
    expect(pairs).toEqual([...pairs].sort((a, b) => b - a));
  });

  it('filters by person, action, target type, and days counted in the firm’s time zone', async () => {
    const other = await db().findOneOrFail(User, {
      email: demoLogins.find((login) => login.role === 'admin')!.email,
    });
    await addEvents([
      // 23:30 on Feb 29 in New York (04:30 UTC on March 1).
      {
        action: 'task.assigned',
        targetType: 'task',
        at: new Date('2020-03-01T04:30:00Z'),
        details: { n: 1 },
      },
      // 00:30 on March 1 in New York.
      {
        action: 'task.assigned',
        targetType: 'task',
        at: new Date('2020-03-01T05:30:00Z'),
        details: { n: 2 },
      },
      {
        action: 'task.assigned',
        targetType: 'task',
        at: new Date('2020-03-01T06:00:00Z'),
        actorId: other.id,
        details: { n: 3 },
      },
      {
        action: 'task.assigned',
        targetType: 'invoice',
        at: new Date('2020-03-01T07:00:00Z'),
        actorType: 'system',
        actorId: null,
        details: { n: 4 },
      },
    ]);
    const page = async (query: string) =>
      numbersOn((await staff.page(`/app/settings/audit?action=task.assigned&${query}`)).html).sort();
    expect(await page('from=2020-02-29&to=2020-02-29')).toEqual([1]);
    expect(await page('from=2020-03-01&to=2020-03-01')).toEqual([2, 3, 4]);
    expect(await page(`from=2020-02-29&to=2020-03-01&actor=${other.id}`)).toEqual([3]);
    expect(await page('from=2020-02-29&to=2020-03-01&actor=system')).toEqual([4]);
    expect(await page('from=2020-02-29&to=2020-03-01&target=invoice')).toEqual([4]);
    expect(await page('from=2020-02-29&to=2020-03-01&target=task')).toEqual([1, 2, 3]);
  });

  it('keeps another firm’s events out, even with their IDs in the filters', async () => {
    await addEvents([
      {
        organizationId: fixtures.otherFirmId,
        action: 'client.created',
        at: new Date('2019-07-04T12:00:00Z'),
        targetId: fixtures.otherFirm.clientId,
        details: { n: 99 },
      },
    ]);
    const html = (await staff.page('/app/settings/audit?from=2019-07-04&to=2019-07-04')).html;
    expect(numbersOn(html)).toEqual([]);
    expect(html).not.toContain(fixtures.otherFirm.clientId);
  });

  it('explains a malformed filter with a 400 and keeps the form usable', async () => {
    const bad = await staff.page('/app/settings/audit?from=2020-13-45');
    expect(bad.status).toBe(400);
    expect(visibleText(bad.html)).toContain('Enter a real date.');
    expect(bad.html).toContain('name="action"');
    const reversed = await staff.page('/app/settings/audit?from=2020-03-02&to=2020-03-01');
    expect(reversed.status).toBe(400);
    expect(visibleText(reversed.html)).toContain('on or before');
    const cursor = await staff.page('/app/settings/audit?after=not-a-cursor');
    expect(cursor.status).toBe(400);
  });
});

describe('exporting the audit log', () => {
  it('streams every matching event as CSV, with formula-safe cells, and records the export', async () => {
    const rows = {
      clients: [
        {
          ...buildClient(ctx, { organizationId: fixtures.demoFirmId, kind: 'business', status: 'active' }),
          displayName: '=HYPERLINK("http://evil.example","Click")',
        },
      ],
    };
    const { user, membership } = buildStaffMember(ctx, {
      organizationId: fixtures.demoFirmId,
      role: 'preparer',
      name: '@SUM(1+1)',
      passwordHash: 'scrypt$1$1$1$x$y',
    });
    await db().transactional((tx) => {
      persistSeedRows(tx, { ...rows, users: [user], memberships: [membership] });
      return Promise.resolve();
    });
    await addEvents([
      {
        action: 'client.tax_id_set',
        at: new Date('2022-01-10T15:00:00Z'),
        targetId: rows.clients[0]!.id,
        actorId: user.id,
        ip: '+1 555',
        userAgent: '-2+3',
        details: { note: 'said "hello"\nthen left' },
      },
      ...Array.from({ length: 1200 }, (_, n) => ({
        action: 'client.tax_id_set',
        at: new Date(Date.UTC(2022, 0, 11) + n * 1000),
        details: { n },
      })),
    ]);

    const before = await db().count(AuditEvent, {
      organization: fixtures.demoFirmId,
      action: 'audit.exported',
    });
    const { response, rows: csv } = await exportCsv({
      action: 'client.tax_id_set',
      from: '2022-01-01',
      to: '2022-01-31',
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(response.headers.get('content-disposition')).toMatch(
      /^attachment; filename="audit-log-\d{4}-\d{2}-\d{2}\.csv"$/,
    );
    expect(csv[0]).toEqual([...auditCsvColumns]);
    expect(csv).toHaveLength(1 + 1201);
    // Newest first, as on the page.
    expect(csv[1]![0]).toBe(new Date(Date.UTC(2022, 0, 11) + 1199 * 1000).toISOString());

    const risky = csv.find((row) => row[7] === rows.clients[0]!.id)!;
    const cell = (name: (typeof auditCsvColumns)[number]) => risky[auditCsvColumns.indexOf(name)];
    expect(cell('target')).toBe(`'=HYPERLINK("http://evil.example","Click")`);
    expect(cell('actor')).toBe(`'@SUM(1+1) (staff)`);
    expect(cell('ip')).toBe(`'+1 555`);
    expect(cell('user_agent')).toBe(`'-2+3`);
    expect(cell('details')).toBe('note: said "hello"\nthen left');
    expect(cell('action_label')).toBe('Tax ID changed');

    const exports = await db().find(
      AuditEvent,
      { organization: fixtures.demoFirmId, action: 'audit.exported' },
      { orderBy: { occurredAt: 'desc' } },
    );
    expect(exports).toHaveLength(before + 1);
    expect(exports[0]).toMatchObject({
      actorType: 'user',
      actorId: ownerId,
      targetType: 'audit_log',
      details: {
        format: 'csv',
        filters: { action: 'client.tax_id_set', from: '2022-01-01', to: '2022-01-31' },
      },
    });

    // The export shows in the log it exported.
    const page = visibleText((await staff.page('/app/settings/audit?action=audit.exported')).html);
    expect(page).toContain('Audit log exported');
  });

  it('refuses malformed filters with a 400 and exports nothing', async () => {
    const before = await db().count(AuditEvent, {
      organization: fixtures.demoFirmId,
      action: 'audit.exported',
    });
    const response = await staff.post('/app/settings/audit/export', { from: 'yesterday' });
    expect(response.status).toBe(400);
    expect(
      await db().count(AuditEvent, { organization: fixtures.demoFirmId, action: 'audit.exported' }),
    ).toBe(before);
  });
});

describe('document views and downloads', () => {
  async function storeFile(documentId: string, content: string) {
    const document = await db().findOneOrFail(Document, { id: documentId });
    const storage = createBlobStorage({
      connectionString: process.env.AZURE_STORAGE_CONNECTION_STRING ?? '',
      containerName: process.env.BLOB_CONTAINER ?? '',
    });
    await storage.container.getBlockBlobClient(document.blobKey).upload(content, Buffer.byteLength(content), {
      blobHTTPHeaders: { blobContentType: 'application/pdf' },
    });
    return document;
  }

  async function accessEvents(documentId: string) {
    return db().find(
      AuditEvent,
      { organization: fixtures.demoFirmId, targetType: 'document', targetId: documentId },
      { orderBy: { occurredAt: 'asc', id: 'asc' } },
    );
  }

  it('records each staff view and download, and hands out a short-lived link to the file', async () => {
    const document = await storeFile(fixtures.petes.documentId, '%PDF-1.4 staff copy');
    const view = await staff.page(`/app/documents/${document.id}`);
    expect(view.status).toBe(200);
    const text = visibleText(view.html);
    expect(text).toContain(document.originalFileName);
    expect(text).toContain('Extracted fields');
    expect(text).toContain('Paula Petesclient');

    const download = await staff.get(`/app/documents/${document.id}/download`);
    expect(download.status).toBe(302);
    const url = new URL(download.headers.get('location')!);
    expect(url.searchParams.get('sp')).toBe('r');
    expect(url.searchParams.get('se')).not.toBeNull();
    const file = await fetch(url);
    expect(file.status).toBe(200);
    expect(await file.text()).toBe('%PDF-1.4 staff copy');
    expect(file.headers.get('content-disposition')).toContain('attachment');

    const events = await accessEvents(document.id);
    expect(events.map((event) => [event.action, event.actorType, event.actorId, event.details])).toEqual([
      ['document.viewed', 'user', ownerId, { via: 'staff_app' }],
      ['document.downloaded', 'user', ownerId, { via: 'staff_app' }],
    ]);
  });

  it('records a client’s download from the portal as theirs', async () => {
    const document = await storeFile(fixtures.ava.documentId, '%PDF-1.4 client copy');
    const client = new HttpSession(platform.web.url);
    await signInPortalContact(client, orm, {
      organizationId: fixtures.demoFirmId,
      contactId: fixtures.ava.contactId,
    });
    const download = await client.get(`/portal/documents/${document.id}`);
    expect(download.status).toBe(302);
    expect(await (await fetch(download.headers.get('location')!)).text()).toBe('%PDF-1.4 client copy');
    const events = await accessEvents(document.id);
    expect(events.map((event) => [event.action, event.actorType, event.actorId, event.details])).toEqual([
      ['document.downloaded', 'contact', fixtures.ava.contactId, { via: 'portal' }],
    ]);
  });

  it('records nothing for a document that is not theirs to see', async () => {
    const client = new HttpSession(platform.web.url);
    await signInPortalContact(client, orm, {
      organizationId: fixtures.demoFirmId,
      contactId: fixtures.ava.contactId,
    });
    expect((await client.get(`/portal/documents/${fixtures.notPetes.documentId}`)).status).toBe(404);
    expect((await staff.get(`/app/documents/${fixtures.otherFirm.documentId}`)).status).toBe(404);
    expect(await accessEvents(fixtures.notPetes.documentId)).toEqual([]);
    expect(
      await db().count(AuditEvent, { targetType: 'document', targetId: fixtures.otherFirm.documentId }),
    ).toBe(0);
  });
});
