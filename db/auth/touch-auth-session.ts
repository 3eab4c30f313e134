import type { EntityManager } from '@mikro-orm/postgresql';
import { AuthSession, type IAuthSession } from './auth-session.entity';

/** Requests closer together than this do not write "last seen" again (one write a minute at most). */
export const touchIntervalMs = 60_000;

/**
 * Records a request on a session: last seen, and the idle expiry pushed out (never past the absolute
 * expiry). Skipped when the session was touched less than a minute ago. The update is conditional on
 * the session still being open, so it never revives a session revoked in between.
 */
export async function touchAuthSession(
  em: EntityManager,
  session: IAuthSession,
  input: { idleSeconds: number; ip?: string | null; now?: Date },
): Promise<void> {
  const now = input.now ?? new Date();
  if (now.getTime() - session.lastSeenAt.getTime() < touchIntervalMs) return;
  const idle = new Date(
    Math.min(now.getTime() + input.idleSeconds * 1000, session.absoluteExpiresAt.getTime()),
  );
  await em.nativeUpdate(
    AuthSession,
    { id: session.id, revokedAt: null },
    { lastSeenAt: now, idleExpiresAt: idle, ...(input.ip ? { ip: input.ip.slice(0, 64) } : {}) },
  );
  session.lastSeenAt = now;
  session.idleExpiresAt = idle;
}
