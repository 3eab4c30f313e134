import { Migration } from '@mikro-orm/migrations';

/**
 * Browser uploads (`document_upload`: issued write URL → verified Document or refused with a reason)
 * and the email sent-log's failures and bounces (statuses `failed` and `bounced`, the last error and
 * when it happened, a claim while one attempt sends, what the email is about).
 */
export class Migration20261126070200_storage_and_email extends Migration {

  override name = 'Migration20261126070200_storage_and_email';

  override up(): void | Promise<void> {
    this.addSql(`create table "document_upload" ("id" uuid not null, "organization_id" uuid not null, "client_id" uuid not null, "engagement_id" uuid not null, "request_id" uuid null, "uploaded_by_contact_id" uuid null, "uploaded_by_user_id" uuid null, "blob_key" varchar(300) not null, "file_name" varchar(255) not null, "category" varchar(60) not null, "declared_media_type" varchar(120) not null, "declared_size_bytes" bigint not null, "max_bytes" bigint not null, "status" text not null default 'pending', "rejection_code" text null, "rejection_reason" varchar(300) null, "sha256" varchar(64) null, "size_bytes" bigint null, "media_type" varchar(120) null, "document_id" uuid null, "expires_at" timestamptz not null, "created_at" timestamptz not null, "completed_at" timestamptz null, primary key ("id"));`);
    this.addSql(`alter table "document_upload" add constraint "document_upload_blob_key_unique" unique ("blob_key");`);
    this.addSql(`create index "document_upload_status_expires_at_index" on "document_upload" ("status", "expires_at");`);
    this.addSql(`create index "document_upload_client_id_index" on "document_upload" ("client_id");`);
    this.addSql(`create index "document_upload_engagement_id_index" on "document_upload" ("engagement_id");`);
    this.addSql(`create index "document_upload_request_id_index" on "document_upload" ("request_id");`);
    this.addSql(`create index "document_upload_document_id_index" on "document_upload" ("document_id");`);
    this.addSql(`create index "document_upload_uploaded_by_contact_id_index" on "document_upload" ("uploaded_by_contact_id");`);
    this.addSql(`create index "document_upload_uploaded_by_user_id_index" on "document_upload" ("uploaded_by_user_id");`);
    this.addSql(`alter table "document_upload" add constraint "document_upload_organization_id_foreign" foreign key ("organization_id") references "organization" ("id");`);
    this.addSql(`alter table "document_upload" add constraint "document_upload_client_id_foreign" foreign key ("client_id") references "client" ("id");`);
    this.addSql(`alter table "document_upload" add constraint "document_upload_engagement_id_foreign" foreign key ("engagement_id") references "engagement" ("id");`);
    this.addSql(`alter table "document_upload" add constraint "document_upload_request_id_foreign" foreign key ("request_id") references "document_request" ("id") on delete set null;`);
    this.addSql(`alter table "document_upload" add constraint "document_upload_uploaded_by_contact_id_foreign" foreign key ("uploaded_by_contact_id") references "contact" ("id") on delete set null;`);
    this.addSql(`alter table "document_upload" add constraint "document_upload_uploaded_by_user_id_foreign" foreign key ("uploaded_by_user_id") references "app_user" ("id") on delete set null;`);
    this.addSql(`alter table "document_upload" add constraint "document_upload_document_id_foreign" foreign key ("document_id") references "document" ("id") on delete set null;`);
    this.addSql(`alter table "document_upload" add constraint "document_upload_status_check" check ("status" in ('pending', 'verified', 'duplicate', 'rejected', 'expired'));`);
    this.addSql(`alter table "document_upload" add constraint "document_upload_rejection_code_check" check ("rejection_code" in ('missing', 'empty', 'too_large', 'size_mismatch', 'type_mismatch', 'unsupported_type', 'checksum_mismatch'));`);

    this.addSql(`alter table "email_message" add "claimed_until" timestamptz null, add "last_error" varchar(500) null, add "failed_at" timestamptz null, add "related_type" varchar(40) null, add "related_id" varchar(100) null;`);
    this.addSql(`alter table "email_message" drop constraint "email_message_status_check";`);
    this.addSql(`alter table "email_message" add constraint "email_message_status_check" check ("status" in ('pending', 'sent', 'failed', 'bounced'));`);
    this.addSql(`create index "email_message_provider_message_id_index" on "email_message" ("provider_message_id");`);
    this.addSql(`create index "email_message_organization_id_related_type_related_id_index" on "email_message" ("organization_id", "related_type", "related_id");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index "email_message_organization_id_related_type_related_id_index";`);
    this.addSql(`drop index "email_message_provider_message_id_index";`);
    this.addSql(`update "email_message" set "status" = 'pending' where "status" in ('failed', 'bounced');`);
    this.addSql(`alter table "email_message" drop constraint "email_message_status_check";`);
    this.addSql(`alter table "email_message" add constraint "email_message_status_check" check ("status" in ('pending', 'sent'));`);
    this.addSql(`alter table "email_message" drop column "claimed_until", drop column "last_error", drop column "failed_at", drop column "related_type", drop column "related_id";`);

    this.addSql(`drop table if exists "document_upload" cascade;`);
  }

}
