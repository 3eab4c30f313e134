import { BlobServiceClient } from '@azure/storage-blob';
import { Connection } from '@temporalio/client';
import { Redis } from 'ioredis';
import nodemailer from 'nodemailer';
import { describe, expect, inject, it } from 'vitest';
import { withPgClient } from '../infra/local/pg-client';
import { searchAttributeKeys } from '../workflows/shared/search-attributes';
import { createTestDatabase, dropTestDatabase } from './support/databases';

const env = inject('stackEnv');

describe('the local service stack in test mode', () => {
  it('hands the same service URLs to test files through inject() and process.env', () => {
    expect(Object.keys(env).sort()).toEqual([
      'AZURE_STORAGE_CONNECTION_STRING',
      'BLOB_CONTAINER',
      'CHROMIUM_PATH',
      'CPA_TEST_WORKFLOW_BUNDLE',
      'DATABASE_URL',
      'FIELD_ENCRYPTION_ACTIVE_KEY',
      'FIELD_ENCRYPTION_KEYS',
      'FIELD_HASH_KEY',
      'MAILBOX_URL',
      'PAYMENTS_PROVIDER',
      'QUICKBOOKS_SANDBOX_URL',
      'REDIS_URL',
      'SMTP_URL',
      'STRIPE_MOCK_URL',
      'STRIPE_WEBHOOK_SECRET',
      'TEMPORAL_ADDRESS',
      'TEMPORAL_NAMESPACE',
      'TEMPORAL_PAYLOAD_ACTIVE_KEY',
      'TEMPORAL_PAYLOAD_KEYS',
      'TEMPORAL_UI_URL',
    ]);
    for (const [name, value] of Object.entries(env)) expect(process.env[name]).toBe(value);
  });

  it('serves PostgreSQL with UTF8 databases cloned from the migrated template', async () => {
    const encoding = await withPgClient(env.DATABASE_URL!, async (client) => {
      const result = await client.query<{ server_encoding: string }>('SHOW server_encoding');
      return result.rows[0]?.server_encoding;
    });
    expect(encoding).toBe('UTF8');

    const url = await createTestDatabase('stack smoke');
    const clone = await withPgClient(url, async (client) => {
      const result = await client.query<{ encoding: string; migrations: string | null }>(
        "SELECT current_setting('server_encoding') AS encoding, to_regclass('mikro_orm_migrations')::text AS migrations",
      );
      return result.rows[0];
    });
    expect(clone).toEqual({ encoding: 'UTF8', migrations: 'mikro_orm_migrations' });

    await dropTestDatabase(url);
    await expect(withPgClient(url, (client) => client.query('SELECT 1'))).rejects.toThrow(/does not exist/);
  });

  it('answers PING on Redis', async () => {
    const redis = new Redis(env.REDIS_URL!, { lazyConnect: true });
    try {
      await redis.connect();
      expect(await redis.ping()).toBe('PONG');
    } finally {
      redis.disconnect();
    }
  });

  it('runs Temporal with the custom search attributes registered', async () => {
    const connection = await Connection.connect({ address: env.TEMPORAL_ADDRESS! });
    try {
      const info = await connection.workflowService.getSystemInfo({});
      expect(info.serverVersion).toMatch(/^\d+\.\d+/);
      const { customAttributes } = await connection.operatorService.listSearchAttributes({
        namespace: env.TEMPORAL_NAMESPACE!,
      });
      expect(Object.keys(customAttributes)).toEqual(
        expect.arrayContaining(searchAttributeKeys.map((key) => key.name)),
      );
      expect(searchAttributeKeys).toHaveLength(4);
    } finally {
      await connection.close();
    }
  });

  it('has the documents container in Azurite, open to browsers through CORS', async () => {
    const service = BlobServiceClient.fromConnectionString(env.AZURE_STORAGE_CONNECTION_STRING!);
    expect(env.BLOB_CONTAINER).toBe('documents');
    expect(await service.getContainerClient(env.BLOB_CONTAINER!).exists()).toBe(true);
    const properties = await service.getProperties();
    expect(properties.cors?.[0]?.allowedMethods).toBe('GET,PUT,HEAD,OPTIONS');
  });

  it('captures mail sent over SMTP and lists it on the mailbox API', async () => {
    const transport = nodemailer.createTransport(env.SMTP_URL);
    const subject = `Stack smoke test ${Date.now()}`;
    try {
      await transport.sendMail({
        from: '"Harbor CPA" <no-reply@example.test>',
        to: 'client@example.test',
        bcc: 'audit@example.test',
        subject,
        text: 'Your documents are due: http://localhost:3000/portal',
        html: '<p>Your documents are <b>due</b>.</p><script>alert(1)</script>',
      });
    } finally {
      transport.close();
    }

    const response = await fetch(`${env.MAILBOX_URL}/api/messages`);
    expect(response.status).toBe(200);
    const messages = (await response.json()) as {
      id: string;
      to: string[];
      envelope: { to: string[] };
      subject: string;
      text: string;
      html: string;
      headers: Record<string, string>;
    }[];
    const message = messages.find((candidate) => candidate.subject === subject);
    expect(message).toMatchObject({
      to: ['client@example.test'],
      envelope: { to: ['client@example.test', 'audit@example.test'] },
      text: expect.stringContaining('http://localhost:3000/portal') as string,
      html: expect.stringContaining('<b>due</b>') as string,
    });
    expect(message?.headers['message-id']).toMatch(/^<.+@.+>$/);

    const single = await fetch(`${env.MAILBOX_URL}/api/messages/${message?.id ?? ''}`);
    expect(((await single.json()) as { subject: string }).subject).toBe(subject);

    const page = await fetch(`${env.MAILBOX_URL}/`);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await page.text()).not.toContain(subject);
  });
});
