import { raw, type Dictionary, type FilterQuery } from '@mikro-orm/core';
import { isUuid } from '../../lib/ids';
import { AppError } from '../../lib/errors';

/**
 * Keyset (cursor) pagination shared by the list queries in this folder.
 *
 * A page is `{ items, nextCursor }`. The cursor is opaque to callers: base64url of JSON
 * `{ q, k }`, where `q` names the list and its order and `k` is the sort key of the last item shown.
 * The next page continues strictly after that key with a row comparison, `(a, b) > (x, y)`, which
 * Postgres turns into an index range, so page 1,000 costs what page 1 does. Every order ends with the
 * primary key, so ties never repeat or skip a row.
 *
 * Timestamps in cursors have millisecond precision, the precision the application writes them with.
 */
export interface TPage<T> {
  items: T[];
  nextCursor: string | null;
}

export const defaultPageSize = 25;
export const maxPageSize = 200;

export type TKeyValue = string | number | null;

export function encodeCursor(list: string, key: readonly TKeyValue[]): string {
  return Buffer.from(JSON.stringify({ q: list, k: key }), 'utf8').toString('base64url');
}

/** The key in a cursor of `list`; an unreadable cursor, or one of another list, is invalid input. */
export function decodeCursor(list: string, cursor: string, length: number): TKeyValue[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = null;
  }
  const value = parsed as { q?: unknown; k?: unknown } | null;
  if (
    value &&
    value.q === list &&
    Array.isArray(value.k) &&
    value.k.length === length &&
    value.k.every((v) => v === null || typeof v === 'string' || typeof v === 'number')
  ) {
    return value.k as TKeyValue[];
  }
  throw new AppError(
    'invalid_input',
    'This page link is no longer valid: start again from the first page.',
    `malformed ${list} cursor`,
  );
}

/** Checks one value of a decoded key. */
export function keyPart(list: string, value: TKeyValue | undefined, kind: 'uuid' | 'text' | 'time'): string {
  const ok =
    typeof value === 'string' &&
    (kind === 'text' ||
      (kind === 'uuid' && isUuid(value)) ||
      (kind === 'time' && !Number.isNaN(Date.parse(value))));
  if (!ok) {
    throw new AppError(
      'invalid_input',
      'This page link is no longer valid: start again from the first page.',
      `malformed ${list} cursor`,
    );
  }
  return value;
}

/** `limit` within 1 .. maxPageSize; default defaultPageSize. */
export function pageSize(limit: number | undefined): number {
  if (limit === undefined) return defaultPageSize;
  if (!Number.isInteger(limit) || limit < 1)
    throw new AppError('invalid_input', 'Page size must be at least 1.');
  return Math.min(limit, maxPageSize);
}

/**
 * A filter condition: the row's `(columns...)` compared with `values` as a row (`>` after the key in
 * ascending order, `<` in descending order). Columns are database column names of the root entity.
 */
export function rowComparison<T extends object>(
  columns: readonly string[],
  op: '>' | '<',
  values: readonly TKeyValue[],
): FilterQuery<T> {
  const left = raw((alias: string) => `(${columns.map((column) => `${alias}.${column}`).join(', ')})`);
  const right = raw(`(${values.map(() => '?').join(', ')})`, [...values]);
  return { [left]: { [op === '>' ? '$gt' : '$lt']: right } } as FilterQuery<T>;
}

/** Splits one extra row off a `limit + 1` query into a page. */
export function toPage<T>(rows: T[], limit: number, cursorOf: (last: T) => string): TPage<T> {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > limit && last ? cursorOf(last) : null };
}

/** Escapes LIKE wildcards so that a search term matches literally. */
export function escapeLike(term: string): string {
  return term.replace(/[\\%_]/g, (char) => `\\${char}`);
}

/**
 * One page in ascending order of a nullable timestamp column, rows without a value last:
 * first the dated rows after the cursor (`(column, id) > (t, id)`), then, when those run out,
 * the undated ones in ID order. Each part is its own query so both can use an index range; the
 * cursor says which part it stopped in (a null time means the undated part).
 */
export async function pageNullsLast<T extends { id: string }>(input: {
  list: string;
  after: string | null | undefined;
  limit: number;
  column: string;
  valueOf: (row: T) => Date | null | undefined;
  /** Runs the list's query with one more condition (`$and`-ed to its filters), ordered as asked. */
  find: (condition: FilterQuery<T>, order: 'dated' | 'undated', limit: number) => Promise<T[]>;
  /** The property of `column`, for `IS NULL` / `IS NOT NULL` conditions. */
  property: string;
}): Promise<TPage<T>> {
  let dated = true;
  let key: [string | null, string] | null = null;
  if (input.after) {
    const [time, id] = decodeCursor(input.list, input.after, 2);
    key = [time === null ? null : keyPart(input.list, time, 'time'), keyPart(input.list, id, 'uuid')];
    dated = key[0] !== null;
  }
  const rows: T[] = [];
  if (dated) {
    const conditions: FilterQuery<T>[] = [{ [input.property]: { $ne: null } } as FilterQuery<T>];
    if (key) conditions.push(rowComparison<T>([input.column, 'id'], '>', key));
    rows.push(...(await input.find({ $and: conditions } as FilterQuery<T>, 'dated', input.limit + 1)));
  }
  if (rows.length <= input.limit) {
    const conditions: FilterQuery<T>[] = [{ [input.property]: null } as FilterQuery<T>];
    if (key && !dated) conditions.push({ id: { $gt: key[1] } } as Dictionary as FilterQuery<T>);
    rows.push(
      ...(await input.find({ $and: conditions } as FilterQuery<T>, 'undated', input.limit + 1 - rows.length)),
    );
  }
  return toPage(rows, input.limit, (last) =>
    encodeCursor(input.list, [input.valueOf(last)?.toISOString() ?? null, last.id]),
  );
}
