import { Migration } from '@mikro-orm/migrations';

/**
 * The engagement engine's read model: checklist items get a business key per engagement (so a
 * workflow creates each item once), the reasons they were rejected or waived, and a `withdrawn`
 * status for cancelled engagements; documents keep the reader's overall confidence, model and
 * warnings, and the reviewer's note.
 */
export class Migration20261126070500_engagement_engine extends Migration {

  override name = 'Migration20261126070500_engagement_engine';

  override up(): void | Promise<void> {
    this.addSql(`alter table "document_request" add column "key" varchar(120) null, add column "rejection_reason" varchar(500) null, add column "waived_reason" varchar(500) null;`);
    this.addSql(`alter table "document_request" add constraint "document_request_engagement_id_key_unique" unique ("engagement_id", "key");`);
    this.addSql(`alter table "document_request" drop constraint "document_request_status_check";`);
    this.addSql(`alter table "document_request" add constraint "document_request_status_check" check ("status" in ('open', 'received', 'accepted', 'rejected', 'waived', 'withdrawn'));`);
    this.addSql(`alter table "document" add column "extraction_confidence" double precision null, add column "extraction_model" varchar(120) null, add column "extraction_warnings" jsonb null, add column "review_note" varchar(500) null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "document" drop column "extraction_confidence", drop column "extraction_model", drop column "extraction_warnings", drop column "review_note";`);
    this.addSql(`alter table "document_request" drop constraint "document_request_status_check";`);
    this.addSql(`update "document_request" set "status" = 'waived' where "status" = 'withdrawn';`);
    this.addSql(`alter table "document_request" add constraint "document_request_status_check" check ("status" in ('open', 'received', 'accepted', 'rejected', 'waived'));`);
    this.addSql(`alter table "document_request" drop constraint "document_request_engagement_id_key_unique";`);
    this.addSql(`alter table "document_request" drop column "key", drop column "rejection_reason", drop column "waived_reason";`);
  }

}
