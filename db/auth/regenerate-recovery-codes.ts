import type { EntityManager } from '@mikro-orm/postgresql';
import type { TActor } from '../audit/actor';
import { recordAuditEvent } from '../audit/record-audit-event';
import { issueRecoveryCodes } from './recovery-codes';
import { verifySecondFactor } from './verify-second-factor';

/**
 * Replaces a staff member's recovery codes, after a current authenticator code proves it is them (a
 * session left open on someone else's screen is not enough). Writes `auth.recovery_codes_regenerated`.
 */
export async function regenerateRecoveryCodes(
  em: EntityManager,
  actor: TActor,
  input: { userId: string; organizationId: string; code: string; now?: Date },
): Promise<{ recoveryCodes: string[] }> {
  await verifySecondFactor(em, actor, input);
  return em.transactional(async (tx) => {
    const recoveryCodes = await issueRecoveryCodes(tx, input.userId);
    recordAuditEvent(tx, {
      organizationId: input.organizationId,
      actor,
      action: 'auth.recovery_codes_regenerated',
      target: { type: 'user', id: input.userId },
      details: { recoveryCodes: recoveryCodes.length },
    });
    return { recoveryCodes };
  });
}
