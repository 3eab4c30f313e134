import type { EntityManager as CoreEntityManager } from '@mikro-orm/core';
import { isUuid } from '../../lib/ids';
import { AppError } from '../../lib/errors';
import type { EntityManager } from '../types';

/** The name of the MikroORM filter that carries the tenant; its params are the EntityManager's scope. */
export const tenantFilterName = 'tenant';

/**
 * Whom an EntityManager works for: one firm, or the system (cross-firm work, named by `reason`).
 * It is stored as the tenant filter's params, so `em.fork()` and `em.transactional()` inherit it.
 */
export type TTenantScope = { kind: 'tenant'; organizationId: string } | { kind: 'system'; reason: string };

/** Something that can fork an EntityManager: the ORM, or another EntityManager. */
export interface TForkable {
  em: Pick<EntityManager, 'fork'>;
}

/**
 * A new EntityManager that reads and writes only the rows of one firm: every query on a
 * tenant-owned entity gets `organization = organizationId`, and a flush that would create, change or
 * delete another firm's row (or point at one) throws a TenantViolationError.
 *
 * Web loaders: `forTenant(orm, staff.organizationId)`. Activities: `forTenant(orm, input.organizationId)`.
 */
export function forTenant(orm: TForkable, organizationId: string): EntityManager {
  if (!isUuid(organizationId)) {
    throw new Error(`forTenant needs an organization ID (a UUID), got ${JSON.stringify(organizationId)}`);
  }
  return scoped(orm, { kind: 'tenant', organizationId: organizationId.toLowerCase() });
}

/**
 * A new EntityManager that sees every firm's rows. Only for work that is not done for one firm:
 * migrations and seeds, sign-in before the firm is known, webhooks before they are matched to a firm,
 * background jobs that sweep all firms. `reason` says which, and makes every use greppable
 * (`forSystem(`). Never hand one to code that serves a request of a signed-in firm.
 */
export function forSystem(orm: TForkable, reason: string): EntityManager {
  if (!reason.trim())
    throw new Error('forSystem needs a reason, for example "sign-in before the firm is known"');
  return scoped(orm, { kind: 'system', reason });
}

/** Runs `fn` in a transaction of an EntityManager bound to one firm (see forTenant). */
export function withTenant<T>(
  orm: TForkable,
  organizationId: string,
  fn: (em: EntityManager) => Promise<T>,
): Promise<T> {
  return forTenant(orm, organizationId).transactional((tx) => fn(tx));
}

function scoped(orm: TForkable, scope: TTenantScope): EntityManager {
  const em = orm.em.fork();
  em.setFilterParams(tenantFilterName, scope);
  return em;
}

/** The scope of an EntityManager, or null when it was forked without forTenant/forSystem. */
export function tenantScopeOf(em: Pick<CoreEntityManager, 'getFilterParams'>): TTenantScope | null {
  return parseTenantScope(em.getFilterParams(tenantFilterName));
}

/** The firm an EntityManager is bound to; throws when it is a system or unscoped EntityManager. */
export function tenantIdOf(em: Pick<CoreEntityManager, 'getFilterParams'>): string {
  const scope = tenantScopeOf(em);
  if (scope?.kind !== 'tenant') {
    throw new MissingTenantError('this operation works for one firm: use an EntityManager from forTenant()');
  }
  return scope.organizationId;
}

/** Reads filter params back into a scope; anything that is not one of ours counts as no scope. */
export function parseTenantScope(params: unknown): TTenantScope | null {
  if (typeof params !== 'object' || params === null) return null;
  const value = params as Partial<Record<keyof TTenantScope | 'organizationId' | 'reason', unknown>>;
  if (value.kind === 'tenant' && typeof value.organizationId === 'string') {
    return { kind: 'tenant', organizationId: value.organizationId };
  }
  if (value.kind === 'system' && typeof value.reason === 'string') {
    return { kind: 'system', reason: value.reason };
  }
  return null;
}

/**
 * A tenant-owned entity was queried or written through an EntityManager that belongs to no firm
 * (forked with `orm.em.fork()` instead of forTenant/forSystem). A programming error, never retried.
 */
export class MissingTenantError extends Error {
  override name = 'MissingTenantError';
  constructor(detail: string) {
    super(
      `Tenant isolation: ${detail}. Get the EntityManager from forTenant(orm, organizationId), ` +
        'or from forSystem(orm, reason) for deliberate cross-firm work (see db/tenancy/README.md).',
    );
  }
}

/**
 * A flush or upsert through a firm's EntityManager would have created, changed or deleted another
 * firm's row, or pointed one of its rows at another firm's row. Shown to people as "not found" (404),
 * exactly like a row of another firm that a query does not see.
 */
export class TenantViolationError extends AppError {
  override name = 'TenantViolationError';
  constructor(detail: string) {
    super('forbidden', 'This could not be found.', `Tenant isolation: ${detail}`);
  }
}
