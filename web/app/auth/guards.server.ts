import type { Session } from '@remix-run/node';
import { forTenant } from '../../../db/tenancy/tenant-context';
import { AppError } from '../../../lib/errors';
import { Contact } from '../../../db/clients/contact.entity';
import type { TStaffRole } from '../../../db/users/membership.entity';
import { Membership } from '../../../db/users/membership.entity';
import { RedirectError } from '../http/redirect.server';
import { orm } from '../services.server';
import {
  getPortalSession,
  getStaffSession,
  staffSessionStorage,
  type TStaffSessionData,
} from './session.server';

/** The signed-in staff member, as loaded fresh for this request. */
export interface TStaff {
  userId: string;
  organizationId: string;
  role: TStaffRole;
  userName: string;
  firmName: string;
  timeZone: string;
}

/** The signed-in portal contact: one person of one client of one firm. */
export interface TPortalContact {
  contactId: string;
  clientId: string;
  organizationId: string;
  contactName: string;
  firmName: string;
  timeZone: string;
}

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

async function toLogin(request: Request, destroy?: Session<TStaffSessionData>): Promise<never> {
  const url = new URL(request.url);
  const params = new URLSearchParams({ redirectTo: `${url.pathname}${url.search}` });
  const headers: HeadersInit = destroy
    ? { 'Set-Cookie': await staffSessionStorage().destroySession(destroy) }
    : {};
  throw new RedirectError(`/login?${params.toString()}`, headers);
}

/**
 * The staff member signed in on this request, or a redirect to /login?redirectTo=<this page>.
 * The membership is read again on every request, so a removed member or a changed role takes effect at once.
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
  const session = await getStaffSession(request);
  const userId = session.get('userId');
  const organizationId = session.get('organizationId');
  if (!userId || !organizationId) return toLogin(request);

  const em = forTenant(await orm(), organizationId);
  const membership = await em.findOne(
    Membership,
    { user: userId, organization: organizationId },
    { populate: ['user', 'organization'] },
  );
  if (!membership) return toLogin(request, session);
  return {
    userId,
    organizationId,
    role: membership.role,
    userName: membership.user.name,
    firmName: membership.organization.name,
    timeZone: membership.organization.settings.timeZone,
  };
}

/** The staff member if signed in, else null (for pages such as /login). */
export async function optionalStaff(request: Request): Promise<{ userId: string } | null> {
  const session = await getStaffSession(request);
  const userId = session.get('userId');
  return userId ? { userId } : null;
}

export const portalSignInMessage =
  'Please open the link in the latest email from your accountant to continue. If it has expired, ask them for a new one.';

/** The portal contact signed in with an invitation link, or a 401 page that says how to get in. */
export async function requirePortalContact(request: Request): Promise<TPortalContact> {
  const session = await getPortalSession(request);
  const contactId = session.get('contactId');
  const clientId = session.get('clientId');
  const organizationId = session.get('organizationId');
  if (!contactId || !clientId || !organizationId) throw new AppError('unauthorized', portalSignInMessage);

  const em = forTenant(await orm(), organizationId);
  const contact = await em.findOne(
    Contact,
    { id: contactId, client: clientId, organization: organizationId, portalAccess: true },
    { populate: ['organization'] },
  );
  // A contact whose portal access was withdrawn keeps a cookie that opens nothing; a new link replaces it.
  if (!contact) throw new AppError('unauthorized', portalSignInMessage);
  return {
    contactId,
    clientId,
    organizationId,
    contactName: contact.name,
    firmName: contact.organization.name,
    timeZone: contact.organization.settings.timeZone,
  };
}
