import {
  ChangeSetType,
  ReferenceKind,
  Utils,
  type Dictionary,
  type EntityManager,
  type EntityMetadata,
  type EntityProperty,
  type EventArgs,
  type EventSubscriber,
  type FilterQuery,
  type FlushEventArgs,
} from '@mikro-orm/core';
import { MissingTenantError, TenantViolationError, tenantScopeOf } from './tenant-context';
import type { TTenancyOptions } from './tenant-filter';
import { tenantOwnership, tenantProperty } from './tenant-ownership';

type TRow = Dictionary;
type TMeta = EntityMetadata<TRow>;

/**
 * Guards writes of a firm's EntityManager (forTenant), where the read filter cannot help: a flush
 * writes by primary key, and new rows carry whatever organization the code gave them.
 *
 * - onFlush: a new tenant-owned row gets the firm when it has none, and is refused when it names
 *   another firm; an update or delete is refused unless the row is this firm's in the database (one
 *   query per entity type, so a `getReference()` of another firm's ID is caught too); a relation
 *   (client, engagement, ...) may point only at this firm's rows.
 * - beforeUpsert: the same for `em.upsert()`/`upsertMany()`, plus refusing a primary key that is
 *   another firm's row (the upsert would otherwise overwrite it).
 *
 * A system EntityManager (forSystem) is not guarded. An EntityManager with no scope is refused when
 * tenants are required, and left alone otherwise (see TTenancyOptions).
 */
export class TenantGuard implements EventSubscriber {
  constructor(private readonly options: TTenancyOptions) {}

  async onFlush({ em, uow }: FlushEventArgs): Promise<void> {
    const changeSets = uow.getChangeSets();
    const tenantId = this.tenantFor(
      em,
      changeSets.map((cs) => cs.meta as TMeta),
    );
    if (!tenantId) return;

    const creating = new Set<unknown>(
      changeSets.filter((cs) => cs.type === ChangeSetType.CREATE).map((cs) => cs.entity),
    );
    const check = new VisibilityCheck(tenantId);

    for (const cs of changeSets) {
      const meta = cs.meta as TMeta;
      const entity = cs.entity as TRow;
      const ownership = tenantOwnership(meta);
      const pk: unknown = cs.getPrimaryKey();
      const what = `${cs.type} of ${meta.className} ${keyText(pk)}`;
      const isCreate = cs.type === ChangeSetType.CREATE;

      if (ownership.kind === 'root') {
        if (isCreate) throw new TenantViolationError(`${what}: firms are created by the system`);
        if (pk !== tenantId) throw new TenantViolationError(`${what}: another firm`);
      } else if (ownership.kind === 'owned') {
        const current: unknown = entity[tenantProperty];
        if (isCreate && current == null) {
          entity[tenantProperty] = em.getReference(organizationClass(meta), tenantId);
          uow.recomputeSingleChangeSet(entity);
        } else if (current != null && primaryKeyOf(current) !== tenantId) {
          throw new TenantViolationError(`${what}: the organization is another firm`);
        }
        if (!isCreate) check.mustSee(meta, pk, what);
      }

      if (cs.type === ChangeSetType.DELETE || cs.type === ChangeSetType.DELETE_EARLY) continue;
      // A create sets every relation; an update only those in its payload.
      const changed: TRow = isCreate ? entity : cs.payload;
      for (const [prop, value] of tenantRelations(meta, changed, entity)) {
        // A row created in the same flush is checked as its own create.
        if (!creating.has(value)) check.relation(meta, prop, value, what);
      }
    }
    await check.verify(em);
  }

  async beforeUpsert({ em, meta, entity }: EventArgs<TRow>): Promise<void> {
    const tenantId = this.tenantFor(em, [meta]);
    if (!tenantId) return;
    const ownership = tenantOwnership(meta);
    const what = `upsert of ${meta.className}`;
    if (ownership.kind === 'root') throw new TenantViolationError(`${what}: firms are created by the system`);
    if (ownership.kind === 'global') return;

    const current: unknown = entity[tenantProperty];
    if (current == null) {
      entity[tenantProperty] = Utils.isEntity(entity)
        ? em.getReference(organizationClass(meta), tenantId)
        : tenantId;
    } else if (primaryKeyOf(current) !== tenantId) {
      throw new TenantViolationError(`${what}: the organization is another firm`);
    }

    const pk = primaryKeyOf(entity, meta);
    const [pkName] = meta.primaryKeys;
    if (pk != null && pkName) {
      // An existing row with this key is overwritten by the upsert: it must be this firm's.
      const where = {
        [pkName]: pk,
        $or: [{ [tenantProperty]: { $ne: tenantId } }, { [tenantProperty]: null }],
      } as FilterQuery<TRow>;
      const foreign = await em.count(meta.class, where, { filters: false, flushMode: 'commit' });
      if (foreign > 0) throw new TenantViolationError(`${what} ${keyText(pk)}: another firm's row`);
    }

    const check = new VisibilityCheck(tenantId);
    for (const [prop, value] of tenantRelations(meta, entity, entity))
      check.relation(meta, prop, value, what);
    await check.verify(em);
  }

  /** The firm to guard for, or null when there is nothing to guard (system, or nothing tenant-scoped). */
  private tenantFor(em: EntityManager, metas: TMeta[]): string | null {
    const scoped = metas.find((meta) => tenantOwnership(meta).kind !== 'global');
    if (!scoped) return null;
    const scope = tenantScopeOf(em);
    if (!scope) {
      if (!this.options.requireTenant) return null;
      throw new MissingTenantError(`write of ${scoped.className} through an EntityManager without a firm`);
    }
    return scope.kind === 'tenant' ? scope.organizationId : null;
  }
}

function primaryKeyOf(value: unknown, meta?: TMeta): unknown {
  return Utils.extractPK(value, meta);
}

function keyText(pk: unknown): string {
  return typeof pk === 'string' || typeof pk === 'number' ? String(pk) : JSON.stringify(pk);
}

function organizationClass(meta: TMeta): TMeta['class'] {
  const target = meta.properties[tenantProperty]?.targetMeta;
  if (!target) throw new Error(`${meta.className}.${tenantProperty} has no target metadata`);
  return target.class;
}

/**
 * The to-one relations (other than `organization`) of `meta` that point at tenant-scoped entities and
 * have a value in `changed` (the whole entity for a create, the changed fields for an update), with
 * the related entity (or its key).
 */
function* tenantRelations(
  meta: TMeta,
  changed: TRow,
  entity: TRow,
): Generator<[EntityProperty<TRow>, unknown]> {
  for (const prop of meta.relations) {
    if (prop.name === tenantProperty || !prop.targetMeta) continue;
    const toOne =
      prop.kind === ReferenceKind.MANY_TO_ONE || (prop.kind === ReferenceKind.ONE_TO_ONE && prop.owner);
    if (!toOne || tenantOwnership(prop.targetMeta).kind === 'global') continue;
    if (!(prop.name in changed) || changed[prop.name] == null) continue;
    yield [prop, entity[prop.name] ?? changed[prop.name]];
  }
}

/** Rows that must be visible through the firm's filter; verified with one count query per entity type. */
class VisibilityCheck {
  private readonly byEntity = new Map<TMeta, Map<unknown, string>>();

  constructor(private readonly tenantId: string) {}

  mustSee(meta: TMeta, id: unknown, description: string): void {
    let ids = this.byEntity.get(meta);
    if (!ids) {
      ids = new Map<unknown, string>();
      this.byEntity.set(meta, ids);
    }
    ids.set(id, description);
  }

  /** `owner`'s relation `prop` points at `value`: it must be a row of this firm. */
  relation(owner: TMeta, prop: EntityProperty<TRow>, value: unknown, what: string): void {
    const target = prop.targetMeta as TMeta;
    const targetId = primaryKeyOf(value, target);
    if (targetId == null) return;
    const description = `${what}: ${owner.className}.${prop.name} -> ${target.className} ${keyText(targetId)}`;
    if (tenantOwnership(target).kind !== 'root') this.mustSee(target, targetId, description);
    else if (targetId !== this.tenantId) throw new TenantViolationError(`${description} is another firm`);
  }

  async verify(em: EntityManager): Promise<void> {
    for (const [meta, ids] of this.byEntity) {
      const [pkName, ...rest] = meta.primaryKeys;
      if (!pkName || rest.length > 0) {
        throw new Error(`tenant isolation supports single-column primary keys only (${meta.className})`);
      }
      const where = { [pkName]: { $in: [...ids.keys()] } } as FilterQuery<TRow>;
      // The tenant filter adds `organization = <firm>`; `commit` keeps this query from flushing again.
      const visible = await em.count(meta.class, where, { flushMode: 'commit' });
      if (visible === ids.size) continue;
      const found: TRow[] = await em.find(meta.class, where, {
        flushMode: 'commit',
        fields: [pkName] as never[],
        disableIdentityMap: true,
      });
      const foundIds = new Set<unknown>(found.map((row): unknown => row[pkName]));
      const missing = [...ids].filter(([id]) => !foundIds.has(id)).map(([, description]) => description);
      throw new TenantViolationError(`${missing.join('; ')}: not a row of this firm`);
    }
  }
}
