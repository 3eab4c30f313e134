/* eslint-disable @typescript-eslint/only-throw-error --
 * Remix answers a thrown Response or data() with that HTTP response (redirect, error status).
 * This module is the one place that throws them; everything else throws Errors (AppError, RedirectError). */
import { forSystem, forTenant } from '../../../db/tenancy/tenant-context';
import { data, redirect } from '@remix-run/node';
import type { AppLoadContext } from '@remix-run/node';
import { AppError, isAppError } from '../../../lib/errors';
import type { EntityManager } from '../../../db/types';
import type { TActor } from '../../../db/audit/actor';
import { requireStaff, type TStaff } from '../auth/guards.server';
import { portalSignInRedirect, requirePortalUser, type TPortalUser } from '../portal/portal-session.server';
import { Organization } from '../../../db/organizations/organization.entity';
import {
  can,
  engagementVisibility,
  type TEngagementVisibility,
  type TPortalAction,
  type TStaffAction,
} from '../auth/permissions.server';
import { orm } from '../services.server';
import type { TRouteErrorData } from './route-error';
import { RedirectError } from './redirect.server';
import { verifyCsrf } from './csrf.server';

interface RouteArgs {
  request: Request;
  context: AppLoadContext;
}

function isThrownResponse(error: unknown): boolean {
  if (error instanceof Response) return true;
  // What `data()` returns: already a deliberate HTTP answer.
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { type?: unknown }).type === 'DataWithResponseInit'
  );
}

/**
 * Turns what a loader or action threw into an HTTP answer: responses pass through, an AppError
 * becomes its status and user message, anything else is logged with the request ID and shown as
 * "Something went wrong" with that ID. Stack traces never reach the browser.
 */
export async function handleRouteErrors<T>(context: AppLoadContext, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    if (isThrownResponse(error)) throw error;
    if (error instanceof RedirectError) throw redirect(error.location, { headers: error.headers });
    if (error instanceof AppError) {
      if (error.httpStatus >= 500) console.warn(`[${context.requestId}] ${error.code}: ${error.message}`);
      throw data<TRouteErrorData>({ message: error.userMessage }, { status: error.httpStatus });
    }
    console.error(`[${context.requestId}] unexpected error`, error);
    throw data<TRouteErrorData>(
      { message: 'Something went wrong on our side. Please try again.', requestId: context.requestId },
      { status: 500 },
    );
  }
}

/**
 * The CSRF check of every wrapped route, answered as a JSON 403 Response: a page's error boundary
 * shows its message, and a resource route (an action-only endpoint) answers it as it is.
 */
async function refuseForgedPost(request: Request): Promise<void> {
  try {
    await verifyCsrf(request);
  } catch (error) {
    if (!isAppError(error, 'csrf_failed')) throw error;
    throw Response.json({ message: error.userMessage } satisfies TRouteErrorData, {
      status: error.httpStatus,
    });
  }
}

/** A 404 that looks the same whether a thing is missing or belongs to someone else. */
export function notFound(what = 'This page'): never {
  throw new AppError('not_found', `${what} could not be found.`);
}

/** What a staff loader or action gets. */
export interface TStaffRouteContext {
  staff: TStaff;
  /** Scoped to the staff member's firm. */
  em: EntityManager;
  actor: TActor;
  /** Which engagements (and so clients, tasks, documents) they may see: apply it to every query. */
  visibility: TEngagementVisibility;
}

/**
 * A staff loader or action: requires a signed-in staff member allowed to do `action` (else the
 * same 404 as a missing page), forks an EntityManager for this request scoped to their firm, works
 * out which engagements they may see, and maps errors (see handleRouteErrors).
 */
export function staffRoute<T>(
  { request, context }: RouteArgs,
  action: TStaffAction,
  body: (ctx: TStaffRouteContext) => Promise<T>,
): Promise<T> {
  return handleRouteErrors(context, async () => {
    await refuseForgedPost(request);
    const staff = await requireStaff(request);
    if (!can(staff.role, action)) notFound();
    const em = forTenant(await orm(), staff.organizationId);
    // Only a role limited to its assignments needs the firm's setting.
    const settings = can(staff.role, 'engagements.view_all')
      ? {}
      : (await em.findOneOrFail(Organization, { id: staff.organizationId })).settings;
    return body({
      staff,
      em,
      actor: requestActor({ type: 'user', id: staff.userId }, request, context),
      visibility: engagementVisibility(staff, settings),
    });
  });
}

/** Who is acting, from where: for the audit events that domain operations write. */
export function requestActor(
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

/** What a portal loader or action gets. */
export interface TPortalRouteContext {
  /** The signed-in contact: scope every query to `portal.clientId`. */
  portal: TPortalUser;
  /** Scoped to the contact's firm. */
  em: EntityManager;
  actor: TActor;
}

/**
 * A portal loader or action: requires a fully signed-in portal contact (the client role) allowed to
 * do `action`, forks an EntityManager scoped to their firm, and maps errors. Pages must scope their
 * queries to the contact's client: another client's resource answers 404.
 */
export function portalRoute<T>(
  args: RouteArgs,
  action: TPortalAction,
  body: (ctx: TPortalRouteContext) => Promise<T>,
): Promise<T>;
/** Without an action: the portal's basic permission, `portal.view`. */
export function portalRoute<T>(args: RouteArgs, body: (ctx: TPortalRouteContext) => Promise<T>): Promise<T>;
export function portalRoute<T>(
  { request, context }: RouteArgs,
  actionOrBody: TPortalAction | ((ctx: TPortalRouteContext) => Promise<T>),
  maybeBody?: (ctx: TPortalRouteContext) => Promise<T>,
): Promise<T> {
  const action = typeof actionOrBody === 'string' ? actionOrBody : 'portal.view';
  const body = typeof actionOrBody === 'string' ? maybeBody : actionOrBody;
  if (!body) throw new TypeError('portalRoute needs a body');
  return handleRouteErrors(context, async () => {
    await refuseForgedPost(request);
    const portal = await requirePortalUser(request).catch((error: unknown) => {
      const signIn = isAppError(error, 'portal_sign_in_needed') ? portalSignInRedirect(request) : null;
      throw signIn ? new RedirectError(signIn) : error;
    });
    if (!can('client', action)) notFound();
    const em = forTenant(await orm(), portal.organizationId);
    return body({
      portal,
      em,
      actor: requestActor({ type: 'contact', id: portal.contactId }, request, context),
    });
  });
}

/** A loader or action open to anyone (sign-in, invitation links). */
export function publicRoute<T>(
  { request, context }: RouteArgs,
  body: (ctx: { em: EntityManager }) => Promise<T>,
): Promise<T> {
  // Public routes (invitation links) run before the firm is known.
  return handleRouteErrors(context, async () => {
    await refuseForgedPost(request);
    return body({ em: forSystem(await orm(), 'public route: the firm is not known yet') });
  });
}
