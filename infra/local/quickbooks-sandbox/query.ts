/**
 * The sandbox's reading of QuickBooks' query language: SELECT (* | COUNT(*) | fields) FROM <entity>
 * [WHERE <field> <op> <value> [AND …]] [ORDERBY <field> [ASC|DESC], …] [STARTPOSITION n]
 * [MAXRESULTS n], with operators = < > <= >= IN LIKE ('%' wildcards). Keywords are case-insensitive;
 * strings are single-quoted with `\'` escapes. As in QuickBooks, there is no OR and at most 1,000
 * results per page (100 unless MAXRESULTS says otherwise).
 */
import type { TJson } from './books';

export class QueryError extends Error {
  constructor(
    message: string,
    readonly code: '4000' | '4001',
  ) {
    super(message);
  }
}

type TToken =
  | { type: 'word'; value: string }
  | { type: 'string'; value: string }
  | { type: 'number'; value: number }
  | { type: 'symbol'; value: string };

function tokenize(text: string): TToken[] {
  const tokens: TToken[] = [];
  let i = 0;
  while (i < text.length) {
    const char = text[i] as string;
    if (/\s/.test(char)) {
      i++;
    } else if (char === "'") {
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length) throw new QueryError('QueryParserError: unterminated string literal', '4000');
        const c = text[i] as string;
        if (c === '\\' && i + 1 < text.length) {
          value += text[i + 1];
          i += 2;
        } else if (c === "'") {
          i++;
          break;
        } else {
          value += c;
          i++;
        }
      }
      tokens.push({ type: 'string', value });
    } else if (/[0-9-]/.test(char) && /[0-9]/.test(text[i + (char === '-' ? 1 : 0)] ?? '')) {
      const match = /^-?\d+(\.\d+)?/.exec(text.slice(i));
      tokens.push({ type: 'number', value: Number(match?.[0]) });
      i += match?.[0].length ?? 1;
    } else if (/[A-Za-z_]/.test(char)) {
      const match = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*/.exec(text.slice(i));
      tokens.push({ type: 'word', value: match?.[0] ?? char });
      i += match?.[0].length ?? 1;
    } else if (text.startsWith('<=', i) || text.startsWith('>=', i) || text.startsWith('!=', i)) {
      tokens.push({ type: 'symbol', value: text.slice(i, i + 2) });
      i += 2;
    } else if ('*,()=<>'.includes(char)) {
      tokens.push({ type: 'symbol', value: char });
      i++;
    } else {
      throw new QueryError(`QueryParserError: Encountered "${char}" at position ${i + 1}`, '4000');
    }
  }
  return tokens;
}

export interface TCondition {
  field: string;
  operator: '=' | '<' | '>' | '<=' | '>=' | 'IN' | 'LIKE';
  values: (string | number | boolean)[];
}

export interface TParsedQuery {
  entity: string;
  select: '*' | 'count' | string[];
  where: TCondition[];
  orderBy: { field: string; descending: boolean }[];
  startPosition: number;
  maxResults: number;
}

export function parseQuery(text: string): TParsedQuery {
  const tokens = tokenize(text);
  let position = 0;
  const peek = () => tokens[position];
  const next = () => {
    const token = tokens[position++];
    if (!token) throw new QueryError('QueryParserError: unexpected end of query', '4000');
    return token;
  };
  const isWord = (token: TToken | undefined, word: string) =>
    token?.type === 'word' && token.value.toUpperCase() === word;
  const expectWord = (word: string) => {
    const token = next();
    if (!isWord(token, word)) {
      throw new QueryError(
        `QueryParserError: Encountered "${String(token.value)}", expected ${word}`,
        '4000',
      );
    }
  };
  const expectSymbol = (symbol: string) => {
    const token = next();
    if (token.type !== 'symbol' || token.value !== symbol) {
      throw new QueryError(
        `QueryParserError: Encountered "${String(token.value)}", expected "${symbol}"`,
        '4000',
      );
    }
  };
  const field = () => {
    const token = next();
    if (token.type !== 'word') throw new QueryError(`QueryParserError: expected a property name`, '4000');
    return token.value;
  };
  const literal = (): string | number | boolean => {
    const token = next();
    if (token.type === 'string' || token.type === 'number') return token.value;
    if (isWord(token, 'TRUE')) return true;
    if (isWord(token, 'FALSE')) return false;
    throw new QueryError(`QueryParserError: Encountered "${String(token.value)}", expected a value`, '4000');
  };
  const integer = (what: string) => {
    const token = next();
    if (token.type !== 'number' || !Number.isInteger(token.value) || token.value < 0) {
      throw new QueryError(`QueryParserError: ${what} needs a whole number`, '4000');
    }
    return token.value;
  };

  expectWord('SELECT');
  let select: TParsedQuery['select'];
  if (peek()?.type === 'symbol' && peek()?.value === '*') {
    next();
    select = '*';
  } else if (isWord(peek(), 'COUNT')) {
    next();
    expectSymbol('(');
    expectSymbol('*');
    expectSymbol(')');
    select = 'count';
  } else {
    const fields = [field()];
    while (peek()?.type === 'symbol' && peek()?.value === ',') {
      next();
      fields.push(field());
    }
    select = fields;
  }
  expectWord('FROM');
  const entity = field();

  const where: TCondition[] = [];
  if (isWord(peek(), 'WHERE')) {
    next();
    for (;;) {
      const name = field();
      const operatorToken = next();
      let operator: TCondition['operator'];
      if (operatorToken.type === 'symbol' && ['=', '<', '>', '<=', '>='].includes(operatorToken.value)) {
        operator = operatorToken.value as TCondition['operator'];
      } else if (isWord(operatorToken, 'IN')) {
        operator = 'IN';
      } else if (isWord(operatorToken, 'LIKE')) {
        operator = 'LIKE';
      } else if (
        isWord(operatorToken, 'OR') ||
        (operatorToken.type === 'symbol' && operatorToken.value === '!=')
      ) {
        throw new QueryError(`QueryParserError: "${String(operatorToken.value)}" is not supported`, '4000');
      } else {
        throw new QueryError(
          `QueryParserError: Encountered "${String(operatorToken.value)}" after ${name}`,
          '4000',
        );
      }
      const values: TCondition['values'] = [];
      if (operator === 'IN') {
        expectSymbol('(');
        values.push(literal());
        while (peek()?.type === 'symbol' && peek()?.value === ',') {
          next();
          values.push(literal());
        }
        expectSymbol(')');
      } else {
        values.push(literal());
      }
      where.push({ field: name, operator, values });
      if (isWord(peek(), 'AND')) {
        next();
        continue;
      }
      if (isWord(peek(), 'OR')) throw new QueryError('QueryParserError: OR is not supported', '4000');
      break;
    }
  }

  const orderBy: TParsedQuery['orderBy'] = [];
  if (isWord(peek(), 'ORDERBY') || isWord(peek(), 'ORDER')) {
    if (isWord(next(), 'ORDER')) expectWord('BY');
    for (;;) {
      const name = field();
      let descending = false;
      if (isWord(peek(), 'DESC') || isWord(peek(), 'ASC')) descending = isWord(next(), 'DESC');
      orderBy.push({ field: name, descending });
      if (peek()?.type === 'symbol' && peek()?.value === ',') {
        next();
        continue;
      }
      break;
    }
  }

  let startPosition = 1;
  let maxResults = 100;
  for (;;) {
    if (isWord(peek(), 'STARTPOSITION')) {
      next();
      startPosition = Math.max(1, integer('STARTPOSITION'));
    } else if (isWord(peek(), 'MAXRESULTS')) {
      next();
      maxResults = integer('MAXRESULTS');
      if (maxResults > 1000) {
        throw new QueryError('QueryValidationError: MAXRESULTS cannot be more than 1000', '4001');
      }
    } else {
      break;
    }
  }
  const rest = peek();
  if (rest) throw new QueryError(`QueryParserError: Encountered "${String(rest.value)}"`, '4000');
  return { entity, select, where, orderBy, startPosition, maxResults };
}

/** The value at a dotted path (`MetaData.LastUpdatedTime`, `AccountRef.value`). */
export function valueAt(entity: TJson, path: string): unknown {
  let current: unknown = entity;
  for (const part of path.split('.')) {
    if (typeof current !== 'object' || current === null) return undefined;
    const record = current as TJson;
    const key = Object.keys(record).find((k) => k.toLowerCase() === part.toLowerCase());
    current = key === undefined ? undefined : record[key];
  }
  return current;
}

const dateLike = /^\d{4}-\d{2}-\d{2}/;

/** A string, number or boolean as text; anything else (objects, null) has none. */
function scalarText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

function compare(left: unknown, right: string | number | boolean): number | undefined {
  if (left === undefined || left === null) return undefined;
  if (typeof right === 'number') {
    const n = Number(left);
    return Number.isNaN(n) ? undefined : n - right;
  }
  const text = scalarText(left);
  if (typeof right === 'boolean') return text === String(right) ? 0 : 1;
  if (text === undefined) return undefined;
  if (dateLike.test(text) && dateLike.test(right) && (text.length > 10 || right.length > 10)) {
    const a = Date.parse(text.length === 10 ? `${text}T00:00:00Z` : text);
    const b = Date.parse(right.length === 10 ? `${right}T00:00:00Z` : right);
    if (!Number.isNaN(a) && !Number.isNaN(b)) return a - b;
  }
  return text < right ? -1 : text > right ? 1 : 0;
}

function like(value: unknown, pattern: string): boolean {
  if (typeof value !== 'string') return false;
  const regex = new RegExp(
    `^${pattern
      .split('%')
      .map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
    'i',
  );
  return regex.test(value);
}

export function matches(entity: TJson, condition: TCondition): boolean {
  const value = valueAt(entity, condition.field);
  const [first] = condition.values;
  if (first === undefined) return false;
  switch (condition.operator) {
    case 'IN':
      return condition.values.some((candidate) => compare(value, candidate) === 0);
    case 'LIKE':
      return like(value, String(first));
    default: {
      const result = compare(value, first);
      if (result === undefined) return false;
      if (condition.operator === '=') return result === 0;
      if (condition.operator === '<') return result < 0;
      if (condition.operator === '>') return result > 0;
      if (condition.operator === '<=') return result <= 0;
      return result >= 0;
    }
  }
}

/** Rows of `query` from `all`: filtered, ordered (by Id unless ORDERBY says otherwise), paged. */
export function runQuery(query: TParsedQuery, all: TJson[]): { rows: TJson[]; total: number } {
  const filtered = all.filter((entity) => query.where.every((condition) => matches(entity, condition)));
  const order = query.orderBy.length > 0 ? query.orderBy : [{ field: 'Id', descending: false }];
  filtered.sort((a, b) => {
    for (const { field, descending } of order) {
      const left = valueAt(a, field);
      const right = valueAt(b, field);
      let result: number;
      if (field.toLowerCase() === 'id') result = Number(left) - Number(right);
      else result = (scalarText(left) ?? '').localeCompare(scalarText(right) ?? '');
      if (result !== 0) return descending ? -result : result;
    }
    return 0;
  });
  const page = filtered.slice(query.startPosition - 1, query.startPosition - 1 + query.maxResults);
  const rows =
    Array.isArray(query.select) && query.select.length > 0
      ? page.map((entity) => {
          const projected: TJson = {
            Id: entity.Id,
            SyncToken: entity.SyncToken,
            domain: entity.domain,
            sparse: true,
          };
          for (const name of query.select as string[]) projected[name] = valueAt(entity, name);
          return projected;
        })
      : page;
  return { rows, total: filtered.length };
}
