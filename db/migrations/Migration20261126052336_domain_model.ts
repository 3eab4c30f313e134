import { Migration } from '@mikro-orm/migrations';

export class Migration20261126052336_domain_model extends Migration {

  override name = 'Migration20261126052336_domain_model';

  override up(): void | Promise<void> {
    this.addSql(`create table "integration_connection" ("id" uuid not null, "organization_id" uuid not null, "client_id" uuid not null, "provider" text not null, "external_id" varchar(100) not null, "access_token" text null, "refresh_token" text null, "access_token_expires_at" timestamptz null, "refresh_token_expires_at" timestamptz null, "status" text not null default 'connected', "created_at" timestamptz not null, "updated_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`create index "integration_connection_organization_id_status_index" on "integration_connection" ("organization_id", "status");`);
    this.addSql(`create index "integration_connection_client_id_index" on "integration_connection" ("client_id");`);
    this.addSql(`alter table "integration_connection" add constraint "integration_connection_provider_external_id_unique" unique ("provider", "external_id");`);

    this.addSql(`create table "audit_event" ("id" uuid not null, "organization_id" uuid not null, "actor_type" text not null, "actor_id" uuid null, "action" varchar(80) not null, "target_type" varchar(60) not null, "target_id" varchar(200) null, "ip" varchar(64) null, "user_agent" varchar(300) null, "details" jsonb null, "occurred_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`create index "audit_event_organization_id_occurred_at_index" on "audit_event" ("organization_id", "occurred_at");`);
    this.addSql(`create index "audit_event_organization_id_action_occurred_at_index" on "audit_event" ("organization_id", "action", "occurred_at");`);
    this.addSql(`create index "audit_event_organization_id_target_type_target_id_index" on "audit_event" ("organization_id", "target_type", "target_id");`);
    this.addSql(`create index "audit_event_organization_id_actor_id_occurred_at_index" on "audit_event" ("organization_id", "actor_id", "occurred_at");`);

    this.addSql(`create table "invoice" ("id" uuid not null, "organization_id" uuid not null, "client_id" uuid not null, "engagement_id" uuid null, "number" varchar(40) not null, "description" varchar(300) not null, "stripe_customer_id" varchar(100) null, "stripe_invoice_id" varchar(100) null, "amount_due_minor" int not null, "amount_paid_minor" int not null default 0, "currency" varchar(3) not null default 'usd', "status" text not null default 'draft', "due_at" timestamptz null, "hosted_url" varchar(500) null, "created_at" timestamptz not null, "paid_at" timestamptz null, primary key ("id"));`);
    this.addSql(`alter table "invoice" add constraint "invoice_stripe_invoice_id_unique" unique ("stripe_invoice_id");`);
    this.addSql(`create index "invoice_organization_id_status_due_at_index" on "invoice" ("organization_id", "status", "due_at");`);
    this.addSql(`create index "invoice_client_id_index" on "invoice" ("client_id");`);
    this.addSql(`create index "invoice_engagement_id_index" on "invoice" ("engagement_id");`);

    this.addSql(`create table "payment" ("id" uuid not null, "organization_id" uuid not null, "invoice_id" uuid not null, "stripe_payment_intent_id" varchar(100) null, "amount_minor" int not null, "currency" varchar(3) not null default 'usd', "status" text not null, "paid_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`alter table "payment" add constraint "payment_stripe_payment_intent_id_unique" unique ("stripe_payment_intent_id");`);
    this.addSql(`create index "payment_invoice_id_index" on "payment" ("invoice_id");`);
    this.addSql(`create index "payment_organization_id_paid_at_index" on "payment" ("organization_id", "paid_at");`);

    this.addSql(`create table "document_request" ("id" uuid not null, "organization_id" uuid not null, "engagement_id" uuid not null, "category" varchar(60) not null, "label" varchar(200) not null, "required" boolean not null default true, "status" text not null default 'open', "note" text null, "created_at" timestamptz not null, "updated_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`create index "document_request_engagement_id_status_index" on "document_request" ("engagement_id", "status");`);

    this.addSql(`create table "document" ("id" uuid not null, "organization_id" uuid not null, "client_id" uuid not null, "engagement_id" uuid null, "request_id" uuid null, "blob_key" varchar(300) not null, "sha256" varchar(64) not null, "size_bytes" bigint not null, "media_type" varchar(120) not null, "original_file_name" varchar(255) not null, "category" varchar(60) not null, "ocr_status" text not null default 'pending', "extracted_fields" jsonb null, "review_status" text not null default 'pending', "reviewer_id" uuid null, "reviewed_at" timestamptz null, "uploaded_by_contact_id" uuid null, "created_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`alter table "document" add constraint "document_blob_key_unique" unique ("blob_key");`);
    this.addSql(`create index "document_engagement_id_ocr_status_index" on "document" ("engagement_id", "ocr_status");`);
    this.addSql(`create index "document_organization_id_ocr_status_created_at_index" on "document" ("organization_id", "ocr_status", "created_at");`);
    this.addSql(`create index "document_organization_id_sha256_index" on "document" ("organization_id", "sha256");`);
    this.addSql(`create index "document_client_id_index" on "document" ("client_id");`);

    this.addSql(`create table "webhook_event" ("id" uuid not null, "organization_id" uuid null, "provider" text not null, "provider_event_id" varchar(200) not null, "type" varchar(120) not null, "status" text not null default 'received', "payload" jsonb not null, "error" varchar(500) null, "received_at" timestamptz not null, "processed_at" timestamptz null, primary key ("id"));`);
    this.addSql(`create index "webhook_event_status_received_at_index" on "webhook_event" ("status", "received_at");`);
    this.addSql(`create index "webhook_event_organization_id_received_at_index" on "webhook_event" ("organization_id", "received_at");`);
    this.addSql(`alter table "webhook_event" add constraint "webhook_event_provider_provider_event_id_unique" unique ("provider", "provider_event_id");`);

    this.addSql(`drop index "client_organization_id_display_name_index";`);
    this.addSql(`drop index "client_organization_id_status_display_name_index";`);
    this.addSql(`alter table "client" add "tax_id" text null, add "tax_id_hash" varchar(64) null, add "tax_id_last4" varchar(4) null;`);
    this.addSql(`create index "client_organization_id_status_display_name_id_index" on "client" ("organization_id", "status", "display_name", "id");`);
    this.addSql(`create index "client_organization_id_display_name_id_index" on "client" ("organization_id", "display_name", "id");`);
    this.addSql(`create index "client_organization_id_kind_display_name_id_index" on "client" ("organization_id", "kind", "display_name", "id");`);
    this.addSql(`create index "client_organization_id_tax_id_hash_index" on "client" ("organization_id", "tax_id_hash");`);

    this.addSql(`drop index "engagement_organization_id_stage_index";`);
    this.addSql(`drop index "engagement_organization_id_updated_at_index";`);
    this.addSql(`alter table "engagement" drop constraint "engagement_type_check";`);
    this.addSql(`alter table "engagement" add "tax_year" int null, add "period" varchar(7) null, add "extended_due_at" timestamptz null, add "preparer_id" uuid null, add "reviewer_id" uuid null;`);
    this.addSql(`alter table "engagement" add constraint "engagement_preparer_id_foreign" foreign key ("preparer_id") references "app_user" ("id") on delete set null;`);
    this.addSql(`alter table "engagement" add constraint "engagement_reviewer_id_foreign" foreign key ("reviewer_id") references "app_user" ("id") on delete set null;`);
    this.addSql(`create index "engagement_organization_id_stage_updated_at_index" on "engagement" ("organization_id", "stage", "updated_at");`);
    this.addSql(`create index "engagement_organization_id_due_at_index" on "engagement" ("organization_id", "due_at");`);
    this.addSql(`create index "engagement_organization_id_updated_at_id_index" on "engagement" ("organization_id", "updated_at", "id");`);
    this.addSql(`create index "engagement_organization_id_tax_year_type_index" on "engagement" ("organization_id", "tax_year", "type");`);
    this.addSql(`create index "engagement_preparer_id_status_index" on "engagement" ("preparer_id", "status");`);
    this.addSql(`create index "engagement_reviewer_id_status_index" on "engagement" ("reviewer_id", "status");`);
    this.addSql(`alter table "engagement" add constraint "engagement_type_check" check ("type" in ('client_onboarding', 'document_intake', 'tax_return', 'monthly_close'));`);

    this.addSql(`alter table "integration_connection" add constraint "integration_connection_organization_id_foreign" foreign key ("organization_id") references "organization" ("id");`);
    this.addSql(`alter table "integration_connection" add constraint "integration_connection_client_id_foreign" foreign key ("client_id") references "client" ("id");`);
    this.addSql(`alter table "integration_connection" add constraint "integration_connection_provider_check" check ("provider" in ('quickbooks'));`);
    this.addSql(`alter table "integration_connection" add constraint "integration_connection_status_check" check ("status" in ('connected', 'reconnect_needed', 'disconnected'));`);

    this.addSql(`alter table "audit_event" add constraint "audit_event_organization_id_foreign" foreign key ("organization_id") references "organization" ("id");`);
    this.addSql(`alter table "audit_event" add constraint "audit_event_actor_type_check" check ("actor_type" in ('user', 'contact', 'system'));`);
    this.addSql(`create or replace function "audit_event_audit_event_append_only_fn"() returns trigger as $$ begin raise exception 'audit_event is append-only: % is not allowed', TG_OP using errcode = 'insufficient_privilege'; end; $$ language plpgsql;`);
    this.addSql(`create trigger "audit_event_append_only" BEFORE UPDATE OR DELETE OR TRUNCATE on "audit_event" for each STATEMENT execute function "audit_event_audit_event_append_only_fn"();`);

    this.addSql(`alter table "invoice" add constraint "invoice_organization_id_foreign" foreign key ("organization_id") references "organization" ("id");`);
    this.addSql(`alter table "invoice" add constraint "invoice_client_id_foreign" foreign key ("client_id") references "client" ("id");`);
    this.addSql(`alter table "invoice" add constraint "invoice_engagement_id_foreign" foreign key ("engagement_id") references "engagement" ("id") on delete set null;`);
    this.addSql(`alter table "invoice" add constraint "invoice_status_check" check ("status" in ('draft', 'open', 'paid', 'void', 'uncollectible'));`);

    this.addSql(`alter table "payment" add constraint "payment_organization_id_foreign" foreign key ("organization_id") references "organization" ("id");`);
    this.addSql(`alter table "payment" add constraint "payment_invoice_id_foreign" foreign key ("invoice_id") references "invoice" ("id");`);
    this.addSql(`alter table "payment" add constraint "payment_status_check" check ("status" in ('succeeded', 'failed', 'refunded'));`);

    this.addSql(`alter table "document_request" add constraint "document_request_organization_id_foreign" foreign key ("organization_id") references "organization" ("id");`);
    this.addSql(`alter table "document_request" add constraint "document_request_engagement_id_foreign" foreign key ("engagement_id") references "engagement" ("id");`);
    this.addSql(`alter table "document_request" add constraint "document_request_status_check" check ("status" in ('open', 'received', 'accepted', 'rejected', 'waived'));`);

    this.addSql(`alter table "document" add constraint "document_organization_id_foreign" foreign key ("organization_id") references "organization" ("id");`);
    this.addSql(`alter table "document" add constraint "document_client_id_foreign" foreign key ("client_id") references "client" ("id");`);
    this.addSql(`alter table "document" add constraint "document_engagement_id_foreign" foreign key ("engagement_id") references "engagement" ("id") on delete set null;`);
    this.addSql(`alter table "document" add constraint "document_request_id_foreign" foreign key ("request_id") references "document_request" ("id") on delete set null;`);
    this.addSql(`alter table "document" add constraint "document_reviewer_id_foreign" foreign key ("reviewer_id") references "app_user" ("id") on delete set null;`);
    this.addSql(`alter table "document" add constraint "document_uploaded_by_contact_id_foreign" foreign key ("uploaded_by_contact_id") references "contact" ("id") on delete set null;`);
    this.addSql(`alter table "document" add constraint "document_ocr_status_check" check ("ocr_status" in ('pending', 'processing', 'extracted', 'needs_review', 'failed'));`);
    this.addSql(`alter table "document" add constraint "document_review_status_check" check ("review_status" in ('pending', 'accepted', 'rejected'));`);

    this.addSql(`alter table "webhook_event" add constraint "webhook_event_organization_id_foreign" foreign key ("organization_id") references "organization" ("id") on delete set null;`);
    this.addSql(`alter table "webhook_event" add constraint "webhook_event_provider_check" check ("provider" in ('stripe', 'quickbooks'));`);
    this.addSql(`alter table "webhook_event" add constraint "webhook_event_status_check" check ("status" in ('received', 'processed', 'failed', 'ignored'));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "payment" drop constraint "payment_invoice_id_foreign";`);
    this.addSql(`alter table "document" drop constraint "document_request_id_foreign";`);

    this.addSql(`drop table if exists "integration_connection" cascade;`);
    this.addSql(`drop trigger if exists "audit_event_append_only" on "audit_event";`);
    this.addSql(`drop function if exists "audit_event_audit_event_append_only_fn"();`);
    this.addSql(`drop table if exists "audit_event" cascade;`);
    this.addSql(`drop table if exists "invoice" cascade;`);
    this.addSql(`drop table if exists "payment" cascade;`);
    this.addSql(`drop table if exists "document_request" cascade;`);
    this.addSql(`drop table if exists "document" cascade;`);
    this.addSql(`drop table if exists "webhook_event" cascade;`);

    this.addSql(`alter table "engagement" drop constraint "engagement_preparer_id_foreign";`);
    this.addSql(`alter table "engagement" drop constraint "engagement_reviewer_id_foreign";`);

    this.addSql(`drop index "client_organization_id_status_display_name_id_index";`);
    this.addSql(`drop index "client_organization_id_display_name_id_index";`);
    this.addSql(`drop index "client_organization_id_kind_display_name_id_index";`);
    this.addSql(`drop index "client_organization_id_tax_id_hash_index";`);
    this.addSql(`alter table "client" drop column "tax_id", drop column "tax_id_hash", drop column "tax_id_last4";`);
    this.addSql(`create index "client_organization_id_display_name_index" on "client" ("organization_id", "display_name");`);
    this.addSql(`create index "client_organization_id_status_display_name_index" on "client" ("organization_id", "status", "display_name");`);

    this.addSql(`drop index "engagement_organization_id_stage_updated_at_index";`);
    this.addSql(`drop index "engagement_organization_id_due_at_index";`);
    this.addSql(`drop index "engagement_organization_id_updated_at_id_index";`);
    this.addSql(`drop index "engagement_organization_id_tax_year_type_index";`);
    this.addSql(`drop index "engagement_preparer_id_status_index";`);
    this.addSql(`drop index "engagement_reviewer_id_status_index";`);
    this.addSql(`alter table "engagement" drop constraint "engagement_type_check";`);
    this.addSql(`alter table "engagement" drop column "tax_year", drop column "period", drop column "extended_due_at", drop column "preparer_id", drop column "reviewer_id";`);
    this.addSql(`create index "engagement_organization_id_stage_index" on "engagement" ("organization_id", "stage");`);
    this.addSql(`create index "engagement_organization_id_updated_at_index" on "engagement" ("organization_id", "updated_at");`);
    this.addSql(`alter table "engagement" add constraint "engagement_type_check" check ("type" in ('client_onboarding'));`);
  }

}
