import type { EntityManager } from '@mikro-orm/postgresql';
import { AuthSession, type IAuthSession } from './auth-session.entity';
import { subjectWhere, type TSessionSubject } from './session-subject';

/** A subject's open sessions (not revoked, not expired), most recently used first. */
export function listAuthSessions(
  em: EntityManager,
  input: { subject: TSessionSubject; now?: Date },
): Promise<IAuthSession[]> {
  const now = input.now ?? new Date();
  return em.find(
    AuthSession,
    {
      ...subjectWhere(input.subject),
      revokedAt: null,
      idleExpiresAt: { $gt: now },
      absoluteExpiresAt: { $gt: now },
    },
    { orderBy: { lastSeenAt: 'desc' }, limit: 100 },
  );
}
