import type { EntityManager } from '../types';

/**
 * The distinct values of one indexed column of a firm's audit events, in order, by a loose index
 * scan: each step asks the index for the next value after the previous one, so the cost is one index
 * probe per distinct value however many events the firm has. (Postgres has no skip scan for
 * `SELECT DISTINCT` yet.) Raw SQL, so the firm's condition is written here (see db/tenancy/README.md).
 */
async function distinctValues(
  em: EntityManager,
  column: 'action' | 'target_type',
  organizationId: string,
): Promise<string[]> {
  const rows = await em.execute<{ value: string | null }[]>(
    `WITH RECURSIVE steps(value) AS (
       (SELECT ${column} FROM audit_event WHERE organization_id = ? ORDER BY ${column} LIMIT 1)
       UNION ALL
       SELECT (SELECT ${column} FROM audit_event
                WHERE organization_id = ? AND ${column} > steps.value
                ORDER BY ${column} LIMIT 1)
       FROM steps WHERE steps.value IS NOT NULL
     )
     SELECT value FROM steps WHERE value IS NOT NULL`,
    [organizationId, organizationId],
  );
  return rows.flatMap((row) => (row.value === null ? [] : [row.value]));
}

/** Every action that occurs in a firm's audit log (index (organization, action, occurred_at)). */
export function distinctAuditActions(em: EntityManager, organizationId: string): Promise<string[]> {
  return distinctValues(em, 'action', organizationId);
}

/** Every target type that occurs in a firm's audit log (index (organization, target_type, ...)). */
export function distinctAuditTargetTypes(em: EntityManager, organizationId: string): Promise<string[]> {
  return distinctValues(em, 'target_type', organizationId);
}
