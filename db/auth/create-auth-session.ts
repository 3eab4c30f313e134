import type { EntityManager } from '@mikro-orm/postgresql';
import { AuthSession, type IAuthSession } from './auth-session.entity';
import { hashToken, newSessionToken } from './session-token';
import type { TSessionSubject } from './session-subject';

export interface TSessionLifetimes {
  /** A session ends this long after its last request. */
  idleSeconds: number;
  /** A session ends this long after the second factor (or after sign-in when none is required). */
  absoluteSeconds: number;
  /** A session still waiting for its second factor ends this long after the password. */
  pendingSecondFactorSeconds: number;
}

export interface TCreateAuthSessionInput {
  subject: TSessionSubject;
  /** True for staff: the session opens nothing until the second factor passes. */
  secondFactorRequired: boolean;
  lifetimes: TSessionLifetimes;
  ip?: string | null;
  userAgent?: string | null;
  now?: Date;
}

/**
 * Opens a session with a new random ID and returns that ID (only its hash is stored). Every sign-in
 * gets a new ID, so an ID known before sign-in (session fixation) is worth nothing after it.
 */
export async function createAuthSession(
  em: EntityManager,
  input: TCreateAuthSessionInput,
): Promise<{ session: IAuthSession; token: string }> {
  const now = input.now ?? new Date();
  const token = newSessionToken();
  const { lifetimes } = input;
  const absoluteSeconds = input.secondFactorRequired
    ? Math.min(lifetimes.pendingSecondFactorSeconds, lifetimes.absoluteSeconds)
    : lifetimes.absoluteSeconds;
  const idleSeconds = Math.min(lifetimes.idleSeconds, absoluteSeconds);
  const session = em.create(AuthSession, {
    organization: input.subject.organizationId,
    subjectKind: input.subject.kind,
    user: input.subject.kind === 'staff' ? input.subject.userId : null,
    contact: input.subject.kind === 'portal' ? input.subject.contactId : null,
    tokenHash: hashToken(token),
    createdAt: now,
    lastSeenAt: now,
    idleExpiresAt: new Date(now.getTime() + idleSeconds * 1000),
    absoluteExpiresAt: new Date(now.getTime() + absoluteSeconds * 1000),
    ip: input.ip?.slice(0, 64) ?? null,
    userAgent: input.userAgent?.slice(0, 300) ?? null,
    secondFactorRequired: input.secondFactorRequired,
    secondFactorVerifiedAt: null,
    revokedAt: null,
    revokedReason: null,
  });
  await em.flush();
  return { session, token };
}
