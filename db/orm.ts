import { MikroORM, type Options } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { entities } from './entities';
import { migrationsList } from './migrations';

export type Orm = MikroORM;

export interface OrmOptions {
  databaseUrl: string;
  /** Log SQL (development only). */
  debug?: boolean;
  poolMax?: number;
  /** Where MikroORM's own messages (e.g. the migrator's progress) go; default console. */
  logger?: (message: string) => void;
}

/** The one place the ORM is configured. Schema changes only ever come from reviewed migrations. */
export function ormConfig({ databaseUrl, debug = false, poolMax = 10, logger }: OrmOptions): Options {
  return {
    clientUrl: databaseUrl,
    entities,
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
