import { MikroORM, type Options } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { entities } from './entities';
import { migrationsList } from './migrations';
import { tenancyConfig } from './tenancy/tenancy';

export type Orm = MikroORM;

export interface OrmOptions {
  databaseUrl: string;
  /** Log SQL (development only). */
  debug?: boolean;
  poolMax?: number;
  /** Where MikroORM's own messages (e.g. the migrator's progress) go; default console. */
  logger?: (message: string) => void;
  /**
   * Refuse tenant-owned queries and writes through an EntityManager that is neither forTenant() nor
   * forSystem() (db/tenancy/README.md). On by default: a forgotten scope fails loudly.
   */
  requireTenant?: boolean;
}

/** The one place the ORM is configured. Schema changes only ever come from reviewed migrations. */
export function ormConfig({
  databaseUrl,
  debug = false,
  poolMax = 10,
  logger,
  requireTenant = true,
}: OrmOptions): Options {
  return {
    clientUrl: databaseUrl,
    entities,
    // Every query and write is scoped to the EntityManager's firm (db/tenancy).
    ...tenancyConfig({ requireTenant }),
    extensions: [Migrator],
    debug,
    ...(logger ? { logger } : {}),
    pool: { max: poolMax },
    ensureDatabase: false,
    allowGlobalContext: false,
    migrations: {
      tableName: 'mikro_orm_migrations',
      path: 'db/migrations',
      pathTs: 'db/migrations',
      migrationsList,
      transactional: true,
      allOrNothing: true,
      emit: 'ts',
      snapshot: false,
    },
  };
}

export async function createOrm(options: OrmOptions): Promise<Orm> {
  const orm = new MikroORM(ormConfig(options));
  await orm.connect();
  return orm;
}
