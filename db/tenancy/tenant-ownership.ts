import { ReferenceKind, type EntityMetadata } from '@mikro-orm/core';

/** The entity that is the tenant: a firm. */
export const tenantRootEntity = 'Organization';
/** The relation every tenant-owned entity has to its firm. */
export const tenantProperty = 'organization';

/**
 * How an entity relates to tenants, read from its metadata (never from a hand-kept list, so a new
 * entity with an `organization` relation is scoped the moment it is registered):
 * - `root`: the firm itself (Organization); a tenant sees only its own row, by primary key.
 * - `owned`: has a many-to-one `organization`; a tenant sees only rows whose organization is itself.
 *   `nullable` marks rows that may not belong to a firm yet (WebhookEvent before it is matched);
 *   tenants never see those, only the system does.
 * - `global`: shared by every firm (User: a person may work for several firms).
 */
export type TTenantOwnership = { kind: 'root' } | { kind: 'owned'; nullable: boolean } | { kind: 'global' };

const cache = new WeakMap<EntityMetadata, TTenantOwnership>();

export function tenantOwnership(meta: EntityMetadata): TTenantOwnership {
  let ownership = cache.get(meta);
  if (!ownership) {
    ownership = classify(meta);
    cache.set(meta, ownership);
  }
  return ownership;
}

function classify(meta: EntityMetadata): TTenantOwnership {
  if (meta.className === tenantRootEntity) return { kind: 'root' };
  const prop = meta.properties[tenantProperty as keyof typeof meta.properties];
  if (!prop) return { kind: 'global' };
  if (prop.kind !== ReferenceKind.MANY_TO_ONE || prop.type !== tenantRootEntity) {
    throw new Error(
      `${meta.className}.${tenantProperty} must be a many-to-one relation to ${tenantRootEntity}: ` +
        'tenant isolation reads that property name as "the firm this row belongs to".',
    );
  }
  return { kind: 'owned', nullable: prop.nullable === true };
}

/** Every registered entity that is scoped to a tenant (the root and every owned entity). */
export function tenantScopedEntities(all: Iterable<EntityMetadata>): EntityMetadata[] {
  return [...all].filter((meta) => !meta.embeddable && tenantOwnership(meta).kind !== 'global');
}
