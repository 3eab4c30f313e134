export type { EntityManager } from '@mikro-orm/postgresql';
