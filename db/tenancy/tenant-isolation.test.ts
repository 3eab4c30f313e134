/**
 * Tenant isolation, proven for every entity in db/entities.ts: the entities are read from the ORM's
 * metadata, and their rows are made by one factory that fills required columns from that metadata,
 * so an entity added later is tested without touching this file (or fails here, naming the column
 * the factory cannot fill).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import {
  MikroORM,
  ReferenceKind,
  wrap,
  type EntityMetadata,
  type EntityProperty,
  type FilterQuery,
} from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, dropTestDatabase } from '../../tests/support/databases';
import { createOrm, ormConfig, type Orm } from '../orm';
import type { EntityManager } from '../types';
import { scopeQuery } from './scope-query';
import {
  forSystem,
  forTenant,
  MissingTenantError,
  TenantViolationError,
  tenantIdOf,
  withTenant,
} from './tenant-context';
import { tenantOwnership, tenantProperty, type TTenantOwnership } from './tenant-ownership';

type TRow = Record<string, unknown>;
type TMeta = EntityMetadata<TRow>;

// --- which entities -------------------------------------------------------------------------------

/** Entities shared by every firm, with no `organization` column. Everything else must belong to a firm. */
const globalEntities = [
  'Organization',
  'User',
  // A person's own sign-in credentials (authenticator, recovery codes, reset links): they belong to the
  // User, who may work for several firms, and hold no firm data.
  'TotpFactor',
  'RecoveryCode',
  'PasswordResetToken',
];
/** Entities whose rows may exist before their firm is known (and are then visible to the system only). */
const entitiesWithOptionalFirm = ['WebhookEvent'];

// Metadata only (no connection): the test names below are built from it before any database exists.
const metadata = new MikroORM(ormConfig({ databaseUrl: 'postgresql://metadata-only/none' })).getMetadata();
const allEntities = ([...metadata.getAll().values()] as TMeta[]).filter(
  (meta) => !meta.embeddable && !meta.virtual,
);
const scopedNames = allEntities
  .filter((meta) => tenantOwnership(meta).kind !== 'global')
  .map((meta) => meta.className)
  .sort();

// --- the factory ----------------------------------------------------------------------------------

interface TFirm {
  id: string;
  label: 'A' | 'B';
  /** Appears in every string and JSON value the factory writes for this firm: a leak detector. */
  marker: string;
}

/**
 * Values the generic factory cannot invent (a column with a format it does not know). Keyed by entity,
 * then property. Empty while every required column is a plain string, number, date, enum, UUID or JSON.
 */
const factoryOverrides: Record<string, Record<string, (firm: TFirm) => unknown>> = {
  // A session is a staff member's (a user) or a portal contact's: the factory fills the contact.
  AuthSession: { subjectKind: () => 'portal' },
};

function noFactory(meta: TMeta, prop: EntityProperty<TRow>, why: string): Error {
  return new Error(
    `The tenant isolation test cannot make a ${meta.className} row: ${meta.className}.${prop.name} (${why}). ` +
      `Add a value for it to factoryOverrides in db/tenancy/tenant-isolation.test.ts.`,
  );
}

function isToOne(prop: EntityProperty<TRow>): boolean {
  return prop.kind === ReferenceKind.MANY_TO_ONE || (prop.kind === ReferenceKind.ONE_TO_ONE && prop.owner);
}

/** Whether the relation is (part of) a unique key of the entity, so rows cannot share its target. */
function inUniqueKey(meta: TMeta, prop: EntityProperty<TRow>): boolean {
  if (prop.unique) return true;
  return meta.uniques.some((unique) => {
    const properties = unique.properties;
    return Array.isArray(properties) ? properties.includes(prop.name) : properties === prop.name;
  });
}

function targetOf(prop: EntityProperty<TRow>): TMeta {
  if (!prop.targetMeta) throw new Error(`${prop.name} is not a relation`);
  return prop.targetMeta as TMeta;
}

/** To-one relations (besides `organization`) that point at tenant-scoped entities. */
function tenantRelations(meta: TMeta): EntityProperty<TRow>[] {
  return meta.props.filter(
    (prop) =>
      isToOne(prop) &&
      prop.name !== tenantProperty &&
      prop.targetMeta !== undefined &&
      tenantOwnership(prop.targetMeta).kind !== 'global',
  );
}

function scalarValue(meta: TMeta, prop: EntityProperty<TRow>, firm: TFirm): unknown {
  if (prop.enum && prop.items?.length) return prop.items[0];
  const column = prop.columnTypes[0] ?? '';
  if (column === 'uuid') return randomUUID();
  if (column === 'json' || column === 'jsonb') return { marker: firm.marker };
  if (column === 'bigint') return 1;
  if (prop.customType && !['UuidType', 'JsonType', 'BigIntType'].includes(prop.customType.constructor.name)) {
    throw noFactory(meta, prop, `custom type ${prop.customType.constructor.name}`);
  }
  switch (prop.runtimeType) {
    case 'string': {
      const value = `${firm.marker}-${prop.name}-${randomBytes(6).toString('hex')}`;
      return prop.length ? value.slice(0, prop.length) : value;
    }
    case 'number':
      return 1;
    case 'boolean':
      return true;
    case 'Date':
      return new Date();
    default:
      throw noFactory(meta, prop, `type ${prop.runtimeType}`);
  }
}

/** Makes rows for a firm through a system EntityManager; relations point at the same firm's rows. */
class Fixtures {
  private readonly primaries = new Map<string, TRow>();
  private readonly building = new Set<string>();

  constructor(private readonly orm: Orm) {}

  private em(): EntityManager {
    return forSystem(this.orm, 'test fixtures for two firms');
  }

  /** The plain data of a new row of `meta` for `firm` (creating the rows it must point at). */
  async data(meta: TMeta, firm: TFirm): Promise<TRow> {
    const data: TRow = {};
    const overrides = factoryOverrides[meta.className] ?? {};
    for (const prop of meta.props) {
      const override = overrides[prop.name];
      if (override) {
        data[prop.name] = override(firm);
        continue;
      }
      if (prop.primary) {
        if (!prop.onCreate) throw noFactory(meta, prop, 'a primary key without a generated value');
        continue;
      }
      if (prop.persist === false || prop.formula) continue;
      if (prop.kind === ReferenceKind.SCALAR) {
        const optional =
          prop.onCreate || prop.nullable || prop.default !== undefined || prop.defaultRaw !== undefined;
        if (!optional) data[prop.name] = scalarValue(meta, prop, firm);
        continue;
      }
      if (!isToOne(prop) || !prop.targetMeta) continue;
      if (prop.name === tenantProperty) {
        data[prop.name] = firm.id;
      } else if (tenantOwnership(prop.targetMeta).kind === 'global') {
        // A shared entity (a User): a new one per row keeps unique keys such as (organization, user) apart.
        if (!prop.nullable) data[prop.name] = (await this.create(targetOf(prop), firm)).id;
      } else if (inUniqueKey(meta, prop)) {
        // One row per target (a client's bookkeeping service, a contact's credential): a new target each time.
        data[prop.name] = (await this.create(targetOf(prop), firm)).id;
      } else {
        // Nullable relations are filled too, so populating every relation is tested.
        data[prop.name] = (await this.primary(targetOf(prop), firm)).id;
      }
    }
    return data;
  }

  /** A new row of `meta` for `firm`, flushed. */
  async create(meta: TMeta, firm: TFirm, overrides: TRow = {}): Promise<TRow> {
    const em = this.em();
    const row: TRow = em.create(meta.class, { ...(await this.data(meta, firm)), ...overrides } as never);
    await em.flush();
    return row;
  }

  /** The firm's first row of `meta`, which other rows of the firm point at. */
  async primary(meta: TMeta, firm: TFirm): Promise<TRow> {
    if (tenantOwnership(meta).kind === 'root') return { id: firm.id };
    const key = `${meta.className}:${firm.id}`;
    const existing = this.primaries.get(key);
    if (existing) return existing;
    if (this.building.has(key))
      throw new Error(`${meta.className} points at itself through required relations`);
    this.building.add(key);
    const row = await this.create(meta, firm);
    this.building.delete(key);
    this.primaries.set(key, row);
    return row;
  }

  /** Every row of the firm in `meta`'s table, as stored: compared before and after, to prove "untouched". */
  async snapshot(meta: TMeta, firm: TFirm): Promise<string> {
    const column =
      tenantOwnership(meta).kind === 'root' ? 'id' : meta.properties[tenantProperty]?.fieldNames[0];
    const rows = await this.em().execute(
      `select * from "${meta.tableName}" where "${column}" = ? order by 1`,
      [firm.id],
    );
    return JSON.stringify(rows);
  }

  async countOf(meta: TMeta, firm: TFirm): Promise<number> {
    return this.em().count(meta.class, firmCondition(meta, firm));
  }

  async remove(meta: TMeta, ids: unknown[]): Promise<void> {
    await this.em().nativeDelete(meta.class, { id: { $in: ids } });
  }
}

function firmCondition(meta: TMeta, firm: TFirm): FilterQuery<TRow> {
  return tenantOwnership(meta).kind === 'root' ? { id: firm.id } : { [tenantProperty]: firm.id };
}

/** Tables whose rows the database itself refuses to change (AuditEvent's append-only trigger). */
function isAppendOnly(meta: TMeta): boolean {
  return (meta.triggers ?? []).some((trigger) => trigger.events.includes('update'));
}

/** A bulk update that would be harmful if it reached another firm: for owned rows, "move to firm A". */
function probeUpdate(meta: TMeta, firm: TFirm): TRow {
  if (tenantOwnership(meta).kind === 'owned') return { [tenantProperty]: firm.id };
  const text = meta.props.find(
    (prop) =>
      prop.kind === ReferenceKind.SCALAR && prop.runtimeType === 'string' && !prop.unique && !prop.primary,
  );
  if (!text) throw new Error(`no property of ${meta.className} to probe a bulk update with`);
  return { [text.name]: `${firm.marker}-probe` };
}

// --- the tests ------------------------------------------------------------------------------------

let url: string;
let orm: Orm;
let fixtures: Fixtures;
const firmA: TFirm = { id: '', label: 'A', marker: `firma${randomBytes(4).toString('hex')}` };
const firmB: TFirm = { id: '', label: 'B', marker: `firmb${randomBytes(4).toString('hex')}` };

function metaOf(name: string): TMeta {
  return orm.getMetadata().getByClassName<TRow>(name);
}

beforeAll(async () => {
  url = await createTestDatabase('tenant-isolation');
  orm = await createOrm({ databaseUrl: url, poolMax: 4, requireTenant: true });
  fixtures = new Fixtures(orm);
  const organization = metaOf('Organization');
  for (const firm of [firmA, firmB]) {
    firm.id = String((await fixtures.create(organization, firm)).id);
    for (const name of scopedNames) await fixtures.primary(metaOf(name), firm);
  }
});

afterAll(async () => {
  await orm?.close(true);
  if (url) await dropTestDatabase(url);
});

describe('the schema', () => {
  it('gives every entity except the global ones a required organization', () => {
    const problems: string[] = [];
    for (const meta of allEntities) {
      if (globalEntities.includes(meta.className)) continue;
      const ownership: TTenantOwnership = tenantOwnership(meta);
      if (ownership.kind !== 'owned') {
        problems.push(`${meta.className} has no organization relation`);
      } else if (ownership.nullable && !entitiesWithOptionalFirm.includes(meta.className)) {
        problems.push(`${meta.className}.organization is nullable`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('scopes every entity with an organization, and the firm itself', () => {
    expect(scopedNames).toContain('Organization');
    expect(scopedNames.length).toBe(allEntities.length - globalEntities.length + 1);
  });
});

describe.each(scopedNames)('%s', (name) => {
  it('is invisible to another firm: by ID, in lists, in counts', async () => {
    const meta = metaOf(name);
    const em = forTenant(orm, firmA.id);
    const mine = await fixtures.primary(meta, firmA);
    const theirs = await fixtures.primary(meta, firmB);

    expect(await em.findOne(meta.class, mine.id as never)).not.toBeNull();
    expect(await em.findOne(meta.class, theirs.id as never)).toBeNull();
    expect(await em.find(meta.class, { id: theirs.id } as FilterQuery<TRow>)).toEqual([]);

    const all = (await em.find(meta.class, {})) as TRow[];
    expect(all.map((row) => row.id)).toContain(mine.id);
    expect(all.map((row) => row.id)).not.toContain(theirs.id);
    expect(JSON.stringify(all)).not.toContain(firmB.marker);

    const expected = await fixtures.countOf(meta, firmA);
    expect(await em.count(meta.class, {})).toBe(expected);
    expect(await em.count(meta.class, { id: theirs.id })).toBe(0);
    const [rows, count] = await em.findAndCount(meta.class, {});
    expect([rows.length, count]).toEqual([expected, expected]);

    const streamed: unknown[] = [];
    for await (const row of em.stream(meta.class)) streamed.push((row as TRow).id);
    expect(streamed).toContain(mine.id);
    expect(streamed).not.toContain(theirs.id);

    const reference = forTenant(orm, firmA.id).getReference(meta.class, theirs.id as never);
    const initialized = await wrap(reference as object)
      .init()
      .catch(() => null);
    expect(JSON.stringify(initialized ?? null)).not.toContain(firmB.marker);
  });

  it('never loads another firm’s rows through relations, even through a foreign key that points there', async () => {
    const meta = metaOf(name);
    const relations = tenantRelations(meta);
    const owned = tenantOwnership(meta).kind === 'owned';
    const mine = await fixtures.primary(meta, firmA);
    for (const strategy of ['select-in', 'joined'] as const) {
      const [loaded] = (await forTenant(orm, firmA.id).find(
        meta.class,
        { id: mine.id },
        {
          populate: [...(owned ? [tenantProperty] : []), ...relations.map((prop) => prop.name)] as never,
          strategy,
        },
      )) as TRow[];
      expect(loaded, `${strategy}`).toBeDefined();
      expect(JSON.stringify(loaded), strategy).not.toContain(firmB.marker);
    }

    // A row of firm A pointing at firm B's row cannot be written through A (see the write tests), so
    // the system writes one: reading it through A must still show nothing of B.
    for (const prop of relations) {
      const target = targetOf(prop);
      const foreignTarget = await fixtures.primary(target, firmB);
      const crossed = await fixtures.create(meta, firmA, { [prop.name]: foreignTarget.id });
      try {
        for (const strategy of ['select-in', 'joined'] as const) {
          const em = forTenant(orm, firmA.id);
          const rows = (await em.find(
            meta.class,
            { id: crossed.id },
            {
              populate: [prop.name] as never,
              strategy,
            },
          )) as TRow[];
          const label = `${name}.${prop.name} (${strategy})`;
          expect(JSON.stringify(rows), label).not.toContain(firmB.marker);
          for (const row of rows) {
            const related = row[prop.name] as object | null | undefined;
            if (related) expect(wrap(related).isInitialized(), label).toBe(false);
          }
        }
        // Conditions on the related row are filtered too: they cannot be used to probe B's data.
        const probe = { id: crossed.id, [prop.name]: { [tenantProperty]: firmB.id } } as FilterQuery<TRow>;
        expect(await forTenant(orm, firmA.id).count(meta.class, probe), `${name}.${prop.name}`).toBe(0);
        // Loading the reference explicitly finds nothing either.
        const em = forTenant(orm, firmA.id);
        const row = (await em.findOneOrFail(meta.class, crossed.id as never)) as TRow;
        await em.populate(row as never, [prop.name] as never);
        expect(JSON.stringify(row), `${name}.${prop.name} (em.populate)`).not.toContain(firmB.marker);
      } finally {
        await fixtures.remove(meta, [crossed.id]);
      }
    }
  });

  it('is invisible to another firm’s QueryBuilder through scopeQuery', async () => {
    const meta = metaOf(name);
    const em = forTenant(orm, firmA.id);
    const qb = await scopeQuery(em.createQueryBuilder(meta.class, 'e').select('*'));
    const rows = await qb.execute<TRow[]>('all', false);
    expect(rows.length).toBe(await fixtures.countOf(meta, firmA));
    expect(JSON.stringify(rows)).not.toContain(firmB.marker);

    const before = await fixtures.snapshot(meta, firmB);
    const update = await scopeQuery(em.createQueryBuilder(meta.class, 'e').update(probeUpdate(meta, firmA)));
    if (isAppendOnly(meta)) await expect(update.execute()).rejects.toThrow(/append-only/);
    else await update.execute();
    expect(await fixtures.snapshot(meta, firmB)).toBe(before);
  });

  it('is untouched by another firm’s nativeUpdate and nativeDelete', async () => {
    const meta = metaOf(name);
    const em = forTenant(orm, firmA.id);
    const root = tenantOwnership(meta).kind === 'root';
    const mineCount = await fixtures.countOf(meta, firmA);
    const before = await fixtures.snapshot(meta, firmB);

    const update = em.nativeUpdate(meta.class, {}, probeUpdate(meta, firmA));
    if (isAppendOnly(meta)) await expect(update).rejects.toThrow(/append-only/);
    else expect(await update).toBe(mineCount);
    expect(await fixtures.snapshot(meta, firmB)).toBe(before);

    if (root) {
      expect(await em.nativeDelete(meta.class, { id: firmB.id } as FilterQuery<TRow>)).toBe(0);
    } else {
      // New rows nothing points at, so a delete that reached them would succeed.
      const freshA = await fixtures.create(meta, firmA);
      const freshB = await fixtures.create(meta, firmB);
      const beforeDelete = await fixtures.snapshot(meta, firmB);
      const remove = em.nativeDelete(meta.class, {
        id: { $in: [freshA.id, freshB.id] },
      });
      if (isAppendOnly(meta)) await expect(remove).rejects.toThrow(/append-only/);
      else expect(await remove).toBe(1);
      expect(await fixtures.snapshot(meta, firmB)).toBe(beforeDelete);
      if (!isAppendOnly(meta)) await fixtures.remove(meta, [freshB.id]);
    }
  });

  it('cannot be created, changed or deleted for another firm through a firm’s EntityManager', async () => {
    const meta = metaOf(name);
    const root = tenantOwnership(meta).kind === 'root';
    const theirs = await fixtures.primary(meta, firmB);
    const before = await fixtures.snapshot(meta, firmB);

    const creating = forTenant(orm, firmA.id);
    creating.create(meta.class, (await fixtures.data(meta, firmB)) as never);
    await expect(creating.flush()).rejects.toThrow(TenantViolationError);

    const changing = forTenant(orm, firmA.id);
    const reference: TRow = changing.getReference(meta.class, theirs.id as never);
    Object.assign(reference, root ? probeUpdate(meta, firmA) : { [tenantProperty]: firmA.id });
    await expect(changing.flush()).rejects.toThrow(TenantViolationError);

    const deleting = forTenant(orm, firmA.id);
    deleting.remove(deleting.getReference(meta.class, theirs.id as never));
    await expect(deleting.flush()).rejects.toThrow(TenantViolationError);

    const upserting = forTenant(orm, firmA.id);
    const data = { ...(await fixtures.data(meta, firmA)), id: theirs.id };
    await expect(upserting.upsert(meta.class, data as never)).rejects.toThrow(TenantViolationError);

    expect(await fixtures.snapshot(meta, firmB)).toBe(before);
  });

  it('cannot point a firm’s row at another firm’s row', async () => {
    const meta = metaOf(name);
    for (const prop of tenantRelations(meta)) {
      const foreignTarget = await fixtures.primary(targetOf(prop), firmB);
      const label = `${name}.${prop.name}`;

      const creating = forTenant(orm, firmA.id);
      const data = { ...(await fixtures.data(meta, firmA)), [prop.name]: foreignTarget.id };
      creating.create(meta.class, data as never);
      await expect(creating.flush(), label).rejects.toThrow(TenantViolationError);

      if (isAppendOnly(meta)) continue;
      const changing = forTenant(orm, firmA.id);
      const mine = (await changing.findOneOrFail(
        meta.class,
        (await fixtures.primary(meta, firmA)).id as never,
      )) as TRow;
      mine[prop.name] = changing.getReference(targetOf(prop).class, foreignTarget.id as never);
      await expect(changing.flush(), label).rejects.toThrow(TenantViolationError);
    }
  });

  it('gets the firm from the EntityManager when a new row names none', async () => {
    const meta = metaOf(name);
    if (tenantOwnership(meta).kind === 'root') return;
    const em = forTenant(orm, firmA.id);
    const { [tenantProperty]: _omitted, ...data } = await fixtures.data(meta, firmA);
    const row: TRow = em.create(meta.class, data as never);
    await em.flush();
    expect(await fixtures.countOf(meta, firmA)).toBeGreaterThan(0);
    const stored = await forSystem(orm, 'check the stored firm').findOneOrFail(meta.class, row.id as never, {
      populate: [tenantProperty] as never,
    });
    expect(((stored as TRow)[tenantProperty] as TRow).id).toBe(firmA.id);
    if (!isAppendOnly(meta)) await fixtures.remove(meta, [row.id]);
  });

  it('fails loudly through an EntityManager that belongs to no firm', async () => {
    const meta = metaOf(name);
    const em = orm.em.fork();
    await expect(em.find(meta.class, {})).rejects.toThrow(MissingTenantError);
    await expect(em.findOne(meta.class, firmB.id as never)).rejects.toThrow(MissingTenantError);
    await expect(em.count(meta.class, {})).rejects.toThrow(MissingTenantError);
    await expect(em.nativeUpdate(meta.class, {}, probeUpdate(meta, firmA))).rejects.toThrow(
      MissingTenantError,
    );
    await expect(em.nativeDelete(meta.class, { id: firmB.id } as FilterQuery<TRow>)).rejects.toThrow(
      MissingTenantError,
    );
    await expect(scopeQuery(em.createQueryBuilder(meta.class).select('*'))).rejects.toThrow(
      MissingTenantError,
    );
    em.create(meta.class, (await fixtures.data(meta, firmA)) as never);
    await expect(em.flush()).rejects.toThrow(MissingTenantError);
  });
});

describe('tenant context', () => {
  it('is kept by forks and transactions', async () => {
    const client = metaOf('Client');
    const em = forTenant(orm, firmA.id);
    const theirs = await fixtures.primary(client, firmB);
    expect(tenantIdOf(em.fork())).toBe(firmA.id);
    expect(await em.fork().findOne(client.class, theirs.id as never)).toBeNull();
    await em.transactional(async (tx) => {
      expect(tenantIdOf(tx)).toBe(firmA.id);
      expect(await tx.findOne(client.class, theirs.id as never)).toBeNull();
    });
    await withTenant(orm, firmA.id, async (tx) => {
      expect(await tx.count(client.class, {})).toBe(await fixtures.countOf(client, firmA));
    });
  });

  it('lets the system EntityManager see and write every firm', async () => {
    const client = metaOf('Client');
    const system = forSystem(orm, 'test: cross-firm report');
    const ids = (await system.find(client.class, {})).map((row) => row.id);
    expect(ids).toEqual(
      expect.arrayContaining([
        (await fixtures.primary(client, firmA)).id,
        (await fixtures.primary(client, firmB)).id,
      ]),
    );
    expect(() => tenantIdOf(system)).toThrow(MissingTenantError);
  });

  it('refuses an organization ID that is not a UUID, and a system EntityManager without a reason', () => {
    expect(() => forTenant(orm, '')).toThrow(/UUID/);
    expect(() => forTenant(orm, "x' or '1'='1")).toThrow(/UUID/);
    expect(() => forSystem(orm, ' ')).toThrow(/reason/);
  });

  it('leaves a QueryBuilder unscoped until scopeQuery is called (MikroORM applies no filters to it)', async () => {
    const client = metaOf('Client');
    const em = forTenant(orm, firmA.id);
    const unscoped = await em.createQueryBuilder(client.class, 'c').select('c.id').execute('all', false);
    expect(unscoped.length).toBeGreaterThan(await fixtures.countOf(client, firmA));
  });
});
