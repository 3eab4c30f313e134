import {
  ReferenceKind,
  type EntityMetadata,
  type EntityProperty,
  type MetadataStorage,
} from '@mikro-orm/core';
import type pg from 'pg';
import { seedRowKinds, type TSeedRows } from './rows';

/** How one entity's rows become an INSERT: table, and per column the property and SQL array type. */
export interface TInsertPlan {
  entity: string;
  table: string;
  columns: {
    property: string;
    column: string;
    arrayType: string;
    format: TElementFormat;
    nullable: boolean;
  }[];
}

const entityOfKind: Record<keyof TSeedRows, string> = {
  organizations: 'Organization',
  users: 'User',
  memberships: 'Membership',
  clients: 'Client',
  contacts: 'Contact',
  portalLinks: 'PortalLink',
  engagements: 'Engagement',
  engagementEvents: 'EngagementEvent',
  documentRequests: 'DocumentRequest',
  documents: 'Document',
  tasks: 'Task',
  invoices: 'Invoice',
  payments: 'Payment',
};

function isStoredColumn(prop: EntityProperty): boolean {
  if (prop.persist === false || prop.formula) return false;
  return prop.kind === ReferenceKind.SCALAR || prop.kind === ReferenceKind.MANY_TO_ONE;
}

/** The insert plan of an entity, read from MikroORM's metadata so it follows the entity definitions. */
export function insertPlanOf(meta: EntityMetadata): TInsertPlan {
  const columns = Object.values(meta.properties)
    .filter(isStoredColumn)
    .map((prop) => {
      const column = prop.fieldNames[0];
      const columnType = prop.columnTypes[0];
      if (!column || !columnType || prop.fieldNames.length !== 1) {
        throw new Error(`${meta.className}.${prop.name}: bulk insert handles single-column properties only`);
      }
      const json = columnType === 'jsonb' || columnType === 'json';
      return {
        property: prop.name,
        column,
        arrayType: `${columnType}[]`,
        format: elementFormat(columnType, json),
        nullable: prop.nullable === true,
      };
    });
  return { entity: meta.className, table: meta.tableName, columns };
}

/** Insert plans for every kind of seed row. */
export function insertPlans(metadata: MetadataStorage): Record<keyof TSeedRows, TInsertPlan> {
  const plans = {} as Record<keyof TSeedRows, TInsertPlan>;
  for (const kind of seedRowKinds) {
    const meta = metadata.getByClassName(entityOfKind[kind], false);
    if (!meta) throw new Error(`no metadata for ${entityOfKind[kind]}`);
    plans[kind] = insertPlanOf(meta);
  }
  return plans;
}

const quote = (identifier: string) => `"${identifier.replaceAll('"', '""')}"`;

type TElementFormat = 'plain' | 'text' | 'timestamp' | 'json';

/** How a column's values are written inside a Postgres array literal. */
function elementFormat(columnType: string, json: boolean): TElementFormat {
  if (json) return 'json';
  if (/^(uuid|int|integer|bigint|smallint|boolean|numeric|double precision|real)\b/.test(columnType))
    return 'plain';
  if (columnType.startsWith('timestamp') || columnType === 'date') return 'timestamp';
  return 'text';
}

const quoteElement = (text: string) =>
  `"${/["\\]/.test(text) ? text.replace(/["\\]/g, (char) => `\\${char}`) : text}"`;

/**
 * A column's values as one Postgres array literal (`{"a","b",NULL}`). Written here rather than by the
 * pg driver's generic array serialiser: for hundreds of thousands of rows that serialiser is most of
 * the seed's time in Node.
 */
function arrayLiteral(values: unknown[], format: TElementFormat): string {
  const parts = values.map((value) => {
    if (value === undefined || value === null) return 'NULL';
    if (format === 'json') return quoteElement(JSON.stringify(value));
    if (value instanceof Date) return value.toISOString();
    // A relation given as an entity or row rather than its ID.
    if (typeof value === 'object' && 'id' in value) return scalarText(value.id);
    return format === 'text' ? quoteElement(scalarText(value)) : scalarText(value);
  });
  return `{${parts.join(',')}}`;
}

function scalarText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  throw new Error(`bulk insert cannot store ${typeof value} values in a scalar column`);
}

/**
 * Inserts rows with one statement per `batchSize` rows: one array parameter per column, expanded by
 * `unnest` (`INSERT INTO t (a, b) SELECT * FROM unnest($1::uuid[], $2::text[])`), so a batch costs
 * one round trip and the parameter count does not grow with the rows. Every row must carry every
 * column (the factories fill them all); a missing or unknown property is a programming error.
 */
export async function bulkInsert(
  client: pg.ClientBase,
  plan: TInsertPlan,
  rows: readonly object[],
  batchSize = 5_000,
): Promise<void> {
  const first = rows[0];
  if (!first) return;
  const known = new Set(plan.columns.map((c) => c.property));
  const unknown = Object.keys(first).filter((key) => !known.has(key));
  // A nullable column the factories do not fill (added by a later feature) is stored as NULL.
  const missing = plan.columns.filter((c) => !(c.property in first) && !c.nullable).map((c) => c.property);
  if (unknown.length || missing.length) {
    throw new Error(
      `${plan.entity} rows do not match the entity: unknown ${unknown.join(', ') || '-'}, missing ${missing.join(', ') || '-'}`,
    );
  }
  const sql =
    `INSERT INTO ${quote(plan.table)} (${plan.columns.map((c) => quote(c.column)).join(', ')}) ` +
    `SELECT * FROM unnest(${plan.columns.map((c, i) => `$${i + 1}::${c.arrayType}`).join(', ')})`;
  for (let start = 0; start < rows.length; start += batchSize) {
    const batch = rows.slice(start, start + batchSize) as Record<string, unknown>[];
    const params = plan.columns.map((c) =>
      arrayLiteral(
        batch.map((row) => row[c.property]),
        c.format,
      ),
    );
    await client.query(sql, params);
  }
}

const plansCache = new WeakMap<MetadataStorage, Record<keyof TSeedRows, TInsertPlan>>();

/** Inserts every kind of seed row, in reference order, with bulkInsert. */
export async function bulkInsertAll(
  client: pg.ClientBase,
  metadata: MetadataStorage,
  rows: Partial<TSeedRows>,
): Promise<void> {
  let plans = plansCache.get(metadata);
  if (!plans) {
    plans = insertPlans(metadata);
    plansCache.set(metadata, plans);
  }
  for (const kind of seedRowKinds) {
    const batch = rows[kind];
    if (batch?.length) await bulkInsert(client, plans[kind], batch);
  }
}
