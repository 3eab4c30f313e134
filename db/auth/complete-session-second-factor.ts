import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../lib/errors';
import { AuthSession, type IAuthSession } from './auth-session.entity';
import type { TSessionLifetimes } from './create-auth-session';
import { hashToken, newSessionToken } from './session-token';

/**
 * Marks a session's second factor as passed and gives it a new ID (the one from before the second
 * factor stops working at once), with the full absolute lifetime counted from now. Returns the new ID.
 * Fails when the session was revoked or expired in between.
 */
export async function completeSessionSecondFactor(
  em: EntityManager,
  input: { sessionId: string; lifetimes: TSessionLifetimes; now?: Date },
): Promise<{ session: IAuthSession; token: string }> {
  const now = input.now ?? new Date();
  const token = newSessionToken();
  const absoluteExpiresAt = new Date(now.getTime() + input.lifetimes.absoluteSeconds * 1000);
  const idleExpiresAt = new Date(
    Math.min(now.getTime() + input.lifetimes.idleSeconds * 1000, absoluteExpiresAt.getTime()),
  );
  const changed = await em.nativeUpdate(
    AuthSession,
    { id: input.sessionId, revokedAt: null, idleExpiresAt: { $gt: now }, absoluteExpiresAt: { $gt: now } },
    {
      tokenHash: hashToken(token),
      secondFactorVerifiedAt: now,
      lastSeenAt: now,
      idleExpiresAt,
      absoluteExpiresAt,
    },
  );
  if (changed !== 1) {
    throw new AppError('unauthorized', 'Your sign-in has expired. Please sign in again.', {
      reason: 'session_ended',
    });
  }
  const session = await em.findOneOrFail(AuthSession, { id: input.sessionId }, { refresh: true });
  return { session, token };
}
