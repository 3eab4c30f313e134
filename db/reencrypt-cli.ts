/**
 * `tsx db/reencrypt-cli.ts [--batch-size N]`: re-encrypts every encrypted column under the active key
 * (db/shared/reencrypt-fields.ts) while the app keeps running. Prints counts, never values.
 * Reads DATABASE_URL and the keyring (FIELD_ENCRYPTION_KEYS, FIELD_ENCRYPTION_ACTIVE_KEY, FIELD_HASH_KEY).
 *
 * Rotation without downtime: (1) add the new key to FIELD_ENCRYPTION_KEYS in every process, the old
 * key still active, so every process can read what the new key will write; (2) make the new key
 * FIELD_ENCRYPTION_ACTIVE_KEY everywhere; (3) run this until it reports nothing remaining; (4) remove
 * the old key.
 * Exit code 0 when every value is under the active key, 1 when some remain (run again), 2 on usage.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { loadKeyring } from '../lib/crypto/keyring-config';
import { parseEnv } from '../lib/env';
import { createOrm } from './orm';
import { DEFAULT_REENCRYPT_BATCH_SIZE, reencryptFields } from './shared/reencrypt-fields';

const usage = 'usage: tsx db/reencrypt-cli.ts [--batch-size N]';

/** The --batch-size option; undefined (after saying why) when the arguments are not usable. */
function parseBatchSize(): number | undefined {
  try {
    const { values } = parseArgs({
      options: { 'batch-size': { type: 'string', default: String(DEFAULT_REENCRYPT_BATCH_SIZE) } },
    });
    const batchSize = Number(values['batch-size']);
    if (Number.isInteger(batchSize) && batchSize > 0) return batchSize;
    console.error('--batch-size must be a positive integer');
  } catch (error) {
    console.error(error instanceof Error ? error.message : 'invalid arguments');
  }
  return undefined;
}

async function main(): Promise<void> {
  const batchSize = parseBatchSize();
  if (batchSize === undefined) {
    console.error(usage);
    process.exitCode = 2;
    return;
  }
  const env = parseEnv(
    'reencrypt',
    z.object({ DATABASE_URL: z.string().startsWith('postgres', 'must be a postgres:// URL') }),
  );
  const keyring = loadKeyring(process.env, 'reencrypt');
  const orm = await createOrm({ databaseUrl: env.DATABASE_URL, poolMax: 2 });
  try {
    console.log(`re-encrypting under key "${keyring.activeKeyId}" in batches of ${batchSize}`);
    const result = await reencryptFields(orm, keyring, {
      batchSize,
      onBatch: ({ column, rewritten }) =>
        console.log(`  ${column.table}.${column.column}: ${rewritten} rewritten so far`),
    });
    for (const { column, rewritten, changedConcurrently, remaining } of result.columns) {
      console.log(
        `${column.table}.${column.column}: ${rewritten} rewritten, ${changedConcurrently} changed by the app meanwhile, ${remaining} remaining`,
      );
    }
    console.log(
      `${result.columns.length} encrypted column(s): ${result.rewritten} value(s) rewritten, ${result.remaining} remaining`,
    );
    if (result.remaining > 0) {
      console.log('some values were written under an old key meanwhile: run the command again');
      process.exitCode = 1;
    }
  } finally {
    await orm.close(true);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? `${error.name}: ${error.message}` : 'reencrypt failed');
  process.exitCode = 1;
});
