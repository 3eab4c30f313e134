import { Migration } from '@mikro-orm/migrations';

export class Migration20261126070600_tax_and_close extends Migration {

  override name = 'Migration20261126070600_tax_and_close';

  override up(): void | Promise<void> {
    this.addSql(`create table "tax_return_approval" ("id" uuid not null, "organization_id" uuid not null, "engagement_id" uuid not null, "client_id" uuid not null, "round" int not null, "status" text not null default 'requested', "summary" jsonb not null, "requested_at" timestamptz not null, "signed_by_contact_id" uuid null, "typed_name" varchar(200) null, "consent_text" text null, "signed_at" timestamptz null, "signed_ip" varchar(64) null, "signed_user_agent" varchar(300) null, "changes_message" text null, "withdrawn_at" timestamptz null, "created_at" timestamptz not null, "updated_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`create index "tax_return_approval_client_id_status_index" on "tax_return_approval" ("client_id", "status");`);
    this.addSql(`create index "tax_return_approval_signed_by_contact_id_index" on "tax_return_approval" ("signed_by_contact_id");`);
    this.addSql(`alter table "tax_return_approval" add constraint "tax_return_approval_engagement_id_round_unique" unique ("engagement_id", "round");`);

    this.addSql(`create table "close_question" ("id" uuid not null, "organization_id" uuid not null, "engagement_id" uuid not null, "client_id" uuid not null, "txn_entity" varchar(30) not null, "txn_id" varchar(40) not null, "line_id" varchar(40) not null, "txn_date" varchar(10) not null, "amount_minor" bigint not null, "direction" text not null, "description" varchar(500) not null, "payee" varchar(200) null, "current_account_id" varchar(40) not null, "options" jsonb not null, "status" text not null default 'open', "answer_account_id" varchar(40) null, "answer_account_name" varchar(200) null, "answer_note" text null, "answered_by_contact_id" uuid null, "answered_at" timestamptz null, "written_back_at" timestamptz null, "created_at" timestamptz not null, "updated_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`create index "close_question_client_id_status_index" on "close_question" ("client_id", "status");`);
    this.addSql(`create index "close_question_answered_by_contact_id_index" on "close_question" ("answered_by_contact_id");`);
    this.addSql(`alter table "close_question" add constraint "close_question_engagement_id_txn_entity_txn_id_line_id_unique" unique ("engagement_id", "txn_entity", "txn_id", "line_id");`);

    this.addSql(`create table "close_reconciliation" ("id" uuid not null, "organization_id" uuid not null, "engagement_id" uuid not null, "ledger_account_id" varchar(40) not null, "account_name" varchar(200) not null, "statement_date" varchar(10) not null, "statement_ending_balance_minor" bigint not null, "statement_source" text not null, "statement_document_id" uuid null, "ledger_balance_minor" bigint not null, "difference_minor" bigint not null, "status" text not null, "task_id" uuid null, "resolution_note" text null, "resolved_by_id" uuid null, "reconciled_at" timestamptz not null, "updated_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`create index "close_reconciliation_statement_document_id_index" on "close_reconciliation" ("statement_document_id");`);
    this.addSql(`create index "close_reconciliation_task_id_index" on "close_reconciliation" ("task_id");`);
    this.addSql(`create index "close_reconciliation_resolved_by_id_index" on "close_reconciliation" ("resolved_by_id");`);
    this.addSql(`alter table "close_reconciliation" add constraint "close_reconciliation_engagement_id_ledger_account_id_unique" unique ("engagement_id", "ledger_account_id");`);

    this.addSql(`create table "close_adjustment" ("id" uuid not null, "organization_id" uuid not null, "engagement_id" uuid not null, "key" varchar(300) not null, "description" varchar(300) not null, "amount_minor" bigint not null, "ledger_account_id" varchar(40) null, "account_name" varchar(200) null, "recorded_by_id" uuid null, "created_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`create index "close_adjustment_engagement_id_created_at_index" on "close_adjustment" ("engagement_id", "created_at");`);
    this.addSql(`create index "close_adjustment_recorded_by_id_index" on "close_adjustment" ("recorded_by_id");`);
    this.addSql(`alter table "close_adjustment" add constraint "close_adjustment_key_unique" unique ("key");`);

    this.addSql(`create table "bookkeeping_service" ("id" uuid not null, "organization_id" uuid not null, "client_id" uuid not null, "status" text not null default 'active', "close_day_of_month" int not null, "bank_accounts" jsonb not null, "schedule_id" varchar(200) not null, "started_by_id" uuid null, "started_at" timestamptz not null, "stopped_at" timestamptz null, "created_at" timestamptz not null, "updated_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`create index "bookkeeping_service_organization_id_status_index" on "bookkeeping_service" ("organization_id", "status");`);
    this.addSql(`create index "bookkeeping_service_started_by_id_index" on "bookkeeping_service" ("started_by_id");`);
    this.addSql(`alter table "bookkeeping_service" add constraint "bookkeeping_service_client_id_unique" unique ("client_id");`);
    this.addSql(`alter table "bookkeeping_service" add constraint "bookkeeping_service_schedule_id_unique" unique ("schedule_id");`);

    this.addSql(`alter table "tax_return_approval" add constraint "tax_return_approval_organization_id_foreign" foreign key ("organization_id") references "organization" ("id");`);
    this.addSql(`alter table "tax_return_approval" add constraint "tax_return_approval_engagement_id_foreign" foreign key ("engagement_id") references "engagement" ("id");`);
    this.addSql(`alter table "tax_return_approval" add constraint "tax_return_approval_client_id_foreign" foreign key ("client_id") references "client" ("id");`);
    this.addSql(`alter table "tax_return_approval" add constraint "tax_return_approval_signed_by_contact_id_foreign" foreign key ("signed_by_contact_id") references "contact" ("id") on delete set null;`);
    this.addSql(`alter table "tax_return_approval" add constraint "tax_return_approval_status_check" check ("status" in ('requested', 'signed', 'changes_requested', 'withdrawn'));`);

    this.addSql(`alter table "close_question" add constraint "close_question_organization_id_foreign" foreign key ("organization_id") references "organization" ("id");`);
    this.addSql(`alter table "close_question" add constraint "close_question_engagement_id_foreign" foreign key ("engagement_id") references "engagement" ("id");`);
    this.addSql(`alter table "close_question" add constraint "close_question_client_id_foreign" foreign key ("client_id") references "client" ("id");`);
    this.addSql(`alter table "close_question" add constraint "close_question_answered_by_contact_id_foreign" foreign key ("answered_by_contact_id") references "contact" ("id") on delete set null;`);
    this.addSql(`alter table "close_question" add constraint "close_question_direction_check" check ("direction" in ('expense', 'income'));`);
    this.addSql(`alter table "close_question" add constraint "close_question_status_check" check ("status" in ('open', 'answered', 'written_back', 'needs_staff', 'resolved_in_ledger', 'withdrawn'));`);

    this.addSql(`alter table "close_reconciliation" add constraint "close_reconciliation_organization_id_foreign" foreign key ("organization_id") references "organization" ("id");`);
    this.addSql(`alter table "close_reconciliation" add constraint "close_reconciliation_engagement_id_foreign" foreign key ("engagement_id") references "engagement" ("id");`);
    this.addSql(`alter table "close_reconciliation" add constraint "close_reconciliation_statement_document_id_foreign" foreign key ("statement_document_id") references "document" ("id") on delete set null;`);
    this.addSql(`alter table "close_reconciliation" add constraint "close_reconciliation_task_id_foreign" foreign key ("task_id") references "task" ("id") on delete set null;`);
    this.addSql(`alter table "close_reconciliation" add constraint "close_reconciliation_resolved_by_id_foreign" foreign key ("resolved_by_id") references "app_user" ("id") on delete set null;`);
    this.addSql(`alter table "close_reconciliation" add constraint "close_reconciliation_statement_source_check" check ("statement_source" in ('document', 'staff'));`);
    this.addSql(`alter table "close_reconciliation" add constraint "close_reconciliation_status_check" check ("status" in ('matched', 'discrepancy', 'accepted'));`);

    this.addSql(`alter table "close_adjustment" add constraint "close_adjustment_organization_id_foreign" foreign key ("organization_id") references "organization" ("id");`);
    this.addSql(`alter table "close_adjustment" add constraint "close_adjustment_engagement_id_foreign" foreign key ("engagement_id") references "engagement" ("id");`);
    this.addSql(`alter table "close_adjustment" add constraint "close_adjustment_recorded_by_id_foreign" foreign key ("recorded_by_id") references "app_user" ("id") on delete set null;`);

    this.addSql(`alter table "bookkeeping_service" add constraint "bookkeeping_service_organization_id_foreign" foreign key ("organization_id") references "organization" ("id");`);
    this.addSql(`alter table "bookkeeping_service" add constraint "bookkeeping_service_client_id_foreign" foreign key ("client_id") references "client" ("id");`);
    this.addSql(`alter table "bookkeeping_service" add constraint "bookkeeping_service_started_by_id_foreign" foreign key ("started_by_id") references "app_user" ("id") on delete set null;`);
    this.addSql(`alter table "bookkeeping_service" add constraint "bookkeeping_service_status_check" check ("status" in ('active', 'stopped'));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "tax_return_approval" cascade;`);
    this.addSql(`drop table if exists "close_question" cascade;`);
    this.addSql(`drop table if exists "close_reconciliation" cascade;`);
    this.addSql(`drop table if exists "close_adjustment" cascade;`);
    this.addSql(`drop table if exists "bookkeeping_service" cascade;`);
  }

}
