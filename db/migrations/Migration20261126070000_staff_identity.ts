import { Migration } from '@mikro-orm/migrations';

export class Migration20261126070000_staff_identity extends Migration {

  override name = 'Migration20261126070000_staff_identity';

  override up(): void | Promise<void> {
    this.addSql(`create table "totp_factor" ("id" uuid not null, "user_id" uuid not null, "secret" text not null, "created_at" timestamptz not null, "confirmed_at" timestamptz null, "last_used_step" int null, primary key ("id"));`);
    this.addSql(`alter table "totp_factor" add constraint "totp_factor_user_id_unique" unique ("user_id");`);

    this.addSql(`create table "staff_invitation" ("id" uuid not null, "organization_id" uuid not null, "email" varchar(320) not null, "role" text not null, "invited_by_id" uuid null, "token_hash" varchar(64) not null, "created_at" timestamptz not null, "expires_at" timestamptz not null, "accepted_at" timestamptz null, "accepted_user_id" uuid null, "revoked_at" timestamptz null, primary key ("id"));`);
    this.addSql(`create index "staff_invitation_invited_by_id_index" on "staff_invitation" ("invited_by_id");`);
    this.addSql(`alter table "staff_invitation" add constraint "staff_invitation_token_hash_unique" unique ("token_hash");`);
    this.addSql(`create index "staff_invitation_accepted_user_id_index" on "staff_invitation" ("accepted_user_id");`);
    this.addSql(`create index "staff_invitation_organization_id_email_index" on "staff_invitation" ("organization_id", "email");`);

    this.addSql(`create table "recovery_code" ("id" uuid not null, "user_id" uuid not null, "code_hash" varchar(64) not null, "created_at" timestamptz not null, "used_at" timestamptz null, primary key ("id"));`);
    this.addSql(`create index "recovery_code_user_id_index" on "recovery_code" ("user_id");`);
    this.addSql(`alter table "recovery_code" add constraint "recovery_code_code_hash_unique" unique ("code_hash");`);

    this.addSql(`create table "password_reset_token" ("id" uuid not null, "user_id" uuid not null, "token_hash" varchar(64) not null, "created_at" timestamptz not null, "expires_at" timestamptz not null, "used_at" timestamptz null, primary key ("id"));`);
    this.addSql(`create index "password_reset_token_user_id_index" on "password_reset_token" ("user_id");`);
    this.addSql(`alter table "password_reset_token" add constraint "password_reset_token_token_hash_unique" unique ("token_hash");`);

    this.addSql(`create table "auth_session" ("id" uuid not null, "organization_id" uuid not null, "subject_kind" text not null, "user_id" uuid null, "contact_id" uuid null, "token_hash" varchar(64) not null, "created_at" timestamptz not null, "last_seen_at" timestamptz not null, "idle_expires_at" timestamptz not null, "absolute_expires_at" timestamptz not null, "ip" varchar(64) null, "user_agent" varchar(300) null, "second_factor_required" boolean not null, "second_factor_verified_at" timestamptz null, "revoked_at" timestamptz null, "revoked_reason" text null, primary key ("id"));`);
    this.addSql(`create index "auth_session_user_id_index" on "auth_session" ("user_id");`);
    this.addSql(`create index "auth_session_contact_id_index" on "auth_session" ("contact_id");`);
    this.addSql(`alter table "auth_session" add constraint "auth_session_token_hash_unique" unique ("token_hash");`);
    this.addSql(`create index "auth_session_organization_id_last_seen_at_index" on "auth_session" ("organization_id", "last_seen_at");`);

    this.addSql(`alter table "app_user" add "password_changed_at" timestamptz null;`);

    this.addSql(`alter table "membership" add "deactivated_at" timestamptz null;`);

    this.addSql(`alter table "totp_factor" add constraint "totp_factor_user_id_foreign" foreign key ("user_id") references "app_user" ("id");`);

    this.addSql(`alter table "staff_invitation" add constraint "staff_invitation_organization_id_foreign" foreign key ("organization_id") references "organization" ("id");`);
    this.addSql(`alter table "staff_invitation" add constraint "staff_invitation_invited_by_id_foreign" foreign key ("invited_by_id") references "app_user" ("id") on delete set null;`);
    this.addSql(`alter table "staff_invitation" add constraint "staff_invitation_accepted_user_id_foreign" foreign key ("accepted_user_id") references "app_user" ("id") on delete set null;`);
    this.addSql(`alter table "staff_invitation" add constraint "staff_invitation_role_check" check ("role" in ('owner', 'admin', 'manager', 'preparer', 'reviewer'));`);

    this.addSql(`alter table "recovery_code" add constraint "recovery_code_user_id_foreign" foreign key ("user_id") references "app_user" ("id");`);

    this.addSql(`alter table "password_reset_token" add constraint "password_reset_token_user_id_foreign" foreign key ("user_id") references "app_user" ("id");`);

    this.addSql(`alter table "auth_session" add constraint "auth_session_organization_id_foreign" foreign key ("organization_id") references "organization" ("id");`);
    this.addSql(`alter table "auth_session" add constraint "auth_session_user_id_foreign" foreign key ("user_id") references "app_user" ("id") on delete set null;`);
    this.addSql(`alter table "auth_session" add constraint "auth_session_contact_id_foreign" foreign key ("contact_id") references "contact" ("id") on delete set null;`);
    this.addSql(`alter table "auth_session" add constraint "auth_session_subject_check" check ((subject_kind = 'staff' and user_id is not null and contact_id is null) or (subject_kind = 'portal' and contact_id is not null and user_id is null));`);
    this.addSql(`alter table "auth_session" add constraint "auth_session_subject_kind_check" check ("subject_kind" in ('staff', 'portal'));`);
    this.addSql(`alter table "auth_session" add constraint "auth_session_revoked_reason_check" check ("revoked_reason" in ('signed_out', 'signed_out_everywhere', 'revoked_by_user', 'replaced', 'password_changed', 'password_reset', 'mfa_reset', 'membership_deactivated', 'access_withdrawn'));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "totp_factor" cascade;`);
    this.addSql(`drop table if exists "staff_invitation" cascade;`);
    this.addSql(`drop table if exists "recovery_code" cascade;`);
    this.addSql(`drop table if exists "password_reset_token" cascade;`);
    this.addSql(`drop table if exists "auth_session" cascade;`);

    this.addSql(`alter table "app_user" drop column "password_changed_at";`);

    this.addSql(`alter table "membership" drop column "deactivated_at";`);

  }

}
