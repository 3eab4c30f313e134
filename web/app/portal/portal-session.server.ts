import { Contact } from '../../../db/clients/contact.entity';
import { forTenant } from '../../../db/tenancy/tenant-context';
import { AppError, isAppError } from '../../../lib/errors';
import { currentSession } from '../auth/session.server';
import { RedirectError } from '../http/redirect.server';
import { orm } from '../services.server';

/** The signed-in portal user: one contact of one client of one firm. Every portal query is scoped to it. */
export interface TPortalUser {
  contactId: string;
  clientId: string;
  organizationId: string;
  /** The server-side session (auth_session row) this request runs in. */
  sessionId: string;
  contactName: string;
  contactEmail: string;
  clientName: string;
  firmName: string;
  timeZone: string;
}

export const portalSignInMessage =
  'Please sign in to continue, or open the link in the latest email from your accountant. If it has expired, ask them for a new one.';

const signInNeeded = () =>
  new AppError('unauthorized', portalSignInMessage, { reason: 'portal_sign_in_needed' });

/**
 * The portal user of this request. No session (or an ended one) is a 401 page that says how to get
 * in; a session still waiting for its authenticator code goes to that step; a contact whose portal
 * access was withdrawn opens nothing.
 */
export async function requirePortalUser(request: Request): Promise<TPortalUser> {
  const current = await currentSession(request, 'portal');
  if (current.state !== 'active' || current.subject.kind !== 'portal') throw signInNeeded();
  if (current.secondFactorPending) throw new RedirectError('/portal/login/verify');
  const { contactId, organizationId } = current.subject;
  const em = forTenant(await orm(), organizationId);
  const contact = await em.findOne(
    Contact,
    { id: contactId, organization: organizationId, portalAccess: true },
    { populate: ['client', 'organization'] },
  );
  if (!contact) throw signInNeeded();
  return {
    contactId,
    clientId: contact.client.id,
    organizationId,
    sessionId: current.session.id,
    contactName: contact.name,
    contactEmail: contact.email,
    clientName: contact.client.displayName,
    firmName: contact.organization.name,
    timeZone: contact.organization.settings.timeZone,
  };
}

/**
 * A portal page this site may send someone back to after sign-in: a same-site path under /portal
 * (never the sign-in, sign-out or invitation pages), as path and query; null for anything else.
 */
export function safePortalReturnPath(value: unknown): string | null {
  if (typeof value !== 'string' || value.length > 1000 || !value.startsWith('/portal')) return null;
  if (value.startsWith('//') || value.includes('\\')) return null;
  const base = 'http://portal.invalid';
  let url: URL;
  try {
    url = new URL(value, base);
  } catch {
    return null;
  }
  if (url.origin !== base || !/^\/portal(\/|$)/.test(url.pathname)) return null;
  if (/^\/portal\/(login|logout|invite)(\/|$)/.test(url.pathname)) return null;
  url.searchParams.delete('_data');
  return `${url.pathname}${url.search}`;
}

/**
 * Where a request without a portal session goes: a page (a GET, such as an old bookmark) to the
 * sign-in page, which brings the person back to it afterwards; null for anything else (a form post,
 * an upload, a JSON call), which keeps answering 401.
 */
export function portalSignInRedirect(request: Request): string | null {
  if (request.method !== 'GET' && request.method !== 'HEAD') return null;
  const accept = request.headers.get('accept') ?? '';
  if (accept.includes('application/json') && !accept.includes('text/html')) return null;
  const url = new URL(request.url);
  const back = safePortalReturnPath(`${url.pathname}${url.search}`);
  return back && back !== '/portal'
    ? `/portal/login?${new URLSearchParams({ redirectTo: back }).toString()}`
    : '/portal/login';
}

/** The portal user if one is fully signed in, else null (for the layout and the sign-in pages). */
export async function optionalPortalUser(request: Request): Promise<TPortalUser | null> {
  const current = await currentSession(request, 'portal');
  if (current.state !== 'active' || current.secondFactorPending) return null;
  try {
    return await requirePortalUser(request);
  } catch (error) {
    if (isAppError(error, 'portal_sign_in_needed')) return null;
    throw error;
  }
}
