import type { EntityManager } from '@mikro-orm/postgresql';
import type { TActor } from '../audit/actor';
import { recordAuditEvent, type TAuditEventInput } from '../audit/record-audit-event';

/**
 * Writes one audit event on its own (sign-in attempts, throttling): events that are not part of
 * another change, and must be kept even when the request then fails.
 */
export async function recordAuthEvent(
  em: EntityManager,
  input: Omit<TAuditEventInput, 'actor'> & { actor: TActor },
): Promise<void> {
  await em.transactional((tx) => {
    recordAuditEvent(tx, input);
    return Promise.resolve();
  });
}
