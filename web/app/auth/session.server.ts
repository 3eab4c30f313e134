import { createCookieSessionStorage, type Session } from '@remix-run/node';
import { webEnv } from '../env.server';
import type { TStaffRole } from '../../../db/users/membership.entity';

const twelveHours = 12 * 60 * 60;

/** What a staff session cookie holds. */
export interface TStaffSessionData {
  userId: string;
  organizationId: string;
  role: TStaffRole;
}

/** What a portal session cookie holds: one contact of one client of one firm. */
export interface TPortalSessionData {
  contactId: string;
  clientId: string;
  organizationId: string;
}

function cookieOptions(name: string) {
  const env = webEnv();
  return {
    name,
    httpOnly: true,
    sameSite: 'lax' as const,
    secure: env.NODE_ENV !== 'development',
    path: '/',
    secrets: [env.SESSION_SECRET],
    maxAge: twelveHours,
  };
}

type Storage<T> = ReturnType<typeof createCookieSessionStorage<T>>;
let staffStorage: Storage<TStaffSessionData> | undefined;
let portalStorage: Storage<TPortalSessionData> | undefined;

export function staffSessionStorage(): Storage<TStaffSessionData> {
  staffStorage ??= createCookieSessionStorage<TStaffSessionData>({ cookie: cookieOptions('cpa_session') });
  return staffStorage;
}

/** The portal has its own cookie, so a staff member testing the portal keeps both sessions apart. */
export function portalSessionStorage(): Storage<TPortalSessionData> {
  portalStorage ??= createCookieSessionStorage<TPortalSessionData>({ cookie: cookieOptions('cpa_portal') });
  return portalStorage;
}

export function getStaffSession(request: Request): Promise<Session<TStaffSessionData>> {
  return staffSessionStorage().getSession(request.headers.get('Cookie'));
}

export function getPortalSession(request: Request): Promise<Session<TPortalSessionData>> {
  return portalSessionStorage().getSession(request.headers.get('Cookie'));
}
