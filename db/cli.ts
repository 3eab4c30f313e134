/**
 * Database commands: `migrate` (apply pending migrations), `seed` (demo firm, idempotent),
 * `create [name]` (write a migration for the difference between entities and the database).
 * Reads DATABASE_URL.
 */
import { z } from 'zod';
import { parseEnv } from '../lib/env';
import { createOrm } from './orm';
import { migrateDatabase } from './migrate';
import { forSystem } from './tenancy/tenant-context';
import { setFieldKeyring } from './shared/field-keyring';
import { loadKeyring } from '../lib/crypto/keyring-config';

const env = parseEnv(
  'db',
  z.object({ DATABASE_URL: z.string().startsWith('postgres', 'must be a postgres:// URL') }),
);

async function main(command: string | undefined, arg: string | undefined): Promise<void> {
  switch (command) {
    case 'migrate': {
      const applied = await migrateDatabase(env.DATABASE_URL);
      console.log(
        applied.length
          ? `applied ${applied.length} migration(s): ${applied.join(', ')}`
          : 'database is up to date',
      );
      return;
    }
    case 'seed': {
      setFieldKeyring(loadKeyring(process.env, 'db'));
      const { seedDemoFirm } = await import('./seed/demo');
      const orm = await createOrm({ databaseUrl: env.DATABASE_URL, poolMax: 2 });
      try {
        const result = await seedDemoFirm(forSystem(orm, 'seed the demo firm'));
        console.log(
          result.created
            ? `seeded demo firm "${result.firmName}"`
            : `demo firm "${result.firmName}" already present`,
        );
      } finally {
        await orm.close(true);
      }
      return;
    }
    case 'create': {
      const orm = await createOrm({ databaseUrl: env.DATABASE_URL, poolMax: 2 });
      try {
        await orm.migrator.up();
        const result = await orm.migrator.create(undefined, false, false, arg);
        console.log(
          result.fileName
            ? `wrote db/migrations/${result.fileName}: review it, then add it to db/migrations/index.ts`
            : 'entities match the database: no migration needed',
        );
      } finally {
        await orm.close(true);
      }
      return;
    }
    default:
      console.error('usage: tsx db/cli.ts migrate | seed | create [name]');
      process.exitCode = 2;
  }
}

main(process.argv[2], process.argv[3]).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
