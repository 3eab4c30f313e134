import type { FilterOptions } from '@mikro-orm/core';

/** The part of a MikroORM QueryBuilder that applies the EntityManager's filters. */
interface TFilterable {
  applyFilters(filterOptions?: FilterOptions): Promise<void>;
}

/**
 * Adds the EntityManager's filters, the tenant filter among them, to a QueryBuilder: MikroORM applies
 * filters to `em.find()` and friends but not to a QueryBuilder, whose SQL is yours. Call it after the
 * last `where()` (a later `where()` replaces the conditions), just before running the query:
 *
 *   const qb = em.createQueryBuilder(Client, 'c').select(['c.id']).where({ status: 'active' });
 *   const rows = await (await scopeQuery(qb)).getResultList();
 *
 * Works for select, update and delete builders. The condition goes on the root entity only: joined
 * relations are reached through foreign keys, which the write guard keeps inside the firm.
 */
export async function scopeQuery<QB extends TFilterable>(qb: QB): Promise<QB> {
  await qb.applyFilters();
  return qb;
}
