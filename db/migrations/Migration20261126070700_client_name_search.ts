import { Migration } from '@mikro-orm/migrations';

/**
 * The client list's name search is a case-insensitive prefix: an index on the lower-cased name
 * (text_pattern_ops, so LIKE 'prefix%' is a range whatever the database's collation) lets it read
 * only the matching names instead of walking the firm's whole name index.
 */
export class Migration20261126070700_client_name_search extends Migration {

  override name = 'Migration20261126070700_client_name_search';

  override up(): void | Promise<void> {
    this.addSql(`create index "client_organization_id_lower_display_name_index" on "client" ("organization_id", lower("display_name") text_pattern_ops);`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index "client_organization_id_lower_display_name_index";`);
  }

}
