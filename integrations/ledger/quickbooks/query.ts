/**
 * The subset of QuickBooks' SQL-like query language the platform uses, built from typed parts so a
 * value never changes the statement (strings are quoted with `\'` escapes, field names are checked):
 *
 *   SELECT * FROM Purchase WHERE TxnDate >= '2026-01-01' AND TxnDate <= '2026-01-31'
 *     ORDERBY TxnDate STARTPOSITION 1 MAXRESULTS 1000
 *
 * QuickBooks supports AND only (no OR), and at most 1,000 results per page.
 */
import { LedgerError } from '../ledger-errors';
import type { TLedgerEntityName } from './entities';

export const maxQueryResults = 1000;

export type TQueryValue = string | number | boolean;
export type TQueryCondition =
  | [field: string, operator: '=' | '<' | '>' | '<=' | '>=' | 'LIKE', value: TQueryValue]
  | [field: string, operator: 'IN', values: readonly TQueryValue[]];

export interface TQuery<N extends TLedgerEntityName = TLedgerEntityName> {
  from: N;
  where?: readonly TQueryCondition[];
  orderBy?: readonly { field: string; direction?: 'ASC' | 'DESC' }[];
  /** 1-based. */
  startPosition?: number;
  /** 1 to 1,000. */
  maxResults?: number;
}

const fieldPattern = /^[A-Za-z][A-Za-z0-9]*(?:\.[A-Za-z][A-Za-z0-9]*)*$/;

function field(name: string): string {
  if (!fieldPattern.test(name)) {
    throw new LedgerError('validation', `"${name}" is not a QuickBooks field name.`);
  }
  return name;
}

/** A value as a query literal: strings quoted, with `\` and `'` escaped by a backslash. */
export function queryLiteral(value: TQueryValue): string {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new LedgerError('validation', 'A query number must be finite.');
    return String(value);
  }
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function condition(part: TQueryCondition): string {
  const [name, operator] = part;
  if (operator === 'IN') {
    const values = part[2];
    if (values.length === 0) throw new LedgerError('validation', `IN on ${name} needs at least one value.`);
    return `${field(name)} IN (${values.map(queryLiteral).join(', ')})`;
  }
  return `${field(name)} ${operator} ${queryLiteral(part[2])}`;
}

function positiveInteger(value: number, what: string, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new LedgerError('validation', `${what} must be a whole number from 1 to ${max}.`);
  }
  return value;
}

/** The statement text of a query. */
export function renderQuery(query: TQuery, select = '*'): string {
  const parts = [`SELECT ${select} FROM ${field(query.from)}`];
  if (query.where && query.where.length > 0) parts.push(`WHERE ${query.where.map(condition).join(' AND ')}`);
  if (query.orderBy && query.orderBy.length > 0) {
    parts.push(
      `ORDERBY ${query.orderBy.map((o) => `${field(o.field)}${o.direction ? ` ${o.direction}` : ''}`).join(', ')}`,
    );
  }
  if (query.startPosition !== undefined) {
    parts.push(`STARTPOSITION ${positiveInteger(query.startPosition, 'STARTPOSITION')}`);
  }
  if (query.maxResults !== undefined) {
    parts.push(`MAXRESULTS ${positiveInteger(query.maxResults, 'MAXRESULTS', maxQueryResults)}`);
  }
  return parts.join(' ');
}
