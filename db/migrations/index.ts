import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261126041634_initial } from './Migration20261126041634_initial';
import { Migration20261126052336_domain_model } from './Migration20261126052336_domain_model';
import { Migration20261126060700_list_and_foreign_key_indexes } from './Migration20261126060700_list_and_foreign_key_indexes';
import { Migration20261126070000_staff_identity } from './Migration20261126070000_staff_identity';
import { Migration20261126070100_portal_access_and_audit } from './Migration20261126070100_portal_access_and_audit';
import { Migration20261126070200_storage_and_email } from './Migration20261126070200_storage_and_email';
import { Migration20261126070600_tax_and_close } from './Migration20261126070600_tax_and_close';
import { Migration20261126070500_engagement_engine } from './Migration20261126070500_engagement_engine';
import { Migration20261126070300_payments } from './Migration20261126070300_payments';
import { Migration20261126070400_ledger } from './Migration20261126070400_ledger';
import { Migration20261126070700_client_name_search } from './Migration20261126070700_client_name_search';

/**
 * Every migration, in order. Listed explicitly so migrations run the same from tsx, Vite and bundles.
 * `npm run db:migration:create -- <name>` writes a new file here; review it and add it to this list.
 * MikroORM 7.2 re-emits the audit_event trigger (drop + create) in every generated migration even when
 * it is unchanged: delete those four lines from a new migration unless the trigger really changed.
 */
export const migrationsList: MigrationObject[] = [
  { name: 'Migration20261126041634_initial', class: Migration20261126041634_initial },
  { name: 'Migration20261126052336_domain_model', class: Migration20261126052336_domain_model },
  {
    name: 'Migration20261126060700_list_and_foreign_key_indexes',
    class: Migration20261126060700_list_and_foreign_key_indexes,
  },
  { name: 'Migration20261126070000_staff_identity', class: Migration20261126070000_staff_identity },
  {
    name: 'Migration20261126070100_portal_access_and_audit',
    class: Migration20261126070100_portal_access_and_audit,
  },
  { name: 'Migration20261126070200_storage_and_email', class: Migration20261126070200_storage_and_email },
  { name: 'Migration20261126070600_tax_and_close', class: Migration20261126070600_tax_and_close },
  {
    name: 'Migration20261126070500_engagement_engine',
    class: Migration20261126070500_engagement_engine,
  },
  { name: 'Migration20261126070300_payments', class: Migration20261126070300_payments },
  { name: 'Migration20261126070400_ledger', class: Migration20261126070400_ledger },
  {
    name: 'Migration20261126070700_client_name_search',
    class: Migration20261126070700_client_name_search,
  },
];
