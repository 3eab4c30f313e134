import type { EntityManager } from '@mikro-orm/postgresql';
import { verifyTotp } from '../../lib/crypto/totp';
import { AppError } from '../../lib/errors';
import type { TActor } from '../audit/actor';
import { recordAuditEvent } from '../audit/record-audit-event';
import { issueRecoveryCodes } from './recovery-codes';
import { TotpFactor } from './totp-factor.entity';

export const wrongEnrolmentCodeMessage =
  'That code did not match. Check that your phone’s clock is set automatically, then enter the code your app shows now.';

/**
 * Finishes setting up an authenticator: the first code from the app proves it holds the secret. The
 * factor becomes confirmed (that code's step counts as used) and ten recovery codes are issued and
 * returned, to be shown once. Writes `auth.mfa_enrolled`.
 */
export async function confirmTotpEnrolment(
  em: EntityManager,
  actor: TActor,
  input: { userId: string; organizationId: string; code: string; now?: Date },
): Promise<{ recoveryCodes: string[] }> {
  return em.transactional(async (tx) => {
    const factor = await tx.findOne(TotpFactor, { user: input.userId }, { populate: ['secret'] });
    if (!factor) {
      throw new AppError('invalid_input', 'Start again: reload this page to get a new QR code.', {
        reason: 'no_pending_enrolment',
      });
    }
    if (factor.confirmedAt) {
      throw new AppError('conflict', 'Your authenticator app is already set up.', {
        reason: 'mfa_already_enrolled',
      });
    }
    const result = verifyTotp(factor.secret.reveal(), input.code, { at: input.now });
    if (!result.ok) {
      throw new AppError(
        'invalid_input',
        result.reason === 'malformed'
          ? 'Enter the 6-digit code from your authenticator app.'
          : wrongEnrolmentCodeMessage,
        { reason: 'wrong_code' },
      );
    }
    factor.confirmedAt = input.now ?? new Date();
    factor.lastUsedStep = result.step;
    const recoveryCodes = await issueRecoveryCodes(tx, input.userId);
    recordAuditEvent(tx, {
      organizationId: input.organizationId,
      actor,
      action: 'auth.mfa_enrolled',
      target: { type: 'user', id: input.userId },
      details: { method: 'totp', recoveryCodes: recoveryCodes.length },
    });
    return { recoveryCodes };
  });
}
