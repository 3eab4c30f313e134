/**
 * The staff app's list pages at scale: the loaders' own query functions (web/app/**, which call
 * db/queries/*), through a firm-scoped EntityManager, as each page request runs them. Baseline: the
 * same call for the demo firm (45 clients). The ratio is what a large firm costs over a small one; with
 * keyset pagination and the indexes db/queries/query-plans.test.ts checks, a page should cost about the
 * same however large the firm, and however deep the page.
 */
import type { Orm } from '../../db/orm';
import { encodeCursor } from '../../db/queries/keyset';
import { forTenant } from '../../db/tenancy/tenant-context';
import { withPgClient } from '../../infra/local/pg-client';
import { auditFilterOptions, auditLogPage } from '../../web/app/audit/audit-log.server';
import type { TEngagementVisibility } from '../../web/app/auth/permissions.server';
import { listClients } from '../../web/app/clients/client-queries.server';
import { dashboardSummary } from '../../web/app/dashboard/dashboard.server';
import { listEngagements } from '../../web/app/engagements/engagement-queries.server';
import { listOpenTasks } from '../../web/app/tasks/task-queries.server';
import { dateFormat } from '../../web/app/ui/dates.server';
import type { TBenchFirm } from '../environment';
import { benchData, type TBenchmark } from '../context';
import { measurePair } from '../measure';
import { compare, type TBenchmarkResult } from '../report';
import type { TTarget } from '../stats';

/** Where each firm's deep pages start, and what its name searches look for. */
interface TFirmKeys {
  engagementsDeep: string;
  clientsDeep: string;
  auditDeep: string;
  /** The first three letters of the client in the middle of the name order: a search with hits. */
  commonPrefix: string;
}

/** How deep a "deep page" is: this fraction of the way through the firm's list. */
const deepFraction = 0.9;

const format = dateFormat('America/New_York');
const everyone: TEngagementVisibility = { kind: 'all' };
const assigned = (firm: TBenchFirm): TEngagementVisibility => ({ kind: 'assigned', userId: firm.preparerId });

/** A prefix no client name starts with: the search reads the firm's whole name index to learn that. */
const missingPrefix = 'Zqx';

interface TListQuery {
  name: string;
  target: TTarget;
  /** Limited to one preparer's engagements (the notes then give both preparers' client counts). */
  preparer?: boolean;
  /** What else the notes should say about the two firms. */
  notes?: (small: TBenchFirm, large: TBenchFirm) => string[];
  run: (orm: Orm, firm: TBenchFirm, keys: TFirmKeys) => Promise<unknown>;
}

const pageTarget = (maxRatio: number, extra = ''): TTarget => ({
  maxRatio,
  why: `a keyset page walks an index range of one page, so it should cost about what the small firm's does; ${maxRatio}× leaves room for deeper index trees, colder caches and noise${extra}`,
});

/**
 * A preparer's lists and counts start from every client of their assigned engagements
 * (visibleClientIds in web/app/engagements/engagement-scope.server.ts), so they cost in proportion
 * to that preparer's assignments, not to the page. The scale seed gives each preparer about 500
 * clients at any firm size; the demo firm's busiest preparer has 16: the ratio mostly measures that
 * difference. It grows a little with the firm too (the client page walks the firm's name index,
 * skipping the clients the preparer does not see): measured about 10× at 2,000 clients and 13-15×
 * at 10,000 for the client list, 4-7× for the dashboard.
 */
const preparerTarget: TTarget = {
  maxRatio: 25,
  why: "cost follows the preparer's assigned clients (about 500 in the large firm, 16 in the demo firm) and grows a little with the firm: measured up to 15× at 10,000 clients on a busy machine; 25× leaves noise headroom and fails a cost that follows the firm's size (220 times the demo firm's clients at 10,000)",
};

/**
 * The name search reads the (organization, lower(display_name) text_pattern_ops) index: only the
 * names that match the prefix, then sorted, so its cost follows the matches, not the firm's size.
 * Before that index it walked the whole name index and measured about 5× at 10,000 clients.
 */
const searchTarget: TTarget = {
  maxRatio: 3,
  why: 'the lower-cased name index gives the matching names as one range, so a search costs about the same in any firm: measured 1.1-1.5× at 2,000 clients (about 5× at 10,000 before the index); 3× like the other list pages',
};

export const listQueries: TListQuery[] = [
  {
    name: 'engagements, first page',
    target: pageTarget(3),
    run: (orm, firm) =>
      listEngagements(forTenant(orm, firm.id), {
        organizationId: firm.id,
        visibility: everyone,
        after: null,
        format,
      }),
  },
  {
    name: `engagements, page at ${deepFraction * 100}%`,
    target: pageTarget(3),
    run: (orm, firm, keys) =>
      listEngagements(forTenant(orm, firm.id), {
        organizationId: firm.id,
        visibility: everyone,
        after: keys.engagementsDeep,
        format,
      }),
  },
  {
    name: 'engagements, first page (preparer)',
    target: pageTarget(3),
    preparer: true,
    run: (orm, firm) =>
      listEngagements(forTenant(orm, firm.id), {
        organizationId: firm.id,
        visibility: assigned(firm),
        after: null,
        format,
      }),
  },
  {
    name: 'clients, first page',
    target: pageTarget(3),
    run: (orm, firm) =>
      listClients(forTenant(orm, firm.id), {
        organizationId: firm.id,
        visibility: everyone,
        search: '',
        after: null,
        format,
      }),
  },
  {
    name: `clients, page at ${deepFraction * 100}%`,
    target: pageTarget(3),
    run: (orm, firm, keys) =>
      listClients(forTenant(orm, firm.id), {
        organizationId: firm.id,
        visibility: everyone,
        search: '',
        after: keys.clientsDeep,
        format,
      }),
  },
  {
    name: 'clients, name search with hits',
    target: searchTarget,
    run: (orm, firm, keys) =>
      listClients(forTenant(orm, firm.id), {
        organizationId: firm.id,
        visibility: everyone,
        search: keys.commonPrefix,
        after: null,
        format,
      }),
  },
  {
    name: 'clients, name search without hits',
    target: searchTarget,
    run: (orm, firm) =>
      listClients(forTenant(orm, firm.id), {
        organizationId: firm.id,
        visibility: everyone,
        search: missingPrefix,
        after: null,
        format,
      }),
  },
  {
    name: 'clients, first page (preparer)',
    target: preparerTarget,
    preparer: true,
    run: (orm, firm) =>
      listClients(forTenant(orm, firm.id), {
        organizationId: firm.id,
        visibility: assigned(firm),
        search: '',
        after: null,
        format,
      }),
  },
  {
    name: 'tasks page (200 open tasks)',
    target: {
      maxRatio: 5,
      why: "the page shows up to 200 open tasks with client, engagement and assignee: full in the large firm, the demo firm's few dozen in the small one, so the ratio includes that many more rows (measured about 3× at 2,000 and 10,000 clients alike); 5× fails a cost that follows the firm's open tasks",
    },
    notes: (small, large) => [
      `rows shown: ${Math.min(200, small.counts.openTasks)} of ${small.counts.openTasks.toLocaleString('en-US')} open tasks (${small.label}), ${Math.min(200, large.counts.openTasks)} of ${large.counts.openTasks.toLocaleString('en-US')} (${large.label})`,
    ],
    run: (orm, firm) =>
      listOpenTasks(forTenant(orm, firm.id), {
        organizationId: firm.id,
        visibility: everyone,
        limit: 200,
        format,
      }),
  },
  {
    name: 'dashboard',
    target: pageTarget(3),
    run: (orm, firm) =>
      dashboardSummary(forTenant(orm, firm.id), { organizationId: firm.id, visibility: everyone, format }),
  },
  {
    name: 'dashboard (preparer)',
    target: preparerTarget,
    preparer: true,
    run: (orm, firm) =>
      dashboardSummary(forTenant(orm, firm.id), {
        organizationId: firm.id,
        visibility: assigned(firm),
        format,
      }),
  },
  {
    name: 'audit log, first page',
    target: pageTarget(3),
    run: async (orm, firm) => {
      const em = forTenant(orm, firm.id);
      await auditFilterOptions(em, firm.id);
      return auditLogPage(em, { organizationId: firm.id, filters: {}, after: null, format });
    },
  },
  {
    name: `audit log, page at ${deepFraction * 100}%`,
    target: pageTarget(3),
    run: async (orm, firm, keys) => {
      const em = forTenant(orm, firm.id);
      await auditFilterOptions(em, firm.id);
      return auditLogPage(em, { organizationId: firm.id, filters: {}, after: keys.auditDeep, format });
    },
  },
];

/** The cursor the app would hand out for the row `deepFraction` of the way down each list. */
async function firmKeys(url: string, firm: TBenchFirm): Promise<TFirmKeys> {
  return withPgClient(url, async (client) => {
    const at = async <T extends Record<string, unknown>>(sql: string, total: number): Promise<T> => {
      const offset = Math.max(0, Math.floor(total * deepFraction) - 1);
      const row = (await client.query<T>(sql, [firm.id, offset])).rows[0];
      if (!row) throw new Error(`no row at offset ${offset} for the ${firm.label}`);
      return row;
    };
    const engagement = await at<{ updated_at: Date; id: string }>(
      'SELECT updated_at, id FROM engagement WHERE organization_id = $1 ORDER BY updated_at DESC, id DESC OFFSET $2 LIMIT 1',
      firm.counts.engagements,
    );
    const client_ = await at<{ display_name: string; id: string }>(
      'SELECT display_name, id FROM client WHERE organization_id = $1 ORDER BY display_name, id OFFSET $2 LIMIT 1',
      firm.counts.clients,
    );
    const audit = await at<{ occurred_at: Date; id: string }>(
      'SELECT occurred_at, id FROM audit_event WHERE organization_id = $1 ORDER BY occurred_at DESC, id DESC OFFSET $2 LIMIT 1',
      firm.counts.auditEvents,
    );
    const middle = (
      await client.query<{ display_name: string }>(
        'SELECT display_name FROM client WHERE organization_id = $1 ORDER BY display_name, id OFFSET $2 LIMIT 1',
        [firm.id, Math.floor(firm.counts.clients / 2)],
      )
    ).rows[0];
    return {
      engagementsDeep: encodeCursor('engagements:recent', [
        engagement.updated_at.toISOString(),
        engagement.id,
      ]),
      clientsDeep: encodeCursor('clients', [client_.display_name, client_.id]),
      auditDeep: encodeCursor('audit', [audit.occurred_at.toISOString(), audit.id]),
      commonPrefix: (middle?.display_name ?? 'A').slice(0, 3),
    };
  });
}

export const listQueriesBenchmark: TBenchmark = async (context) => {
  const { args, log } = context;
  const data = benchData(context);
  const smallKeys = await firmKeys(data.url, data.small);
  const largeKeys = await firmKeys(data.url, data.large);
  const results: TBenchmarkResult[] = [];
  for (const query of listQueries) {
    log(`lists · ${query.name}`);
    const samples = await measurePair({
      warmup: args.warmup,
      iterations: args.iterations,
      baseline: () => query.run(data.orm, data.small, smallKeys),
      measured: () => query.run(data.orm, data.large, largeKeys),
    });
    results.push(
      compare({
        group: 'lists',
        name: query.name,
        unit: 'ms',
        baselineLabel: `${data.small.label} (${data.small.counts.clients.toLocaleString('en-US')} clients)`,
        measuredLabel: `${data.large.label} (${data.large.counts.clients.toLocaleString('en-US')} clients)`,
        baselineSamples: samples.baseline,
        measuredSamples: samples.measured,
        target: query.target,
        notes: [
          ...(query.preparer
            ? [
                `preparer's assigned clients: ${data.small.preparerClients.toLocaleString('en-US')} (${data.small.label}), ${data.large.preparerClients.toLocaleString('en-US')} (${data.large.label})`,
              ]
            : []),
          ...(query.notes?.(data.small, data.large) ?? []),
        ],
      }),
    );
  }
  return results;
};
