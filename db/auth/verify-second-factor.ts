import type { EntityManager } from '@mikro-orm/postgresql';
import { looksLikeTotpCode, verifyTotp } from '../../lib/crypto/totp';
import { AppError } from '../../lib/errors';
import type { TActor } from '../audit/actor';
import { recordAuditEvent } from '../audit/record-audit-event';
import { countUnusedRecoveryCodes, hashRecoveryCode, looksLikeRecoveryCode } from './recovery-codes';
import { RecoveryCode } from './recovery-code.entity';
import { TotpFactor } from './totp-factor.entity';

export const wrongSecondFactorMessage =
  'That code is not right, or it was already used. Enter the current code from your authenticator app, or an unused recovery code.';

export type TSecondFactorResult = { method: 'totp' } | { method: 'recovery_code'; recoveryCodesLeft: number };

/**
 * Checks a second-factor code: a 6-digit code from the person's authenticator (±1 step; a code of a
 * step already used is refused, so an observed code cannot be replayed), or one of their unused
 * recovery codes (which is then used up). Both checks are conditional updates, so two requests racing
 * with the same code cannot both pass. Failures throw AppError('invalid_input') with reason
 * `wrong_code` or `replayed_code`; a used recovery code writes `auth.recovery_code_used`.
 */
export async function verifySecondFactor(
  em: EntityManager,
  actor: TActor,
  input: { userId: string; organizationId: string; code: string; now?: Date },
): Promise<TSecondFactorResult> {
  const now = input.now ?? new Date();
  const code = input.code.trim();
  const factor = await em.findOne(
    TotpFactor,
    { user: input.userId, confirmedAt: { $ne: null } },
    { populate: ['secret'] },
  );
  if (!factor) {
    throw new AppError('conflict', 'Set up your authenticator app first.', { reason: 'mfa_not_enrolled' });
  }

  if (looksLikeTotpCode(code)) {
    const result = verifyTotp(factor.secret.reveal(), code, { at: now, lastUsedStep: factor.lastUsedStep });
    if (!result.ok) {
      throw new AppError('invalid_input', wrongSecondFactorMessage, {
        reason: result.reason === 'replayed' ? 'replayed_code' : 'wrong_code',
      });
    }
    // Only one request may move the step forward: a concurrent one with the same code loses here.
    const claimed = await em.nativeUpdate(
      TotpFactor,
      { id: factor.id, $or: [{ lastUsedStep: null }, { lastUsedStep: { $lt: result.step } }] },
      { lastUsedStep: result.step },
    );
    if (claimed !== 1) {
      throw new AppError('invalid_input', wrongSecondFactorMessage, { reason: 'replayed_code' });
    }
    return { method: 'totp' };
  }

  if (looksLikeRecoveryCode(code)) {
    return em.transactional(async (tx) => {
      const used = await tx.nativeUpdate(
        RecoveryCode,
        { user: input.userId, codeHash: hashRecoveryCode(code), usedAt: null },
        { usedAt: now },
      );
      if (used !== 1) throw new AppError('invalid_input', wrongSecondFactorMessage, { reason: 'wrong_code' });
      const recoveryCodesLeft = await countUnusedRecoveryCodes(tx, input.userId);
      recordAuditEvent(tx, {
        organizationId: input.organizationId,
        actor,
        action: 'auth.recovery_code_used',
        target: { type: 'user', id: input.userId },
        details: { recoveryCodesLeft },
      });
      return { method: 'recovery_code' as const, recoveryCodesLeft };
    });
  }

  throw new AppError('invalid_input', wrongSecondFactorMessage, { reason: 'wrong_code' });
}
