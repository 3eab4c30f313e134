import { createOrm } from './orm';

/** Runs every pending migration against the database; returns the names it applied. */
export async function migrateDatabase(databaseUrl: string): Promise<string[]> {
  // The caller reports what was applied; the migrator's per-step chatter is not needed.
  const orm = await createOrm({ databaseUrl, poolMax: 2, logger: () => undefined });
  try {
    const applied = await orm.migrator.up();
    return applied.map((m) => m.name);
  } finally {
    await orm.close(true);
  }
}
