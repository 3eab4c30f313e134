/**
 * Opaque cursors for keyset pagination: the sort key of the last row shown, base64url-encoded.
 * A malformed cursor reads as "first page" rather than an error.
 */
export function encodeCursor(values: readonly string[]): string {
  return Buffer.from(JSON.stringify(values), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string | null, length: number): string[] | null {
  if (!cursor) return null;
  try {
    const values: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(values) && values.length === length && values.every((v) => typeof v === 'string')) {
      return values;
    }
  } catch {
    // Fall through: not a cursor we issued.
  }
  return null;
}

/** Escapes LIKE wildcards so a search term matches literally. */
export function escapeLike(term: string): string {
  return term.replace(/[\\%_]/g, (char) => `\\${char}`);
}

/** Whether a string is a UUID (route parameters are checked before they reach a query). */
export function isUuid(value: string | undefined): value is string {
  return (
    typeof value === 'string' && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value)
  );
}
