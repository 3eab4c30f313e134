/**
 * The steps of staff sign-in the pages share: throttling with its audit event, failed-attempt audit
 * events, finishing sign-in after the second factor, and security notice emails.
 */
import type { AppLoadContext } from '@remix-run/node';
import type { TActor } from '../../../db/audit/actor';
import { recordAuthEvent } from '../../../db/auth/record-auth-event';
import { sendEmailOnce } from '../../../db/email/send-email-once';
import { Organization } from '../../../db/organizations/organization.entity';
import { forSystem } from '../../../db/tenancy/tenant-context';
import { Membership } from '../../../db/users/membership.entity';
import { User } from '../../../db/users/user.entity';
import { mailer, orm } from '../services.server';
import {
  checkThrottle,
  firstRefusalInWindow,
  recordFailure,
  throttleMessage,
  type TThrottleKey,
  type TThrottleVerdict,
} from './throttle.server';

/** Who acts on a sign-in request (before or after we know who they are), from where. */
export function signInActor(request: Request, context: AppLoadContext, userId?: string): TActor {
  return {
    type: userId ? 'user' : 'system',
    id: userId,
    ip: context.clientIp ?? undefined,
    userAgent: request.headers.get('user-agent') ?? undefined,
  };
}

function systemEm() {
  return orm().then((o) => forSystem(o, 'sign-in: audit events before a session exists'));
}

/** The firm a person signs in to (their first active membership), for audit events about them. */
export async function homeFirmOf(userId: string): Promise<string | null> {
  const em = await systemEm();
  const membership = await em.findOne(
    Membership,
    { user: userId },
    { orderBy: { createdAt: 'asc' }, fields: ['organization'] },
  );
  return membership?.organization.id ?? null;
}

/** The staff account an email belongs to, if any (for throttling and audit events). */
export async function staffAccountByEmail(
  email: string,
): Promise<{ userId: string; organizationId: string } | null> {
  const em = await systemEm();
  const user = await em.findOne(User, { email: email.trim().toLowerCase() }, { fields: ['id'] });
  if (!user) return null;
  const organizationId = await homeFirmOf(user.id);
  return organizationId ? { userId: user.id, organizationId } : null;
}

/**
 * Writes an audit event about a sign-in attempt when the firm is known. Attempts on emails that belong
 * to nobody have no firm to file them under (the audit trail is per firm): those are counted in the log
 * as a metric line instead, without the email.
 */
export async function auditSignInEvent(
  request: Request,
  context: AppLoadContext,
  input: {
    account: { userId: string; organizationId: string } | null;
    action: string;
    details?: Record<string, unknown>;
  },
): Promise<void> {
  if (!input.account) {
    console.info(`[${context.requestId}] metric ${input.action}{account="unknown"} 1`);
    return;
  }
  await recordAuthEvent(await systemEm(), {
    organizationId: input.account.organizationId,
    actor: signInActor(request, context, input.account.userId),
    action: input.action,
    target: { type: 'user', id: input.account.userId },
    details: input.details,
  });
}

type TAccount = { userId: string; organizationId: string };
/** The account an attempt is about, or a lookup of it run only when an audit event needs it. */
export type TAccountRef = TAccount | null | (() => Promise<TAccount | null>);

/**
 * Asks the throttle whether this attempt may go ahead. When it may not, the first refusal in the
 * window writes `auth.throttled`; returns the message to show.
 */
export async function throttleRefusal(
  request: Request,
  context: AppLoadContext,
  key: TThrottleKey,
  account: TAccountRef,
  verdict?: TThrottleVerdict,
): Promise<string | null> {
  const result = verdict ?? (await checkThrottle(key));
  if (result.allowed) return null;
  if (await firstRefusalInWindow(key, result)) {
    await auditSignInEvent(request, context, {
      account: typeof account === 'function' ? await account() : account,
      action: 'auth.throttled',
      details: { scope: key.scope, limitedBy: result.limitedBy, retryAfterSeconds: result.retryAfterSeconds },
    });
  }
  return throttleMessage(result.retryAfterSeconds);
}

/** Counts a failed attempt; returns the throttle message when this failure used up the allowance. */
export async function countFailure(
  request: Request,
  context: AppLoadContext,
  key: TThrottleKey,
  account: TAccountRef,
): Promise<string | null> {
  const verdict = await recordFailure(key);
  return verdict.allowed ? null : throttleRefusal(request, context, key, account, verdict);
}

/** Records a completed sign-in (password and second factor): last sign-in time and `auth.sign_in`. */
export async function recordSignIn(
  request: Request,
  context: AppLoadContext,
  account: { userId: string; organizationId: string; sessionId: string },
  method: 'totp' | 'recovery_code' | 'totp_enrolment',
): Promise<void> {
  const em = await systemEm();
  await em.nativeUpdate(User, { id: account.userId }, { lastSignInAt: new Date() });
  await auditSignInEvent(request, context, {
    account,
    action: 'auth.sign_in',
    details: { secondFactor: method, sessionId: account.sessionId },
  });
}

/**
 * Emails a staff member about a change to their account's security (new authenticator, recovery code
 * used, password changed or reset), so that a change they did not make does not go unnoticed. Sent at
 * most once per `eventKey`. A mail failure is logged and does not undo the change.
 */
export async function sendSecurityNotice(
  context: AppLoadContext,
  input: {
    userId: string;
    organizationId: string;
    eventKey: string;
    headline: string;
    detail: string;
    occurredAt?: Date;
  },
): Promise<void> {
  const em = await systemEm();
  const [user, firm] = await Promise.all([
    em.findOne(User, { id: input.userId }, { fields: ['email'] }),
    em.findOne(Organization, { id: input.organizationId }, { fields: ['name'] }),
  ]);
  if (!user || !firm) return;
  try {
    await sendEmailOnce({
      em,
      mailer: mailer(),
      organizationId: input.organizationId,
      idempotencyKey: `security:${input.userId}:${input.eventKey}`,
      to: user.email,
      template: {
        template: 'security_notice',
        firmName: firm.name,
        headline: input.headline,
        detail: input.detail,
        occurredAt: input.occurredAt ?? new Date(),
      },
      relatedTo: { type: 'user', id: input.userId },
    });
  } catch (error) {
    console.warn(
      `[${context.requestId}] security notice not sent: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}
