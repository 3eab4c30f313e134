import type { EntityManager } from '@mikro-orm/postgresql';
import { AuthSession, type IAuthSession, type TSessionSubjectKind } from './auth-session.entity';
import { hashToken } from './session-token';

/** What a session ID from a cookie turned out to be. */
export type TFoundAuthSession =
  | { state: 'active'; session: IAuthSession }
  | { state: 'expired' | 'revoked' | 'unknown'; session?: IAuthSession };

/** Whether a session row still counts at `now`. */
export function sessionState(session: IAuthSession, now: Date): 'active' | 'expired' | 'revoked' {
  if (session.revokedAt) return 'revoked';
  if (session.idleExpiresAt <= now || session.absoluteExpiresAt <= now) return 'expired';
  return 'active';
}

/**
 * Looks a session up by the ID from a cookie. The EntityManager must see every firm (forSystem):
 * which firm the session belongs to is what this finds out.
 */
export async function findAuthSession(
  em: EntityManager,
  input: { token: string; kind: TSessionSubjectKind; now?: Date },
): Promise<TFoundAuthSession> {
  const session = await em.findOne(AuthSession, {
    tokenHash: hashToken(input.token),
    subjectKind: input.kind,
  });
  if (!session) return { state: 'unknown' };
  const state = sessionState(session, input.now ?? new Date());
  return state === 'active' ? { state, session } : { state, session };
}
