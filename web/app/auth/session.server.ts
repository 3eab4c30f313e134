/**
 * Server-side sessions for staff and portal contacts.
 *
 * The browser's cookie carries only a random session ID, signed with SESSION_SECRET; the session itself
 * is an `auth_session` row (db/auth/auth-session.entity.ts) holding the ID's SHA-256, the subject, when
 * it was created and last seen, its idle and absolute expiry, IP and user agent, whether the second
 * factor passed, and when and why it was revoked. Revoking the row ends the session on its next request.
 *
 * API (staff: kind 'staff', cookie `cpa_session`; portal: kind 'portal', cookie `cpa_portal_session`):
 * - `startSession(request, context, { subject, secondFactorRequired })` → `{ session, setCookie }`:
 *   a new session with a new ID (sign-in rotates the ID); the browser's previous session of that kind
 *   is revoked ('replaced'). Put `setCookie` on the response.
 * - `currentSession(request, kind, context?)` → `{ state: 'active', session, subject, secondFactorPending }` or
 *   `{ state: 'none' | 'expired' | 'revoked' }`. Read once per request (cached by Request), records
 *   "last seen" (at most once a minute) and pushes the idle expiry out.
 * - `completeSecondFactor(request, kind, context?)` → `setCookie`: the second factor passed; the session gets a
 *   new ID and its full lifetime.
 * - `endSession(request, context, kind, reason)` → `setCookie` that clears the cookie; revokes the row.
 * - `clearSessionCookie(kind)` → `setCookie` that clears the cookie (for a cookie whose session ended).
 * - `sessionLifetimes(kind)`: idle and absolute lifetimes from the env
 *   (SESSION_IDLE_TIMEOUT_SECONDS, default 30 min; SESSION_ABSOLUTE_TIMEOUT_SECONDS, default 12 h).
 * Listing and revoking a subject's sessions: db/auth/list-auth-sessions.ts, db/auth/revoke-auth-sessions.ts.
 */
import { createCookie, type AppLoadContext, type Cookie } from '@remix-run/node';
import type {
  IAuthSession,
  TSessionRevokeReason,
  TSessionSubjectKind,
} from '../../../db/auth/auth-session.entity';
import { completeSessionSecondFactor } from '../../../db/auth/complete-session-second-factor';
import { createAuthSession, type TSessionLifetimes } from '../../../db/auth/create-auth-session';
import { findAuthSession } from '../../../db/auth/find-auth-session';
import { revokeAuthSession } from '../../../db/auth/revoke-auth-sessions';
import type { TSessionSubject } from '../../../db/auth/session-subject';
import { touchAuthSession } from '../../../db/auth/touch-auth-session';
import type { TActor } from '../../../db/audit/actor';
import { forSystem } from '../../../db/tenancy/tenant-context';
import { webEnv } from '../env.server';
import { orm } from '../services.server';

export type { TSessionSubject } from '../../../db/auth/session-subject';

export const sessionCookieNames: Record<TSessionSubjectKind, string> = {
  staff: 'cpa_session',
  portal: 'cpa_portal_session',
};

/** A password-verified session has this long to pass its second factor. */
const pendingSecondFactorSeconds = 15 * 60;

export function sessionLifetimes(_kind: TSessionSubjectKind): TSessionLifetimes {
  const env = webEnv();
  return {
    idleSeconds: env.SESSION_IDLE_TIMEOUT_SECONDS,
    absoluteSeconds: env.SESSION_ABSOLUTE_TIMEOUT_SECONDS,
    pendingSecondFactorSeconds,
  };
}

const cookies = new Map<string, Cookie>();

function sessionCookie(kind: TSessionSubjectKind): Cookie {
  const env = webEnv();
  // Keyed by secret too: tests start servers with different secrets in one process.
  const key = `${kind}:${env.SESSION_SECRET}:${env.NODE_ENV}`;
  let cookie = cookies.get(key);
  if (!cookie) {
    cookie = createCookie(sessionCookieNames[kind], {
      httpOnly: true,
      sameSite: 'lax',
      secure: env.NODE_ENV !== 'development',
      path: '/',
      secrets: [env.SESSION_SECRET],
    });
    cookies.set(key, cookie);
  }
  return cookie;
}

async function tokenFromCookie(request: Request, kind: TSessionSubjectKind): Promise<string | null> {
  const value: unknown = await sessionCookie(kind).parse(request.headers.get('Cookie'));
  return typeof value === 'string' && /^[A-Za-z0-9_-]{43}$/.test(value) ? value : null;
}

function sessionEm() {
  return orm().then((o) => forSystem(o, 'sessions: the firm is known only after the session is read'));
}

/** The subject of a session row. */
function subjectOf(session: IAuthSession): TSessionSubject {
  const organizationId = session.organization.id;
  if (session.subjectKind === 'staff') {
    if (!session.user) throw new Error(`staff session ${session.id} has no user`);
    return { kind: 'staff', userId: session.user.id, organizationId };
  }
  if (!session.contact) throw new Error(`portal session ${session.id} has no contact`);
  return { kind: 'portal', contactId: session.contact.id, organizationId };
}

export type TCurrentSession =
  | {
      state: 'active';
      session: IAuthSession;
      subject: TSessionSubject;
      /** The password passed but the second factor has not: only the MFA pages may open. */
      secondFactorPending: boolean;
    }
  | { state: 'none' | 'expired' | 'revoked' };

/**
 * The session each request resolved to, per kind. Keyed by the request and, when the caller passes
 * it, by the load context: Remix hands an action and the loaders that run after it (same HTTP request)
 * different Request objects but the same context, and those loaders must see a session the action
 * replaced (their request still carries the old cookie).
 */
const currentByRequest = new WeakMap<object, Map<TSessionSubjectKind, Promise<TCurrentSession>>>();

function cachedFor(
  keys: (object | undefined)[],
  kind: TSessionSubjectKind,
): Promise<TCurrentSession> | undefined {
  for (const key of keys) {
    const cached = key ? currentByRequest.get(key)?.get(kind) : undefined;
    if (cached) return cached;
  }
  return undefined;
}

function remember(
  keys: (object | undefined)[],
  kind: TSessionSubjectKind,
  value: Promise<TCurrentSession>,
): void {
  for (const key of keys) {
    if (!key) continue;
    let byKind = currentByRequest.get(key);
    if (!byKind) {
      byKind = new Map();
      currentByRequest.set(key, byKind);
    }
    byKind.set(kind, value);
  }
}

/**
 * The session this request's cookie names, read once per request. An active session is marked as seen
 * (at most one write a minute), which pushes its idle expiry out. Pass the load context where there is
 * one, so loaders see a session an action of the same request started or rotated.
 */
export function currentSession(
  request: Request,
  kind: TSessionSubjectKind,
  context?: AppLoadContext,
): Promise<TCurrentSession> {
  const keys = [context, request];
  let current = cachedFor(keys, kind);
  if (!current) {
    current = loadCurrentSession(request, kind);
    remember(keys, kind, current);
  }
  return current;
}

async function loadCurrentSession(request: Request, kind: TSessionSubjectKind): Promise<TCurrentSession> {
  const token = await tokenFromCookie(request, kind);
  if (!token) return { state: 'none' };
  const em = await sessionEm();
  const now = new Date();
  const found = await findAuthSession(em, { token, kind, now });
  if (found.state === 'unknown') return { state: 'none' };
  if (found.state !== 'active') return { state: found.state };
  const { session } = found;
  await touchAuthSession(em, session, { idleSeconds: sessionLifetimes(kind).idleSeconds, now });
  return activeState(session);
}

/**
 * What the rest of this request sees after the session changed within it (the request still carries
 * the old cookie): the loaders Remix runs after an action must see the new session, not the old one.
 */
function replaceCurrent(
  request: Request,
  context: AppLoadContext | undefined,
  kind: TSessionSubjectKind,
  current: TCurrentSession,
): void {
  remember([context, request], kind, Promise.resolve(current));
}

function activeState(session: IAuthSession): TCurrentSession {
  return {
    state: 'active',
    session,
    subject: subjectOf(session),
    secondFactorPending: session.secondFactorRequired && !session.secondFactorVerifiedAt,
  };
}

/** Who is acting on a session operation, from the request (IP from the server's load context). */
export function sessionActor(
  who: Pick<TActor, 'type' | 'id'>,
  request: Request,
  context: AppLoadContext,
): TActor {
  return {
    ...who,
    ip: context.clientIp ?? undefined,
    userAgent: request.headers.get('user-agent') ?? undefined,
  };
}

/**
 * Starts a new session for a subject who just proved who they are (password, invitation link, email
 * code) and returns the Set-Cookie header for it. A session this browser already had of the same kind
 * is revoked first, so signing in always means a new session ID.
 */
export async function startSession(
  request: Request,
  context: AppLoadContext,
  input: { subject: TSessionSubject; secondFactorRequired: boolean },
): Promise<{ session: IAuthSession; setCookie: string }> {
  const kind = input.subject.kind;
  const em = await sessionEm();
  const previous = await currentSession(request, kind, context);
  if (previous.state === 'active') {
    await revokeAuthSession(em, sessionActor(actorOf(previous.subject), request, context), {
      subject: previous.subject,
      sessionId: previous.session.id,
      reason: 'replaced',
    });
  }
  const lifetimes = sessionLifetimes(kind);
  const { session, token } = await createAuthSession(em, {
    subject: input.subject,
    secondFactorRequired: input.secondFactorRequired,
    lifetimes,
    ip: context.clientIp ?? null,
    userAgent: request.headers.get('user-agent'),
  });
  replaceCurrent(request, context, kind, activeState(session));
  const maxAge = input.secondFactorRequired
    ? Math.min(lifetimes.pendingSecondFactorSeconds, lifetimes.absoluteSeconds)
    : lifetimes.absoluteSeconds;
  return { session, setCookie: await sessionCookie(kind).serialize(token, { maxAge }) };
}

/**
 * The second factor of the request's session passed: the session gets a new ID and its full
 * lifetime. Returns the Set-Cookie header with the new ID.
 */
export async function completeSecondFactor(
  request: Request,
  kind: TSessionSubjectKind,
  context?: AppLoadContext,
): Promise<string> {
  const current = await currentSession(request, kind, context);
  if (current.state !== 'active') throw new Error('completeSecondFactor needs an active session');
  const lifetimes = sessionLifetimes(kind);
  const { session, token } = await completeSessionSecondFactor(await sessionEm(), {
    sessionId: current.session.id,
    lifetimes,
  });
  replaceCurrent(request, context, kind, activeState(session));
  return sessionCookie(kind).serialize(token, { maxAge: lifetimes.absoluteSeconds });
}

/** Signs the request's session out (revokes it) and returns the Set-Cookie header that clears the cookie. */
export async function endSession(
  request: Request,
  context: AppLoadContext,
  kind: TSessionSubjectKind,
  reason: TSessionRevokeReason = 'signed_out',
): Promise<string> {
  const current = await currentSession(request, kind, context);
  if (current.state === 'active') {
    await revokeAuthSession(await sessionEm(), sessionActor(actorOf(current.subject), request, context), {
      subject: current.subject,
      sessionId: current.session.id,
      reason,
    });
  }
  replaceCurrent(request, context, kind, { state: 'none' });
  return clearSessionCookie(kind);
}

/** A Set-Cookie header that removes the session cookie of a kind. */
export function clearSessionCookie(kind: TSessionSubjectKind): Promise<string> {
  return sessionCookie(kind).serialize('', { maxAge: 0, expires: new Date(0) });
}

/** The audit actor of a session's own subject. */
export function actorOf(subject: TSessionSubject): Pick<TActor, 'type' | 'id'> {
  return subject.kind === 'staff'
    ? { type: 'user', id: subject.userId }
    : { type: 'contact', id: subject.contactId };
}
