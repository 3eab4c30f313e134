import { Migration } from '@mikro-orm/migrations';

export class Migration20261126070300_payments extends Migration {

  override name = 'Migration20261126070300_payments';

  override up(): void | Promise<void> {
    this.addSql(`alter table "client" add "stripe_customer_id" varchar(100) null;`);
    this.addSql(`alter table "client" add constraint "client_stripe_customer_id_unique" unique ("stripe_customer_id");`);

    this.addSql(`alter table "invoice" add "lines" jsonb null, add "sent_at" timestamptz null, add "voided_at" timestamptz null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "client" drop constraint "client_stripe_customer_id_unique";`);
    this.addSql(`alter table "client" drop column "stripe_customer_id";`);

    this.addSql(`alter table "invoice" drop column "lines", drop column "sent_at", drop column "voided_at";`);
  }

}
