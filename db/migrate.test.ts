import { randomBytes } from 'node:crypto';
import { forSystem } from './tenancy/tenant-context';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseUrl, quoteIdent, withPgClient } from '../infra/local/pg-client';
import { dropTestDatabase } from '../tests/support/databases';
import { migrateDatabase } from './migrate';
import { migrationsList } from './migrations';
import { createOrm } from './orm';
import { seedDemoFirm } from './seed/demo';

const expectedTables = [
  'app_user',
  'audit_event',
  'client',
  'contact',
  'document',
  'document_request',
  'email_message',
  'engagement',
  'engagement_event',
  'integration_connection',
  'invoice',
  'membership',
  'organization',
  'payment',
  'portal_link',
  'task',
  'webhook_event',
];

let url: string;

beforeAll(async () => {
  const stackUrl = process.env.DATABASE_URL ?? '';
  const name = `test_empty_${randomBytes(4).toString('hex')}`;
  await withPgClient(databaseUrl(stackUrl, 'postgres'), (client) =>
    client.query(`CREATE DATABASE ${quoteIdent(name)} TEMPLATE template0 ENCODING 'UTF8'`),
  );
  url = databaseUrl(stackUrl, name);
});

afterAll(async () => {
  if (url) await dropTestDatabase(url);
});

async function tables(): Promise<string[]> {
  return withPgClient(url, async (client) => {
    const result = await client.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'mikro_orm_migrations' ORDER BY 1",
    );
    return result.rows.map((r) => r.table_name);
  });
}

describe('migrations', () => {
  it('build the whole schema on an empty database', async () => {
    expect(await tables()).toEqual([]);
    const applied = await migrateDatabase(url);
    expect(applied).toEqual(migrationsList.map((m) => m.name));
    expect(await tables()).toEqual(expect.arrayContaining(expectedTables));
  });

  it('describe exactly the schema the entities define (a missing or wrong migration shows here as SQL)', async () => {
    const orm = await createOrm({ databaseUrl: url, poolMax: 1 });
    try {
      const difference = await orm.schema.getUpdateSchemaSQL({ wrap: false, safe: false });
      // The audit trigger lives in migrations only; the entities cannot describe it.
      const statements = difference
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line !== '' && !/audit_event_append_only|audit_event_is_append_only/.test(line));
      expect(statements, 'SQL the entities still need:\n' + statements.join('\n')).toEqual([]);
    } finally {
      await orm.close(true);
    }
  });

  it('apply nothing a second time, and keep existing data', async () => {
    const orm = await createOrm({ databaseUrl: url, poolMax: 1 });
    try {
      expect((await seedDemoFirm(forSystem(orm, 'test assertions'))).created).toBe(true);
    } finally {
      await orm.close(true);
    }
    expect(await migrateDatabase(url)).toEqual([]);
    const firms = await withPgClient(url, (client) => client.query('SELECT slug FROM organization'));
    expect(firms.rows).toEqual([{ slug: 'harborview' }]);
  });

  it('enforce the sent-log and business-key uniqueness in the database', async () => {
    const constraints = await withPgClient(url, async (client) => {
      const result = await client.query<{ conname: string }>(
        "SELECT conname FROM pg_constraint WHERE contype = 'u' ORDER BY 1",
      );
      return result.rows.map((r) => r.conname);
    });
    expect(constraints).toEqual(
      expect.arrayContaining([
        'email_message_idempotency_key_unique',
        'engagement_workflow_id_unique',
        'engagement_event_key_unique',
        'task_key_unique',
        'portal_link_token_hash_unique',
        'organization_slug_unique',
        'app_user_email_unique',
        'webhook_event_provider_provider_event_id_unique',
        'integration_connection_provider_external_id_unique',
        'invoice_stripe_invoice_id_unique',
        'payment_stripe_payment_intent_id_unique',
        'document_blob_key_unique',
      ]),
    );
  });

  it('keep the audit trail append-only: the database refuses UPDATE, DELETE and TRUNCATE', async () => {
    await withPgClient(url, async (client) => {
      await client.query(
        "INSERT INTO audit_event (id, organization_id, actor_type, action, target_type, occurred_at) SELECT gen_random_uuid(), id, 'system', 'test.recorded', 'organization', now() FROM organization",
      );
      for (const statement of [
        "UPDATE audit_event SET action = 'test.changed'",
        'DELETE FROM audit_event',
        'TRUNCATE audit_event',
      ]) {
        await expect(client.query(statement)).rejects.toThrow(/audit_event is append-only/);
      }
      const rows = await client.query<{ action: string }>('SELECT action FROM audit_event');
      expect(rows.rows).toEqual([{ action: 'test.recorded' }]);
    });
  });
});
