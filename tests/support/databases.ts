/**
 * One database per test file (or per test), cloned from the migrated template that the global setup
 * prepares: cloning takes a fraction of a second, migrating takes seconds.
 */
import { randomBytes } from 'node:crypto';
import { databaseName, databaseUrl, quoteIdent, withPgClient } from '../../infra/local/pg-client';

/** The database the global setup migrates and every test database is cloned from. */
export const TEMPLATE_DATABASE = 'cpa_template';
const TEST_DATABASE_PREFIX = 'test_';

function stackDatabaseUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url)
    throw new Error(
      'DATABASE_URL is not set: is the test global setup (tests/support/global-setup.ts) running?',
    );
  return url;
}

/** A fresh database cloned from the migrated template; returns its URL. `name` only labels it. */
export async function createTestDatabase(name?: string): Promise<string> {
  const label = (name ?? 'db')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .slice(0, 24);
  const database = `${TEST_DATABASE_PREFIX}${label}_${process.pid}_${randomBytes(4).toString('hex')}`;
  const url = stackDatabaseUrl();
  await withPgClient(databaseUrl(url, 'postgres'), (client) =>
    client.query(`CREATE DATABASE ${quoteIdent(database)} TEMPLATE ${quoteIdent(TEMPLATE_DATABASE)}`),
  );
  return databaseUrl(url, database);
}

/** Drops a database made by createTestDatabase, closing any connection still open to it. */
export async function dropTestDatabase(url: string): Promise<void> {
  const database = databaseName(url);
  if (!database.startsWith(TEST_DATABASE_PREFIX)) {
    throw new Error(`dropTestDatabase refuses to drop "${database}": only databases from createTestDatabase`);
  }
  await withPgClient(databaseUrl(url, 'postgres'), (client) =>
    client.query(`DROP DATABASE IF EXISTS ${quoteIdent(database)} WITH (FORCE)`),
  );
}
