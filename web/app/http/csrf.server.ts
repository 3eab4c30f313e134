/**
 * CSRF protection for every form post (synchronizer token bound to a per-browser secret).
 *
 * web/server.ts gives each browser a random `cpa_csrf` cookie (httpOnly, SameSite=Lax) and puts
 * the matching form token in the load context; the root loader hands it to `<CsrfInput />`, which
 * every POST form renders. The form token is an HMAC of the cookie under SESSION_SECRET, so a site
 * that manages to plant a cookie still cannot produce a token for it. `verifyCsrf` runs in the route
 * wrappers (staffRoute, portalRoute, publicRoute) for every non-GET request; routes that take no
 * forms (webhooks) verify a vendor signature instead and never go through them.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { AppError } from '../../../lib/errors';
import { webEnv } from '../env.server';

export const csrfCookieName = 'cpa_csrf';
export const csrfFieldName = 'csrf';
export const csrfHeaderName = 'x-csrf-token';

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The value of one cookie in a Cookie header, or undefined. */
export function readCookie(header: string | null | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const separator = part.indexOf('=');
    if (separator === -1) continue;
    if (part.slice(0, separator).trim() === name) return part.slice(separator + 1).trim();
  }
  return undefined;
}

function isWellFormedSecret(value: string | undefined): value is string {
  return typeof value === 'string' && /^[A-Za-z0-9_-]{43}$/.test(value);
}

export function tokenFor(secret: string, cookieValue: string): string {
  return createHmac('sha256', secret).update(`csrf:${cookieValue}`).digest('base64url');
}

/**
 * The browser's CSRF cookie value and form token; a new cookie (with its Set-Cookie header) when the
 * request has none or a malformed one.
 */
export function csrfForRequest(
  cookieHeader: string | undefined,
  { secret, secure }: { secret: string; secure: boolean },
): { token: string; setCookie?: string } {
  const existing = readCookie(cookieHeader, csrfCookieName);
  if (isWellFormedSecret(existing)) return { token: tokenFor(secret, existing) };
  const value = randomBytes(32).toString('base64url');
  const attributes = [`${csrfCookieName}=${value}`, 'Path=/', 'HttpOnly', 'SameSite=Lax'];
  if (secure) attributes.push('Secure');
  return { token: tokenFor(secret, value), setCookie: attributes.join('; ') };
}

function sameToken(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

const expiredForm = () =>
  new AppError('forbidden_form', 'This form has expired. Reload the page and try again.', {
    reason: 'csrf_failed',
  });

/**
 * Refuses a mutation whose form field `csrf` (or `X-CSRF-Token` header) does not match this
 * browser's cookie. Safe methods pass. Throws an AppError (403) that changes nothing.
 */
export async function verifyCsrf(request: Request): Promise<void> {
  if (safeMethods.has(request.method.toUpperCase())) return;
  const cookieValue = readCookie(request.headers.get('cookie'), csrfCookieName);
  if (!isWellFormedSecret(cookieValue)) throw expiredForm();
  let given = request.headers.get(csrfHeaderName) ?? undefined;
  if (!given) {
    const type = request.headers.get('content-type') ?? '';
    if (type.includes('application/x-www-form-urlencoded') || type.includes('multipart/form-data')) {
      const field = (await request.clone().formData()).get(csrfFieldName);
      given = typeof field === 'string' ? field : undefined;
    }
  }
  if (!given || !sameToken(tokenFor(webEnv().SESSION_SECRET, cookieValue), given)) throw expiredForm();
}
