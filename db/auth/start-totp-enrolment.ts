import type { EntityManager } from '@mikro-orm/postgresql';
import { SensitiveString } from '../../lib/crypto/sensitive-string';
import { generateTotpSecret } from '../../lib/crypto/totp';
import { AppError } from '../../lib/errors';
import { TotpFactor } from './totp-factor.entity';

/** An enrolment page left open longer than this gets a new secret on its next load. */
const pendingSecretMinutes = 30;

/**
 * The secret for a staff member setting up their authenticator: the one already shown to them if it
 * is recent (reloading the page must not change the QR code they are scanning), else a new one.
 * Fails when the person already has a confirmed authenticator.
 */
export async function startTotpEnrolment(
  em: EntityManager,
  input: { userId: string; now?: Date },
): Promise<{ secret: string }> {
  const now = input.now ?? new Date();
  return em.transactional(async (tx) => {
    const factor = await tx.findOne(TotpFactor, { user: input.userId }, { populate: ['secret'] });
    if (factor?.confirmedAt) {
      throw new AppError('conflict', 'Your authenticator app is already set up.', {
        reason: 'mfa_already_enrolled',
      });
    }
    const fresh = factor && now.getTime() - factor.createdAt.getTime() < pendingSecretMinutes * 60_000;
    if (factor && fresh) return { secret: factor.secret.reveal() };
    const secret = generateTotpSecret();
    if (factor) {
      factor.secret = new SensitiveString(secret);
      factor.createdAt = now;
      factor.lastUsedStep = null;
    } else {
      tx.create(TotpFactor, {
        user: input.userId,
        secret: new SensitiveString(secret),
        createdAt: now,
        confirmedAt: null,
        lastUsedStep: null,
      });
    }
    return { secret };
  });
}
