import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261126041634_initial } from './Migration20261126041634_initial';

/**
 * Every migration, in order. Listed explicitly so migrations run the same from tsx, Vite and bundles.
 * `npm run db:migration:create -- <name>` writes a new file here; review it and add it to this list.
 */
export const migrationsList: MigrationObject[] = [
  { name: 'Migration20261126041634_initial', class: Migration20261126041634_initial },
];
