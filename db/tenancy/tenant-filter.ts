import type { Dictionary, EntityManager, FilterDef, FilterQuery } from '@mikro-orm/core';
import { MissingTenantError, parseTenantScope, tenantFilterName } from './tenant-context';
import { tenantOwnership } from './tenant-ownership';

export interface TTenancyOptions {
  /**
   * When true, querying or writing a tenant-owned entity through an EntityManager from neither
   * forTenant nor forSystem throws MissingTenantError. When false, such an EntityManager behaves as
   * before tenant isolation existed (it sees every firm): only for the time it takes to move every
   * call site to forTenant/forSystem.
   */
  requireTenant: boolean;
}

/**
 * The MikroORM filter that scopes reads: registered globally (`filters` in the ORM config) and on by
 * default, it adds `organization = <tenant>` for every entity with an `organization` relation and
 * `id = <tenant>` for Organization. MikroORM applies it to find/findOne/count/stream, to populated
 * relations (select-in and joined), to lazy references and collections, and to nativeUpdate and
 * nativeDelete; a QueryBuilder gets it through scopeQuery().
 *
 * The condition is computed per entity from metadata (the 5th argument), so new entities need nothing.
 */
export function tenantFilter({ requireTenant }: TTenancyOptions): FilterDef {
  return {
    name: tenantFilterName,
    default: true,
    // The condition is computed even without params, so an unscoped EntityManager can fail with a clear message.
    args: false,
    cond(params: Dictionary | undefined, type, em: EntityManager, _options, entityName?: string) {
      const meta = entityName ? em.getMetadata().getByClassName(entityName, false) : undefined;
      if (!meta) return {};
      const ownership = tenantOwnership(meta);
      if (ownership.kind === 'global') return {};
      const scope = parseTenantScope(params);
      if (!scope) {
        if (!requireTenant) return {};
        throw new MissingTenantError(`${type} of ${meta.className} through an EntityManager without a firm`);
      }
      if (scope.kind === 'system') return {};
      const condition: FilterQuery<Dictionary> =
        ownership.kind === 'root' ? { id: scope.organizationId } : { organization: scope.organizationId };
      return condition;
    },
  };
}
