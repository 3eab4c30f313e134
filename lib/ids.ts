/** Whether a string is a UUID (IDs from URLs, cursors and callers are checked before they reach a query). */
export function isUuid(value: string | undefined): value is string {
  return (
    typeof value === 'string' && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value)
  );
}
