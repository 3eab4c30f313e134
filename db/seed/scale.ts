import { MikroORM } from '@mikro-orm/postgresql';
import pg from 'pg';
import { hashPassword } from '../../lib/passwords';
import type { TClientKind, TClientStatus } from '../clients/client.entity';
import type { TEngagementStatus, TEngagementType } from '../engagements/engagement.entity';
import { defaultOrganizationSettings } from '../organizations/organization.entity';
import { ormConfig } from '../orm';
import type { TStaffRole } from '../users/membership.entity';
import { bulkInsertAll } from './bulk-insert';
import { addDays, currentTaxYear, periodBefore } from './dates';
import { demoStaffPassword } from './demo-logins';
import {
  buildClientWithContacts,
  buildEngagementBundle,
  buildFirm,
  buildStaffMember,
  personName,
  seedContext,
  type TSeedContext,
} from './factories';
import { appendSeedRows, emptySeedRows, seedRowKinds, type TSeedRows } from './rows';
import { activeStages, finalStage } from './stages';

/** Per client, the scale seed makes this many engagements, tasks and documents unless told otherwise. */
export const scaleDefaultsPerClient = { engagements: 5, tasks: 20, documents: 10 } as const;

export interface TScaleSeedOptions {
  databaseUrl: string;
  /** The firm's slug; default `scale-firm`. */
  slug?: string;
  clients: number;
  /** Totals; defaults: 5, 20 and 10 per client. */
  engagements?: number;
  tasks?: number;
  documents?: number;
  /** Delete the firm first when it exists (otherwise its existence is an error). */
  replace?: boolean;
  /** The moment the data is "as of"; default now. */
  now?: Date;
  /** Progress lines; default none. */
  log?: (line: string) => void;
}

export interface TScaleSeedResult {
  organizationId: string;
  slug: string;
  ownerEmail: string;
  rows: Record<keyof TSeedRows, number>;
  seconds: number;
}

/** The scale seed refuses to touch a firm that exists unless asked to replace it. */
export class ScaleFirmExistsError extends Error {
  override name = 'ScaleFirmExistsError';
}

/** Clients per transaction: each batch holds a slice of clients with everything that belongs to them. */
const clientsPerBatch = 250;
/** Connections inserting slices at once (the machine this was tuned on has two cores). */
const parallelConnections = 2;

/**
 * Seeds one large firm for performance work: `clients` clients (individuals and businesses, 5%
 * prospects, 10% inactive) with contacts, and exactly `engagements` engagements, `tasks` tasks and
 * `documents` documents spread evenly over them, built by the same factories as the demo seed and
 * inserted with bulk SQL (one transaction per slice of clients). Most engagements are past periods,
 * completed; each client's current tax year and latest month are active half the time. Ends with
 * ANALYZE so the planner knows the new sizes.
 */
export async function seedScaleFirm(options: TScaleSeedOptions): Promise<TScaleSeedResult> {
  if (process.env.NODE_ENV === 'production') throw new Error('The scale seed never runs in production.');
  const started = Date.now();
  const log = options.log ?? (() => undefined);
  const slug = options.slug ?? 'scale-firm';
  const sizes = scaleSizes(options);

  // MikroORM's metadata tells the bulk insert every table's columns; no connection is needed for it.
  const orm = new MikroORM(ormConfig({ databaseUrl: options.databaseUrl, poolMax: 1 }));
  const client = new pg.Client({ connectionString: options.databaseUrl });
  await client.connect();
  try {
    const existing = await client.query<{ id: string }>('SELECT id FROM organization WHERE slug = $1', [
      slug,
    ]);
    const existingId = existing.rows[0]?.id;
    if (existingId) {
      if (!options.replace) {
        throw new ScaleFirmExistsError(
          `A firm with slug "${slug}" already exists in this database. Pass --replace to delete it and seed it again, or --firm <slug> to seed another.`,
        );
      }
      log(`deleting the existing firm "${slug}"…`);
      await deleteFirm(client, existingId);
    }

    const now = options.now ?? new Date();
    const firmRows = buildScaleFirm(
      seedContext(`scale:${slug}`, now),
      slug,
      sizes.clients,
      await hashPassword(demoStaffPassword),
    );
    const organizationId = firmRows.rows.organizations[0]?.id ?? '';
    const counts = Object.fromEntries(seedRowKinds.map((kind) => [kind, 0])) as Record<
      keyof TSeedRows,
      number
    >;
    const insert = async (connection: pg.Client, rows: TSeedRows) => {
      await connection.query('BEGIN');
      try {
        await bulkInsertAll(connection, orm.getMetadata(), rows);
        await connection.query('COMMIT');
      } catch (error) {
        await connection.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
      for (const kind of seedRowKinds) counts[kind] += rows[kind].length;
    };
    await insert(client, firmRows.rows);

    // Slices of clients are independent (each carries its clients' whole history) and each has its own
    // pseudo-random sequence, so they can be built and inserted on parallel connections and still come
    // out the same on every run. While one connection's batch runs in Postgres, the next is built here.
    const plan = new EngagementPlan(sizes);
    const slices = Math.ceil(sizes.clients / clientsPerBatch);
    let nextSlice = 0;
    let clientsDone = 0;
    let lastReport = Date.now();
    let failed = false;
    const work = async (connection: pg.Client) => {
      while (!failed && nextSlice < slices) {
        const slice = nextSlice;
        nextSlice += 1;
        const first = slice * clientsPerBatch;
        const last = Math.min(sizes.clients, first + clientsPerBatch);
        const rows = await buildSlice({
          slug,
          now,
          organizationId,
          staff: firmRows.staff,
          plan,
          first,
          last,
        });
        await insert(connection, rows);
        clientsDone += last - first;
        if (Date.now() - lastReport > 2_000 || clientsDone === sizes.clients) {
          lastReport = Date.now();
          log(
            `  clients ${fmt(clientsDone)}/${fmt(sizes.clients)} · engagements ${fmt(counts.engagements)} · tasks ${fmt(counts.tasks)} · documents ${fmt(counts.documents)} · ${secondsSince(started)} s`,
          );
        }
      }
    };
    const extra = await Promise.all(
      Array.from({ length: parallelConnections - 1 }, async () => {
        const connection = new pg.Client({ connectionString: options.databaseUrl });
        await connection.connect();
        return connection;
      }),
    );
    try {
      // When one connection fails, the others stop after their current slice; the first error is thrown.
      const outcomes = await Promise.allSettled(
        [client, ...extra].map((connection) =>
          work(connection).catch((error: unknown) => {
            failed = true;
            throw error;
          }),
        ),
      );
      const failure = outcomes.find((outcome) => outcome.status === 'rejected');
      if (failure) throw failure.reason;
    } finally {
      await Promise.all(extra.map((connection) => connection.end().catch(() => undefined)));
    }
    log('ANALYZE…');
    await client.query('ANALYZE');
    return {
      organizationId,
      slug,
      ownerEmail: firmRows.ownerEmail,
      rows: counts,
      seconds: Number(secondsSince(started)),
    };
  } finally {
    await client.end().catch(() => undefined);
    await orm.close(true).catch(() => undefined);
  }
}

function scaleSizes(options: TScaleSeedOptions) {
  const whole = (name: string, value: number) => {
    if (!Number.isInteger(value) || value < 0)
      throw new Error(`${name} must be a whole number, got ${value}`);
    return value;
  };
  const clients = whole('clients', options.clients);
  if (clients < 1) throw new Error('clients must be at least 1');
  const sizes = {
    clients,
    engagements: whole('engagements', options.engagements ?? clients * scaleDefaultsPerClient.engagements),
    tasks: whole('tasks', options.tasks ?? clients * scaleDefaultsPerClient.tasks),
    documents: whole('documents', options.documents ?? clients * scaleDefaultsPerClient.documents),
  };
  const prospects = prospectsBefore(clients);
  if (sizes.engagements < prospects) {
    throw new Error(
      `engagements must be at least ${prospects}: every prospect (1 in 20 clients) has its onboarding`,
    );
  }
  return sizes;
}

const fmt = (n: number) => n.toLocaleString('en-US');
const secondsSince = (start: number) => ((Date.now() - start) / 1000).toFixed(1);

/** Client `index` is a prospect every 20 clients, inactive twice in 20, active otherwise. */
function statusOf(index: number): TClientStatus {
  const slot = index % 20;
  return slot === 0 ? 'prospect' : slot <= 2 ? 'inactive' : 'active';
}

/** How many prospects there are among clients 0 .. count-1. */
function prospectsBefore(count: number): number {
  return Math.ceil(count / 20);
}

/** Even shares: the number of items of `total` that slot `i` of `slots` gets (they sum to `total`). */
function share(total: number, slots: number, i: number): number {
  return Math.floor(((i + 1) * total) / slots) - Math.floor((i * total) / slots);
}

/**
 * Spreads exact totals: each prospect has its onboarding only, the other clients share the remaining
 * engagements evenly, and engagements (numbered in client order) share the tasks and documents.
 * Everything is a closed formula of the client's index, so any slice can be built on its own.
 */
class EngagementPlan {
  private readonly prospects: number;
  private readonly others: number;

  constructor(
    private readonly sizes: { clients: number; engagements: number; tasks: number; documents: number },
  ) {
    this.prospects = prospectsBefore(sizes.clients);
    this.others = sizes.clients - this.prospects;
  }

  engagementsOf(index: number): number {
    return this.firstEngagementOf(index + 1) - this.firstEngagementOf(index);
  }

  /** The number of the first engagement of client `index` (how many engagements the clients before it have). */
  firstEngagementOf(index: number): number {
    const prospects = prospectsBefore(index);
    const others = index - prospects;
    if (this.others === 0) return prospects;
    return prospects + Math.floor((others * (this.sizes.engagements - this.prospects)) / this.others);
  }

  /** Tasks and documents of engagement number `n`. */
  engagementShare(n: number): { tasks: number; documents: number } {
    return {
      tasks: share(this.sizes.tasks, this.sizes.engagements, n),
      documents: share(this.sizes.documents, this.sizes.engagements, n),
    };
  }
}

/** Builds clients first .. last-1 with everything they have; yields now and then so inserts keep flowing. */
async function buildSlice(input: {
  slug: string;
  now: Date;
  organizationId: string;
  staff: TScaleStaff;
  plan: EngagementPlan;
  first: number;
  last: number;
}): Promise<TSeedRows> {
  const firstEngagement = input.plan.firstEngagementOf(input.first);
  // Invoice numbers follow engagement numbers: an engagement has at most one invoice.
  const ctx = seedContext(`scale:${input.slug}:clients-from:${input.first}`, input.now, {
    firstNumber: firstEngagement + 1,
  });
  const rows = emptySeedRows();
  let engagementNumber = firstEngagement;
  for (let index = input.first; index < input.last; index += 1) {
    const built = buildScaleClient(ctx, { ...input, index, firstEngagement: engagementNumber });
    engagementNumber += built.engagements.length;
    appendSeedRows(rows, built);
    if (index % 25 === 24) await new Promise((resolve) => setImmediate(resolve));
  }
  return rows;
}

interface TScaleStaff {
  preparers: string[];
  reviewers: string[];
  managers: string[];
}

function buildScaleFirm(ctx: TSeedContext, slug: string, clients: number, passwordHash: string) {
  const rows = emptySeedRows();
  const firm = buildFirm(ctx, {
    name: `Scale Test CPA (${slug})`,
    slug,
    plan: 'enterprise',
    settings: defaultOrganizationSettings,
    createdAt: addDays(ctx.now, -3000),
  });
  rows.organizations.push(firm);
  const headcount: [TStaffRole, number][] = [
    ['owner', 1],
    ['admin', 2],
    ['manager', Math.max(1, Math.round(clients / 2_500))],
    ['preparer', Math.max(2, Math.round(clients / 500))],
    ['reviewer', Math.max(1, Math.round(clients / 1_250))],
  ];
  const staff: TScaleStaff = { preparers: [], reviewers: [], managers: [] };
  let ownerEmail = '';
  for (const [role, count] of headcount) {
    for (let i = 1; i <= count; i += 1) {
      const name = personName(ctx).full;
      const email = `${role}.${i}@${slug}.example.test`;
      const { user, membership } = buildStaffMember(ctx, {
        organizationId: firm.id,
        role,
        name,
        email,
        passwordHash,
      });
      rows.users.push(user);
      rows.memberships.push(membership);
      if (role === 'owner') ownerEmail = email;
      if (role === 'preparer') staff.preparers.push(user.id);
      if (role === 'reviewer') staff.reviewers.push(user.id);
      if (role === 'manager') staff.managers.push(user.id);
    }
  }
  return { rows, staff, ownerEmail };
}

/** What one of a client's engagements is: its type, period and whether it is the current one. */
function engagementSpec(
  kind: TClientKind,
  j: number,
  taxYear: number,
): { type: TEngagementType; taxYear?: number; period?: string; current: boolean; monthsBack?: number } {
  if (j === 0) return { type: 'client_onboarding', current: false };
  if (kind === 'individual') {
    // Returns and document intakes alternate, one tax year further back every two engagements.
    const back = Math.floor((j - 1) / 2);
    return {
      type: j % 2 === 1 ? 'tax_return' : 'document_intake',
      taxYear: taxYear - back,
      current: back === 0,
    };
  }
  // Businesses: one return for every three monthly closes, each further back in time.
  if (j % 4 === 1) {
    const back = Math.floor(j / 4);
    return { type: 'tax_return', taxYear: taxYear - back, current: back === 0 };
  }
  const monthsBack = j - Math.floor(j / 4) - 1;
  return { type: 'monthly_close', monthsBack, current: monthsBack === 1 };
}

function buildScaleClient(
  ctx: TSeedContext,
  input: {
    organizationId: string;
    staff: TScaleStaff;
    index: number;
    plan: EngagementPlan;
    firstEngagement: number;
  },
): TSeedRows {
  const { random, now } = ctx;
  const { staff, index, plan } = input;
  const rows = emptySeedRows();
  const status = statusOf(index);
  const { client, contacts } = buildClientWithContacts(ctx, {
    organizationId: input.organizationId,
    status,
    emailTag: index.toString(36),
  });
  rows.clients.push(client);
  rows.contacts.push(...contacts);

  const preparerId = staff.preparers[index % staff.preparers.length] ?? null;
  const reviewerId = staff.reviewers.length ? random.pick(staff.reviewers) : null;
  const taxYear = currentTaxYear(now) - (status === 'inactive' ? 2 : 0);
  const count = plan.engagementsOf(index);
  for (let j = 0; j < count; j += 1) {
    const spec = engagementSpec(client.kind, j, taxYear);
    const { tasks, documents } = plan.engagementShare(input.firstEngagement + j);
    let stage = finalStage(spec.type);
    let engagementStatus: TEngagementStatus = 'completed';
    if (spec.type === 'client_onboarding' && status === 'prospect') {
      stage = random.pick(activeStages('client_onboarding'));
      engagementStatus = 'active';
    } else if (spec.current && status === 'active' && random.chance(0.5)) {
      stage = random.pick(activeStages(spec.type));
      engagementStatus = 'active';
    } else if (random.chance(0.03)) {
      stage = random.pick(activeStages(spec.type));
      engagementStatus = 'cancelled';
    }
    appendSeedRows(
      rows,
      buildEngagementBundle(ctx, {
        organizationId: input.organizationId,
        client,
        contactId: contacts[0]?.id ?? null,
        type: spec.type,
        stage,
        status: engagementStatus,
        ...(spec.taxYear !== undefined ? { taxYear: spec.taxYear } : {}),
        ...(spec.monthsBack !== undefined ? { period: periodBefore(now, spec.monthsBack) } : {}),
        preparerId,
        reviewerId,
        startedById: spec.type === 'client_onboarding' ? (staff.managers[0] ?? preparerId) : preparerId,
        tasks,
        documents,
      }),
    );
  }
  return rows;
}

/**
 * Deletes a firm and everything it owns, children first. Not one transaction: halfway it vacuums the
 * tables whose foreign keys to the next ones have no index (document.request_id, task.client_id,
 * document.uploaded_by_contact_id), so their ON DELETE checks scan tables without this firm's dead rows.
 * A firm with audit events cannot be deleted: the audit trail is append-only.
 */
async function deleteFirm(client: pg.Client, organizationId: string): Promise<void> {
  const audit = await client.query('SELECT 1 FROM audit_event WHERE organization_id = $1 LIMIT 1', [
    organizationId,
  ]);
  if (audit.rowCount) {
    throw new ScaleFirmExistsError(
      'This firm has audit events, and the audit trail is append-only: it cannot be deleted. Seed another firm with --firm <slug>.',
    );
  }
  const byFirm = (table: string) =>
    client.query(`DELETE FROM ${table} WHERE organization_id = $1`, [organizationId]);
  for (const table of ['payment', 'invoice', 'document', 'task', 'engagement_event']) await byFirm(table);
  await client.query('VACUUM document, task');
  for (const table of [
    'document_request',
    'engagement',
    'portal_link',
    'integration_connection',
    'email_message',
  ]) {
    await byFirm(table);
  }
  await byFirm('contact');
  await byFirm('client');
  const members = await client.query<{ user_id: string }>(
    'DELETE FROM membership WHERE organization_id = $1 RETURNING user_id',
    [organizationId],
  );
  await client.query(
    'DELETE FROM app_user u WHERE u.id = ANY($1::uuid[]) AND NOT EXISTS (SELECT 1 FROM membership m WHERE m.user_id = u.id)',
    [members.rows.map((r) => r.user_id)],
  );
  await client.query('DELETE FROM organization WHERE id = $1', [organizationId]);
}
