import { Migration } from '@mikro-orm/migrations';

export class Migration20261126070400_ledger extends Migration {

  override name = 'Migration20261126070400_ledger';

  override up(): void | Promise<void> {
    this.addSql(`alter table "integration_connection" add "status_reason" varchar(500) null, add "status_changed_at" timestamptz null, add "token_version" int not null default 0, add "last_refreshed_at" timestamptz null, add "company_name" varchar(200) null, add "connected_at" timestamptz null, add "sync_cursors" jsonb null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "integration_connection" drop column "status_reason", drop column "status_changed_at", drop column "token_version", drop column "last_refreshed_at", drop column "company_name", drop column "connected_at", drop column "sync_cursors";`);
  }

}
