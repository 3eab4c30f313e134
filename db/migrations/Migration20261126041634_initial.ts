import { Migration } from '@mikro-orm/migrations';

export class Migration20261126041634_initial extends Migration {

  override name = 'Migration20261126041634_initial';

  override up(): void | Promise<void> {
    this.addSql(`create table "organization" ("id" uuid not null, "name" varchar(200) not null, "slug" varchar(80) not null, "plan" varchar(40) not null default 'standard', "settings" jsonb not null, "created_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`alter table "organization" add constraint "organization_slug_unique" unique ("slug");`);

    this.addSql(`create table "email_message" ("id" uuid not null, "organization_id" uuid not null, "idempotency_key" varchar(300) not null, "template" varchar(80) not null, "to_address" varchar(320) not null, "subject" varchar(300) not null, "status" text not null default 'pending', "provider_message_id" varchar(300) null, "attempts" int not null default 0, "created_at" timestamptz not null, "sent_at" timestamptz null, primary key ("id"));`);
    this.addSql(`alter table "email_message" add constraint "email_message_idempotency_key_unique" unique ("idempotency_key");`);
    this.addSql(`create index "email_message_organization_id_created_at_index" on "email_message" ("organization_id", "created_at");`);

    this.addSql(`create table "client" ("id" uuid not null, "organization_id" uuid not null, "kind" text not null, "display_name" varchar(200) not null, "status" text not null default 'prospect', "profile" jsonb null, "profile_submitted_at" timestamptz null, "created_at" timestamptz not null, "updated_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`create index "client_organization_id_status_display_name_index" on "client" ("organization_id", "status", "display_name");`);
    this.addSql(`create index "client_organization_id_display_name_index" on "client" ("organization_id", "display_name");`);

    this.addSql(`create table "contact" ("id" uuid not null, "organization_id" uuid not null, "client_id" uuid not null, "name" varchar(200) not null, "email" varchar(320) not null, "portal_access" boolean not null default true, "created_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`create index "contact_organization_id_email_index" on "contact" ("organization_id", "email");`);
    this.addSql(`alter table "contact" add constraint "contact_client_id_email_unique" unique ("client_id", "email");`);

    this.addSql(`create table "portal_link" ("id" uuid not null, "organization_id" uuid not null, "contact_id" uuid not null, "token_hash" varchar(64) not null, "purpose" varchar(40) not null, "expires_at" timestamptz not null, "created_at" timestamptz not null, "last_used_at" timestamptz null, primary key ("id"));`);
    this.addSql(`create index "portal_link_contact_id_index" on "portal_link" ("contact_id");`);
    this.addSql(`alter table "portal_link" add constraint "portal_link_token_hash_unique" unique ("token_hash");`);

    this.addSql(`create table "app_user" ("id" uuid not null, "email" varchar(320) not null, "name" varchar(200) not null, "password_hash" varchar(300) not null, "created_at" timestamptz not null, "last_sign_in_at" timestamptz null, primary key ("id"));`);
    this.addSql(`alter table "app_user" add constraint "app_user_email_unique" unique ("email");`);

    this.addSql(`create table "membership" ("id" uuid not null, "organization_id" uuid not null, "user_id" uuid not null, "role" text not null, "created_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`create index "membership_user_id_index" on "membership" ("user_id");`);
    this.addSql(`alter table "membership" add constraint "membership_organization_id_user_id_unique" unique ("organization_id", "user_id");`);

    this.addSql(`create table "engagement" ("id" uuid not null, "organization_id" uuid not null, "client_id" uuid not null, "type" text not null, "title" varchar(200) not null, "status" text not null default 'active', "stage" varchar(60) not null, "progress" int not null default 0, "waiting_for" varchar(300) null, "workflow_id" varchar(200) not null, "run_id" varchar(64) null, "due_at" timestamptz null, "started_by_id" uuid null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "completed_at" timestamptz null, primary key ("id"));`);
    this.addSql(`alter table "engagement" add constraint "engagement_workflow_id_unique" unique ("workflow_id");`);
    this.addSql(`create index "engagement_organization_id_stage_index" on "engagement" ("organization_id", "stage");`);
    this.addSql(`create index "engagement_organization_id_type_due_at_index" on "engagement" ("organization_id", "type", "due_at");`);
    this.addSql(`create index "engagement_organization_id_updated_at_index" on "engagement" ("organization_id", "updated_at");`);
    this.addSql(`create index "engagement_client_id_index" on "engagement" ("client_id");`);

    this.addSql(`create table "task" ("id" uuid not null, "organization_id" uuid not null, "key" varchar(300) null, "engagement_id" uuid null, "client_id" uuid null, "title" varchar(300) not null, "details" text null, "kind" text not null, "status" text not null default 'open', "assignee_id" uuid null, "due_at" timestamptz null, "created_at" timestamptz not null, "completed_at" timestamptz null, primary key ("id"));`);
    this.addSql(`alter table "task" add constraint "task_key_unique" unique ("key");`);
    this.addSql(`create index "task_organization_id_status_due_at_index" on "task" ("organization_id", "status", "due_at");`);
    this.addSql(`create index "task_assignee_id_status_due_at_index" on "task" ("assignee_id", "status", "due_at");`);
    this.addSql(`create index "task_engagement_id_index" on "task" ("engagement_id");`);

    this.addSql(`create table "engagement_event" ("id" uuid not null, "organization_id" uuid not null, "engagement_id" uuid not null, "key" varchar(300) not null, "kind" varchar(60) not null, "stage" varchar(60) not null, "message" varchar(500) not null, "occurred_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`alter table "engagement_event" add constraint "engagement_event_key_unique" unique ("key");`);
    this.addSql(`create index "engagement_event_engagement_id_occurred_at_index" on "engagement_event" ("engagement_id", "occurred_at");`);

    this.addSql(`alter table "email_message" add constraint "email_message_organization_id_foreign" foreign key ("organization_id") references "organization" ("id");`);
    this.addSql(`alter table "email_message" add constraint "email_message_status_check" check ("status" in ('pending', 'sent'));`);

    this.addSql(`alter table "client" add constraint "client_organization_id_foreign" foreign key ("organization_id") references "organization" ("id");`);
    this.addSql(`alter table "client" add constraint "client_kind_check" check ("kind" in ('individual', 'business'));`);
    this.addSql(`alter table "client" add constraint "client_status_check" check ("status" in ('prospect', 'active', 'inactive'));`);

    this.addSql(`alter table "contact" add constraint "contact_organization_id_foreign" foreign key ("organization_id") references "organization" ("id");`);
    this.addSql(`alter table "contact" add constraint "contact_client_id_foreign" foreign key ("client_id") references "client" ("id");`);

    this.addSql(`alter table "portal_link" add constraint "portal_link_organization_id_foreign" foreign key ("organization_id") references "organization" ("id");`);
    this.addSql(`alter table "portal_link" add constraint "portal_link_contact_id_foreign" foreign key ("contact_id") references "contact" ("id");`);

    this.addSql(`alter table "membership" add constraint "membership_organization_id_foreign" foreign key ("organization_id") references "organization" ("id");`);
    this.addSql(`alter table "membership" add constraint "membership_user_id_foreign" foreign key ("user_id") references "app_user" ("id");`);
    this.addSql(`alter table "membership" add constraint "membership_role_check" check ("role" in ('owner', 'admin', 'manager', 'preparer', 'reviewer'));`);

    this.addSql(`alter table "engagement" add constraint "engagement_organization_id_foreign" foreign key ("organization_id") references "organization" ("id");`);
    this.addSql(`alter table "engagement" add constraint "engagement_client_id_foreign" foreign key ("client_id") references "client" ("id");`);
    this.addSql(`alter table "engagement" add constraint "engagement_started_by_id_foreign" foreign key ("started_by_id") references "app_user" ("id") on delete set null;`);
    this.addSql(`alter table "engagement" add constraint "engagement_type_check" check ("type" in ('client_onboarding'));`);
    this.addSql(`alter table "engagement" add constraint "engagement_status_check" check ("status" in ('active', 'completed', 'cancelled', 'failed'));`);

    this.addSql(`alter table "task" add constraint "task_organization_id_foreign" foreign key ("organization_id") references "organization" ("id");`);
    this.addSql(`alter table "task" add constraint "task_engagement_id_foreign" foreign key ("engagement_id") references "engagement" ("id") on delete set null;`);
    this.addSql(`alter table "task" add constraint "task_client_id_foreign" foreign key ("client_id") references "client" ("id") on delete set null;`);
    this.addSql(`alter table "task" add constraint "task_assignee_id_foreign" foreign key ("assignee_id") references "app_user" ("id") on delete set null;`);
    this.addSql(`alter table "task" add constraint "task_kind_check" check ("kind" in ('follow_up', 'review', 'preparation', 'general'));`);
    this.addSql(`alter table "task" add constraint "task_status_check" check ("status" in ('open', 'done', 'cancelled'));`);

    this.addSql(`alter table "engagement_event" add constraint "engagement_event_organization_id_foreign" foreign key ("organization_id") references "organization" ("id");`);
    this.addSql(`alter table "engagement_event" add constraint "engagement_event_engagement_id_foreign" foreign key ("engagement_id") references "engagement" ("id");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "email_message" drop constraint "email_message_organization_id_foreign";`);
    this.addSql(`alter table "client" drop constraint "client_organization_id_foreign";`);
    this.addSql(`alter table "contact" drop constraint "contact_organization_id_foreign";`);
    this.addSql(`alter table "portal_link" drop constraint "portal_link_organization_id_foreign";`);
    this.addSql(`alter table "membership" drop constraint "membership_organization_id_foreign";`);
    this.addSql(`alter table "engagement" drop constraint "engagement_organization_id_foreign";`);
    this.addSql(`alter table "task" drop constraint "task_organization_id_foreign";`);
    this.addSql(`alter table "engagement_event" drop constraint "engagement_event_organization_id_foreign";`);
    this.addSql(`alter table "contact" drop constraint "contact_client_id_foreign";`);
    this.addSql(`alter table "engagement" drop constraint "engagement_client_id_foreign";`);
    this.addSql(`alter table "task" drop constraint "task_client_id_foreign";`);
    this.addSql(`alter table "portal_link" drop constraint "portal_link_contact_id_foreign";`);
    this.addSql(`alter table "membership" drop constraint "membership_user_id_foreign";`);
    this.addSql(`alter table "engagement" drop constraint "engagement_started_by_id_foreign";`);
    this.addSql(`alter table "task" drop constraint "task_assignee_id_foreign";`);
    this.addSql(`alter table "task" drop constraint "task_engagement_id_foreign";`);
    this.addSql(`alter table "engagement_event" drop constraint "engagement_event_engagement_id_foreign";`);

    this.addSql(`drop table if exists "organization" cascade;`);
    this.addSql(`drop table if exists "email_message" cascade;`);
    this.addSql(`drop table if exists "client" cascade;`);
    this.addSql(`drop table if exists "contact" cascade;`);
    this.addSql(`drop table if exists "portal_link" cascade;`);
    this.addSql(`drop table if exists "app_user" cascade;`);
    this.addSql(`drop table if exists "membership" cascade;`);
    this.addSql(`drop table if exists "engagement" cascade;`);
    this.addSql(`drop table if exists "task" cascade;`);
    this.addSql(`drop table if exists "engagement_event" cascade;`);
  }

}
