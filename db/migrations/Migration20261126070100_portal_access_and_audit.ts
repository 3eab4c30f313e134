import { Migration } from '@mikro-orm/migrations';

export class Migration20261126070100_portal_access_and_audit extends Migration {

  override name = 'Migration20261126070100_portal_access_and_audit';

  override up(): void | Promise<void> {
    this.addSql(`create table "portal_credential" ("id" uuid not null, "organization_id" uuid not null, "contact_id" uuid not null, "sign_in_method" text not null, "password_hash" varchar(300) null, "password_set_at" timestamptz null, "totp_secret" text null, "totp_confirmed_at" timestamptz null, "totp_last_used_step" int null, "last_sign_in_at" timestamptz null, "created_at" timestamptz not null, "updated_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`alter table "portal_credential" add constraint "portal_credential_contact_id_unique" unique ("contact_id");`);

    this.addSql(`create table "portal_sign_in_code" ("id" uuid not null, "organization_id" uuid not null, "contact_id" uuid not null, "code_hash" varchar(64) not null, "expires_at" timestamptz not null, "failed_attempts" int not null default 0, "used_at" timestamptz null, "voided_at" timestamptz null, "created_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`create index "portal_sign_in_code_contact_id_created_at_index" on "portal_sign_in_code" ("contact_id", "created_at");`);

    this.addSql(`alter table "portal_link" add "revoked_at" timestamptz null, add "issued_by_id" uuid null;`);
    this.addSql(`create index "portal_link_issued_by_id_index" on "portal_link" ("issued_by_id");`);

    this.addSql(`create index "audit_event_organization_id_target_type_occurred_at_index" on "audit_event" ("organization_id", "target_type", "occurred_at");`);

    this.addSql(`alter table "portal_credential" add constraint "portal_credential_organization_id_foreign" foreign key ("organization_id") references "organization" ("id");`);
    this.addSql(`alter table "portal_credential" add constraint "portal_credential_contact_id_foreign" foreign key ("contact_id") references "contact" ("id");`);
    this.addSql(`alter table "portal_credential" add constraint "portal_credential_sign_in_method_check" check ("sign_in_method" in ('password', 'email_code'));`);

    this.addSql(`alter table "portal_sign_in_code" add constraint "portal_sign_in_code_organization_id_foreign" foreign key ("organization_id") references "organization" ("id");`);
    this.addSql(`alter table "portal_sign_in_code" add constraint "portal_sign_in_code_contact_id_foreign" foreign key ("contact_id") references "contact" ("id");`);

    this.addSql(`alter table "portal_link" add constraint "portal_link_issued_by_id_foreign" foreign key ("issued_by_id") references "app_user" ("id") on delete set null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "portal_credential" cascade;`);
    this.addSql(`drop table if exists "portal_sign_in_code" cascade;`);

    this.addSql(`alter table "portal_link" drop constraint "portal_link_issued_by_id_foreign";`);
    this.addSql(`drop index "portal_link_issued_by_id_index";`);
    this.addSql(`alter table "portal_link" drop column "revoked_at", drop column "issued_by_id";`);

    this.addSql(`drop index "audit_event_organization_id_target_type_occurred_at_index";`);
  }

}
