import type { Options } from '@mikro-orm/postgresql';
import { tenantFilterName } from './tenant-context';
import { tenantFilter, type TTenancyOptions } from './tenant-filter';
import { TenantGuard } from './tenant-guard';

export type { TTenancyOptions };

/** What the ORM config needs for tenant isolation: the read filter and the write guard. */
export function tenancyConfig(
  options: TTenancyOptions,
): Pick<Options, 'filters' | 'subscribers' | 'autoJoinRefsForFilters'> {
  return {
    filters: { [tenantFilterName]: tenantFilter(options) },
    subscribers: [new TenantGuard(options)],
    // MikroORM would otherwise join every to-one relation of every queried row (organization, client,
    // engagement, ...) just to re-check the tenant filter on the rows they point at. The write guard
    // already refuses a relation to another firm's row, so those joins would cost on every query and
    // find nothing. Populated relations are still filtered (`filtersOnRelations`, on by default).
    autoJoinRefsForFilters: false,
  };
}
