/**
 * Re-encrypts every encrypted column (EncryptedStringType, found in the ORM's metadata, so new
 * entities are covered without listing them) whose values are under a key other than the active one.
 *
 * Runs beside the live app: batches in key order (keyset pagination, a short transaction each), and
 * every row is rewritten only if it still holds the value that was read
 * (`UPDATE … WHERE id = $id AND col = $old`), so a concurrent write by the app is never overwritten.
 * Values already under the active key are skipped, so a second run continues where one stopped.
 * It reports counts, never values, and does not touch `updated_at`: re-encryption is not a change.
 */
import type { EntityProperty } from '@mikro-orm/core';
import {
  decryptField,
  encryptField,
  encryptedFieldPrefix,
  FieldEncryptionError,
  type Keyring,
} from '../../lib/crypto/field-encryption';
import type { Orm } from '../orm';
import type { EntityManager } from '../types';
import { EncryptedStringType } from './encrypted-string.type';

export const DEFAULT_REENCRYPT_BATCH_SIZE = 500;

/** One encrypted column of one table. */
export interface TEncryptedColumn {
  entity: string;
  schema: string | undefined;
  table: string;
  column: string;
  primaryKey: string;
  /** The authenticated context its values are encrypted under. */
  context: string;
}

/** A row whose value is under an old key, as read. */
export interface TStaleValue {
  id: string;
  stored: string;
}

export interface TBatchResult {
  rewritten: number;
  /** Rows the app changed between the read and the rewrite: left as the app wrote them. */
  changedConcurrently: number;
}

export interface TColumnResult extends TBatchResult {
  column: TEncryptedColumn;
  /** Values still under an old key after the pass (written concurrently under an old key): run again. */
  remaining: number;
}

export interface TReencryptResult extends TBatchResult {
  columns: TColumnResult[];
  remaining: number;
}

export interface TReencryptOptions {
  batchSize?: number;
  /** After each committed batch, with the column's totals so far. */
  onBatch?: (progress: TBatchResult & { column: TEncryptedColumn }) => void | Promise<void>;
}

function isEncryptedProperty(prop: EntityProperty): boolean {
  return prop.customType instanceof EncryptedStringType;
}

/** Every column of a persisted entity whose property type is EncryptedStringType. */
export function findEncryptedColumns(orm: Orm): TEncryptedColumn[] {
  const columns = new Map<string, TEncryptedColumn>();
  for (const entity of orm.getMetadata().getAll().values()) {
    if (entity.embeddable || entity.virtual || entity.view) continue;
    for (const prop of entity.props.filter(isEncryptedProperty)) {
      const [primary, ...more] = entity.getPrimaryProps();
      const primaryKey = primary?.fieldNames[0];
      if (!primaryKey || more.length > 0 || primary.fieldNames.length > 1) {
        throw new FieldEncryptionError(
          'invalid_input',
          `${entity.className}.${prop.name} is encrypted, but re-encryption needs a single-column primary key`,
        );
      }
      const column: TEncryptedColumn = {
        entity: entity.className,
        schema: entity.schema && entity.schema !== '*' ? entity.schema : undefined,
        table: entity.tableName,
        column: prop.fieldNames[0] ?? prop.name,
        primaryKey,
        context: (prop.customType as EncryptedStringType).context,
      };
      columns.set(`${column.schema ?? ''}.${column.table}.${column.column}`, column);
    }
  }
  return [...columns.values()];
}

function sqlNames(em: EntityManager, column: TEncryptedColumn) {
  const quote = (name: string) => em.getPlatform().quoteIdentifier(name);
  return {
    table: [column.schema, column.table]
      .filter((part) => part !== undefined)
      .map(quote)
      .join('.'),
    column: quote(column.column),
    id: quote(column.primaryKey),
  };
}

/** Up to `limit` rows after `afterId` (in key order) whose value is not under the active key. */
export async function readStaleValues(
  em: EntityManager,
  column: TEncryptedColumn,
  keyring: Keyring,
  afterId: string | undefined,
  limit: number,
): Promise<TStaleValue[]> {
  const names = sqlNames(em, column);
  const after = afterId === undefined ? '' : `AND ${names.id} > ?`;
  const rows = await em.execute<{ id: unknown; stored: string }[]>(
    `SELECT ${names.id} AS id, ${names.column} AS stored FROM ${names.table}
     WHERE ${names.column} IS NOT NULL AND NOT starts_with(${names.column}, ?) ${after}
     ORDER BY ${names.id} LIMIT ?`,
    [encryptedFieldPrefix(keyring.activeKeyId), ...(afterId === undefined ? [] : [afterId]), limit],
  );
  return rows.map((row) => ({ id: String(row.id), stored: row.stored }));
}

/**
 * Rewrites the rows under the active key in one transaction, each only if it still holds the value
 * that was read. A value that does not decrypt stops the run, naming the row and the key.
 */
export async function rewriteStaleValues(
  em: EntityManager,
  column: TEncryptedColumn,
  keyring: Keyring,
  rows: TStaleValue[],
): Promise<TBatchResult> {
  const rewrites = rows.map((row) => {
    try {
      const plain = decryptField(row.stored, keyring, column.context);
      return { ...row, next: encryptField(plain, keyring, column.context) };
    } catch (error) {
      if (!(error instanceof FieldEncryptionError)) throw error;
      throw new FieldEncryptionError(
        error.code,
        `${column.table}.${column.column} row ${row.id}: ${error.message}`,
        error.keyId,
      );
    }
  });
  const names = sqlNames(em, column);
  return em.fork().transactional(async (tx) => {
    const result: TBatchResult = { rewritten: 0, changedConcurrently: 0 };
    for (const { id, stored, next } of rewrites) {
      const update = await tx.execute<{ affectedRows: number }>(
        `UPDATE ${names.table} SET ${names.column} = ? WHERE ${names.id} = ? AND ${names.column} = ?`,
        [next, id, stored],
        'run',
      );
      if (update.affectedRows === 1) result.rewritten += 1;
      else result.changedConcurrently += 1;
    }
    return result;
  });
}

async function countStaleValues(em: EntityManager, column: TEncryptedColumn, keyring: Keyring) {
  const names = sqlNames(em, column);
  const [row] = await em.execute<{ count: number }[]>(
    `SELECT count(*)::int AS count FROM ${names.table}
     WHERE ${names.column} IS NOT NULL AND NOT starts_with(${names.column}, ?)`,
    [encryptedFieldPrefix(keyring.activeKeyId)],
  );
  return row?.count ?? 0;
}

/** One pass over one column. */
export async function reencryptColumn(
  em: EntityManager,
  column: TEncryptedColumn,
  keyring: Keyring,
  { batchSize = DEFAULT_REENCRYPT_BATCH_SIZE, onBatch }: TReencryptOptions = {},
): Promise<TColumnResult> {
  const totals: TBatchResult = { rewritten: 0, changedConcurrently: 0 };
  let afterId: string | undefined;
  for (;;) {
    const rows = await readStaleValues(em, column, keyring, afterId, batchSize);
    if (rows.length === 0) break;
    const batch = await rewriteStaleValues(em, column, keyring, rows);
    totals.rewritten += batch.rewritten;
    totals.changedConcurrently += batch.changedConcurrently;
    afterId = rows[rows.length - 1]?.id;
    await onBatch?.({ column, ...totals });
    if (rows.length < batchSize) break;
  }
  return { column, ...totals, remaining: await countStaleValues(em, column, keyring) };
}

/** One pass over every encrypted column the ORM knows. */
export async function reencryptFields(
  orm: Orm,
  keyring: Keyring,
  options: TReencryptOptions = {},
): Promise<TReencryptResult> {
  if (options.batchSize !== undefined && !(Number.isInteger(options.batchSize) && options.batchSize > 0)) {
    throw new FieldEncryptionError('invalid_input', 'batch size must be a positive integer');
  }
  const em = orm.em.fork();
  const columns: TColumnResult[] = [];
  for (const column of findEncryptedColumns(orm)) {
    columns.push(await reencryptColumn(em, column, keyring, options));
  }
  const sum = (pick: (result: TColumnResult) => number) => columns.reduce((n, c) => n + pick(c), 0);
  return {
    columns,
    rewritten: sum((c) => c.rewritten),
    changedConcurrently: sum((c) => c.changedConcurrently),
    remaining: sum((c) => c.remaining),
  };
}
