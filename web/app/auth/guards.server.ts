import type { AppLoadContext } from '@remix-run/node';
import { TotpFactor } from '../../../db/auth/totp-factor.entity';
import { forSystem, forTenant } from '../../../db/tenancy/tenant-context';
import type { TStaffRole } from '../../../db/users/membership.entity';
import { Membership } from '../../../db/users/membership.entity';
import { RedirectError } from '../http/redirect.server';
import { mfaEnrolPath, mfaStepPath } from './paths';
import { orm } from '../services.server';
import { clearSessionCookie, currentSession, type TCurrentSession } from './session.server';

/** The signed-in staff member, as loaded fresh for this request. */
export interface TStaff {
  userId: string;
  organizationId: string;
  role: TStaffRole;
  userName: string;
  firmName: string;
  timeZone: string;
  /** The auth_session row of this request (for "this device" on the sessions list). */
  sessionId: string;
}

export { mfaEnrolPath, mfaStepPath } from './paths';

/** Where to send someone after sign-in: a path inside this app, never another site. */
export function safeRedirectPath(value: unknown, fallback = '/app'): string {
  if (
    typeof value !== 'string' ||
    !value.startsWith('/') ||
    value.startsWith('//') ||
    value.startsWith('/\\')
  ) {
    return fallback;
  }
  return value;
}

/** Why someone is sent back to sign-in; /login shows a sentence for each. */
export type TSignInReason = 'expired' | 'revoked';

async function toLogin(request: Request, reason?: TSignInReason, clearCookie = false): Promise<never> {
  const url = new URL(request.url);
  const params = new URLSearchParams({ redirectTo: `${url.pathname}${url.search}` });
  if (reason) params.set('reason', reason);
  const headers: HeadersInit = clearCookie ? { 'Set-Cookie': await clearSessionCookie('staff') } : {};
  throw new RedirectError(`/login?${params.toString()}`, headers);
}

/** A staff session that has passed the password but not the second factor. */
export interface TStaffSignInInProgress {
  sessionId: string;
  userId: string;
  organizationId: string;
  /** Whether the person has a confirmed authenticator (else they must enrol one first). */
  hasAuthenticator: boolean;
  /** Whether the second factor already passed (a fully signed-in session). */
  secondFactorPassed: boolean;
}

async function hasConfirmedAuthenticator(userId: string): Promise<boolean> {
  const em = forSystem(await orm(), 'sign-in: a user’s authenticator is not firm data');
  const factor = await em.findOne(TotpFactor, { user: userId, confirmedAt: { $ne: null } });
  return factor !== null;
}

async function activeMembership(userId: string, organizationId: string) {
  const em = forTenant(await orm(), organizationId);
  return em.findOne(
    Membership,
    { user: userId, organization: organizationId, deactivatedAt: null },
    { populate: ['user', 'organization'] },
  );
}

function staffSessionOf(current: TCurrentSession) {
  return current.state === 'active' && current.subject.kind === 'staff'
    ? { ...current, subject: current.subject }
    : null;
}

/**
 * The staff member signed in on this request (password and second factor), or a redirect: to
 * /login?redirectTo=<this page> without a session (with `reason` when it expired or was revoked), to
 * the second-factor step when only the password passed, to authenticator setup when the person has
 * none yet. The membership is read on every request, so a removed member or a changed role takes
 * effect at once.
 */
export function requireStaff(request: Request): Promise<TStaff> {
  // The layout and the page loaders of one request ask at the same time: read the membership once.
  let staff = staffByRequest.get(request);
  if (!staff) {
    staff = loadStaff(request);
    staffByRequest.set(request, staff);
  }
  return staff;
}

const staffByRequest = new WeakMap<Request, Promise<TStaff>>();

async function loadStaff(request: Request): Promise<TStaff> {
  const current = await currentSession(request, 'staff');
  if (current.state === 'expired' || current.state === 'revoked')
    return toLogin(request, current.state, true);
  const active = staffSessionOf(current);
  if (!active) return toLogin(request);
  const { subject, session } = active;
  if (active.secondFactorPending) {
    const next = (await hasConfirmedAuthenticator(subject.userId)) ? mfaStepPath : mfaEnrolPath;
    const url = new URL(request.url);
    throw new RedirectError(
      `${next}?${new URLSearchParams({ redirectTo: `${url.pathname}${url.search}` }).toString()}`,
    );
  }

  const membership = await activeMembership(subject.userId, subject.organizationId);
  if (!membership) return toLogin(request, 'revoked', true);
  return {
    userId: subject.userId,
    organizationId: subject.organizationId,
    role: membership.role,
    userName: membership.user.name,
    firmName: membership.organization.name,
    timeZone: membership.organization.settings.timeZone,
    sessionId: session.id,
  };
}

/**
 * For the second-factor and enrolment pages: the staff session of this request, whether or not its
 * second factor passed yet; without one (or with an ended one), a redirect to /login.
 */
export async function requireStaffSignInInProgress(
  request: Request,
  context?: AppLoadContext,
): Promise<TStaffSignInInProgress> {
  const current = await currentSession(request, 'staff', context);
  if (current.state === 'expired' || current.state === 'revoked') {
    throw new RedirectError(`/login?reason=${current.state}`, {
      'Set-Cookie': await clearSessionCookie('staff'),
    });
  }
  const active = staffSessionOf(current);
  if (!active) throw new RedirectError('/login');
  const membership = await activeMembership(active.subject.userId, active.subject.organizationId);
  if (!membership) {
    throw new RedirectError('/login?reason=revoked', { 'Set-Cookie': await clearSessionCookie('staff') });
  }
  return {
    sessionId: active.session.id,
    userId: active.subject.userId,
    organizationId: active.subject.organizationId,
    hasAuthenticator: await hasConfirmedAuthenticator(active.subject.userId),
    secondFactorPassed: !active.secondFactorPending,
  };
}

/**
 * Whether this request carries a staff session, and how far it got (for /login, which sends a
 * signed-in person on instead of asking again).
 */
export async function optionalStaff(
  request: Request,
): Promise<{ userId: string; secondFactorPending: boolean } | null> {
  const active = staffSessionOf(await currentSession(request, 'staff'));
  return active ? { userId: active.subject.userId, secondFactorPending: active.secondFactorPending } : null;
}
