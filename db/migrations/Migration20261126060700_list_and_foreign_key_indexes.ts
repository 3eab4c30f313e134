import { Migration } from '@mikro-orm/migrations';

export class Migration20261126060700_list_and_foreign_key_indexes extends Migration {

  override name = 'Migration20261126060700_list_and_foreign_key_indexes';

  override up(): void | Promise<void> {
    this.addSql(`create index "engagement_organization_id_stage_due_at_index" on "engagement" ("organization_id", "stage", "due_at");`);
    this.addSql(`create index "engagement_organization_id_type_updated_at_id_index" on "engagement" ("organization_id", "type", "updated_at", "id");`);
    this.addSql(`create index "engagement_started_by_id_index" on "engagement" ("started_by_id");`);

    this.addSql(`create index "task_client_id_index" on "task" ("client_id");`);

    this.addSql(`create index "document_request_id_index" on "document" ("request_id");`);
    this.addSql(`create index "document_uploaded_by_contact_id_index" on "document" ("uploaded_by_contact_id");`);
    this.addSql(`create index "document_reviewer_id_index" on "document" ("reviewer_id");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index "document_request_id_index";`);
    this.addSql(`drop index "document_uploaded_by_contact_id_index";`);
    this.addSql(`drop index "document_reviewer_id_index";`);

    this.addSql(`drop index "engagement_organization_id_stage_due_at_index";`);
    this.addSql(`drop index "engagement_organization_id_type_updated_at_id_index";`);
    this.addSql(`drop index "engagement_started_by_id_index";`);

    this.addSql(`drop index "task_client_id_index";`);
  }

}
