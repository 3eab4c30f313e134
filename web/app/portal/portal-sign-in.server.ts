import { createCookie, type AppLoadContext, type Cookie } from '@remix-run/node';
import { z } from 'zod';
import { recordAuthEvent } from '../../../db/auth/record-auth-event';
import type { TActor } from '../../../db/audit/actor';
import { sendEmailOnce } from '../../../db/email/send-email-once';
import { issuePortalSignInCode } from '../../../db/portal/issue-portal-sign-in-code';
import {
  accountsMatchingPassword,
  findPortalAccount,
  findPortalAccounts,
  findPortalAccountsById,
  recordPortalSignIn,
  type TPortalAccount,
} from '../../../db/portal/portal-sign-in';
import { verifyPortalTotp } from '../../../db/portal/portal-totp';
import { newestLiveCodeOwner, verifyPortalSignInCode } from '../../../db/portal/verify-portal-sign-in-code';
import { forSystem, forTenant } from '../../../db/tenancy/tenant-context';
import type { EntityManager } from '../../../db/types';
import { isEmailDeliveryError } from '../../../integrations/email/mailer';
import {
  checkThrottle,
  firstRefusalInWindow,
  recordFailure,
  resetThrottle,
  throttleMessage,
  type TThrottleKey,
  type TThrottleVerdict,
} from '../auth/throttle.server';
import { completeSecondFactor, currentSession, startSession } from '../auth/session.server';
import { webEnv } from '../env.server';
import { fieldErrorsOf, type TFieldErrors } from '../forms/validation.server';
import { RedirectError } from '../http/redirect.server';
import { safePortalReturnPath } from './portal-session.server';
import { mailer, orm } from '../services.server';

/**
 * Signing in to the portal: with a password, with a code emailed each time, or with an invitation
 * link (see portal.invite.$token.tsx), then, when the contact added an authenticator app, with a code
 * from it. One email address can belong to several portal accounts (a person's own return and their
 * business, or two firms): after a password or code that proves more than one, the person chooses.
 *
 * Throttled per email address and per IP (web/app/auth/throttle.server.ts): `portal-sign-in` counts
 * wrong passwords and codes, `portal-code` counts emailed codes. Every attempt on a known account is
 * in the firm's audit trail: `portal.signed_in`, `portal.sign_in_failed`, `portal.throttled`.
 */

export const wrongPasswordMessage = 'Email or password is incorrect.';
export const codeSentMessage =
  'If this email address has a client portal, a 6-digit code is on its way. It works for 10 minutes.';

const ZEmail = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.email('Enter your email address, for example name@example.com').max(320, 'This email is too long'));

export const ZPasswordSignIn = z.object({
  email: ZEmail,
  password: z.string().min(1, 'Enter your password').max(1000, 'This password is too long'),
});
export const ZCodeRequest = z.object({ email: ZEmail });
export const ZCode = z.object({
  code: z
    .string()
    .transform((value) => value.replace(/\s+/g, ''))
    .pipe(z.string().regex(/^\d{6}$/, 'Enter the 6-digit code')),
});

export type TSignInFailure = {
  ok: false;
  status: 400 | 401 | 429 | 503;
  fieldErrors: TFieldErrors;
  formError: string | null;
};
const failure = (
  status: TSignInFailure['status'],
  formError: string | null,
  fieldErrors: TFieldErrors = {},
): TSignInFailure => ({ ok: false, status, fieldErrors, formError });

function from(request: Request, context: AppLoadContext): Pick<TActor, 'ip' | 'userAgent'> {
  return { ip: context.clientIp ?? undefined, userAgent: request.headers.get('user-agent') ?? undefined };
}

async function systemEm(): Promise<EntityManager> {
  return forSystem(await orm(), 'portal sign-in: find the accounts of an email address');
}

/** Writes one audit event per account of the address (each firm sees attempts on its own accounts). */
async function auditAccounts(
  accounts: TPortalAccount[],
  request: Request,
  context: AppLoadContext,
  action: string,
  details: Record<string, unknown>,
): Promise<void> {
  const root = await orm();
  for (const account of accounts) {
    await recordAuthEvent(forTenant(root, account.organizationId), {
      organizationId: account.organizationId,
      actor: { type: 'contact', id: account.contactId, ...from(request, context) },
      action,
      target: { type: 'contact', id: account.contactId },
      details,
    });
  }
}

/** Refuses a blocked attempt with "try again in N minutes", auditing the first refusal of a window. */
async function refuseIfThrottled(
  key: TThrottleKey,
  accounts: () => Promise<TPortalAccount[]>,
  request: Request,
  context: AppLoadContext,
): Promise<TSignInFailure | null> {
  const verdict = await checkThrottle(key);
  if (verdict.allowed) return null;
  return throttled(key, verdict, accounts, request, context);
}

async function throttled(
  key: TThrottleKey,
  verdict: Extract<TThrottleVerdict, { allowed: false }>,
  accounts: () => Promise<TPortalAccount[]>,
  request: Request,
  context: AppLoadContext,
): Promise<TSignInFailure> {
  if (await firstRefusalInWindow(key, verdict)) {
    await auditAccounts(await accounts(), request, context, 'portal.throttled', {
      scope: key.scope,
      limitedBy: verdict.limitedBy,
    });
  }
  return failure(429, throttleMessage(verdict.retryAfterSeconds));
}

// --- short-lived signed cookies between the steps --------------------------------------------------

const cookies = new Map<string, Cookie>();

function signedCookie(name: string, maxAgeSeconds: number): Cookie {
  const env = webEnv();
  const key = `${name}:${env.SESSION_SECRET}:${env.NODE_ENV}`;
  let cookie = cookies.get(key);
  if (!cookie) {
    cookie = createCookie(name, {
      httpOnly: true,
      sameSite: 'lax',
      secure: env.NODE_ENV !== 'development',
      path: '/portal/login',
      secrets: [env.SESSION_SECRET],
      maxAge: maxAgeSeconds,
    });
    cookies.set(key, cookie);
  }
  return cookie;
}

/** Which accounts a person proved (password or emailed code) and may now choose between. */
const accountsCookie = () => signedCookie('cpa_portal_accounts', 10 * 60);
/** The address a sign-in code was sent to, for the code step. */
const codeCookie = () => signedCookie('cpa_portal_code', 15 * 60);
/** The portal page a signed-out visit was sent away from, to go back to after signing in. */
const returnCookie = () => signedCookie('cpa_portal_return', 15 * 60);

/**
 * Remembers where to go after signing in (the `redirectTo` of the sign-in page, when it is a portal
 * page of this site). Gives the Set-Cookie header to send, or null when there is nothing to remember.
 */
export async function rememberReturnPath(redirectTo: unknown): Promise<string | null> {
  const path = safePortalReturnPath(redirectTo);
  return path ? returnCookie().serialize(path) : null;
}

async function returnPath(request: Request): Promise<string | null> {
  return safePortalReturnPath(await returnCookie().parse(request.headers.get('Cookie')));
}

interface TProvenAccounts {
  contactIds: string[];
  method: 'password' | 'email_code';
  expiresAt: number;
}

export async function provenAccounts(request: Request): Promise<TProvenAccounts | null> {
  const value: unknown = await accountsCookie().parse(request.headers.get('Cookie'));
  const proof = value as Partial<TProvenAccounts> | null;
  if (
    !proof ||
    !Array.isArray(proof.contactIds) ||
    (proof.method !== 'password' && proof.method !== 'email_code') ||
    typeof proof.expiresAt !== 'number' ||
    proof.expiresAt < Date.now()
  ) {
    return null;
  }
  return { contactIds: proof.contactIds.map(String), method: proof.method, expiresAt: proof.expiresAt };
}

export async function codeEmail(request: Request): Promise<string | null> {
  const value: unknown = await codeCookie().parse(request.headers.get('Cookie'));
  const parsed = ZEmail.safeParse(value);
  return parsed.success ? parsed.data : null;
}

const clearCookie = (cookie: Cookie) => cookie.serialize('', { maxAge: 0, expires: new Date(0) });

// --- finishing ------------------------------------------------------------------------------------

/**
 * Starts the portal session of an account that passed its first step and sends the browser on: to
 * the authenticator step when the account has one, else into the portal. Throws the redirect.
 */
export async function finishSignIn(
  request: Request,
  context: AppLoadContext,
  account: TPortalAccount,
  method: 'password' | 'email_code' | 'invitation_link',
): Promise<never> {
  const { setCookie } = await startSession(request, context, {
    subject: { kind: 'portal', contactId: account.contactId, organizationId: account.organizationId },
    secondFactorRequired: account.totpEnabled,
  });
  const headers = new Headers();
  headers.append('Set-Cookie', setCookie);
  headers.append('Set-Cookie', await clearCookie(accountsCookie()));
  headers.append('Set-Cookie', await clearCookie(codeCookie()));
  // The authenticator step reads (and clears) the page to go back to.
  if (account.totpEnabled) throw new RedirectError('/portal/login/verify', headers);
  // An invitation link opens the portal home (a first visit chooses how to sign in next time).
  const next = (method === 'invitation_link' ? null : await returnPath(request)) ?? '/portal';
  if (method !== 'invitation_link') headers.append('Set-Cookie', await clearCookie(returnCookie()));
  await recordPortalSignIn(
    forTenant(await orm(), account.organizationId),
    { type: 'contact', id: account.contactId, ...from(request, context) },
    { organizationId: account.organizationId, contactId: account.contactId, method },
  );
  throw new RedirectError(next, headers);
}

/** After a proof for several accounts: remember them for a few minutes and ask which one. */
async function chooseBetween(accounts: TPortalAccount[], method: TProvenAccounts['method']): Promise<never> {
  const proof: TProvenAccounts = {
    contactIds: accounts.map((account) => account.contactId),
    method,
    expiresAt: Date.now() + 10 * 60_000,
  };
  throw new RedirectError('/portal/login/choose', { 'Set-Cookie': await accountsCookie().serialize(proof) });
}

// --- the steps ------------------------------------------------------------------------------------

/** Email and password. Redirects on success; returns what to show otherwise. */
export async function signInWithPassword(
  request: Request,
  context: AppLoadContext,
  form: FormData,
): Promise<TSignInFailure> {
  const parsed = ZPasswordSignIn.safeParse({
    email: form.get('email') ?? '',
    password: form.get('password') ?? '',
  });
  if (!parsed.success) return failure(400, null, fieldErrorsOf(parsed.error));
  const { email, password } = parsed.data;
  const em = await systemEm();
  const key: TThrottleKey = { scope: 'portal-sign-in', account: email, ip: context.clientIp };
  const lookup = () => findPortalAccounts(em, email);
  const refused = await refuseIfThrottled(key, lookup, request, context);
  if (refused) return refused;

  const accounts = await lookup();
  const matched = await accountsMatchingPassword(em, { accounts, password });
  if (matched.length === 0) {
    const verdict = await recordFailure(key);
    await auditAccounts(accounts, request, context, 'portal.sign_in_failed', { method: 'password' });
    if (!verdict.allowed) return throttled(key, verdict, () => Promise.resolve(accounts), request, context);
    return failure(401, wrongPasswordMessage);
  }
  await resetThrottle(key);
  if (matched.length > 1) return chooseBetween(matched, 'password');
  return finishSignIn(request, context, matched[0]!, 'password');
}

/**
 * Emails a sign-in code. The answer is the same whether or not the address has an account, so the
 * form cannot be used to find out who is a client. Redirects to the code step.
 */
export async function requestSignInCode(
  request: Request,
  context: AppLoadContext,
  form: FormData,
): Promise<TSignInFailure> {
  const parsed = ZCodeRequest.safeParse({ email: form.get('email') ?? '' });
  if (!parsed.success) return failure(400, null, fieldErrorsOf(parsed.error));
  const { email } = parsed.data;
  const em = await systemEm();
  const key: TThrottleKey = { scope: 'portal-code', account: email, ip: context.clientIp };
  const lookup = () => findPortalAccounts(em, email);
  const refused = await refuseIfThrottled(key, lookup, request, context);
  if (refused) return refused;
  // Every request counts (each one sends an email), not only failures.
  await recordFailure(key);

  const [account] = await lookup();
  if (account) {
    const tenantEm = forTenant(await orm(), account.organizationId);
    const { code, expiresAt, codeId } = await issuePortalSignInCode(tenantEm, {
      organizationId: account.organizationId,
      contactId: account.contactId,
      actor: { type: 'contact', id: account.contactId, ...from(request, context) },
    });
    try {
      await sendEmailOnce({
        em: tenantEm,
        mailer: mailer(),
        organizationId: account.organizationId,
        idempotencyKey: `portal-sign-in-code:${codeId}`,
        to: email,
        template: { template: 'portal_sign_in_code', firmName: account.firmName, code, expiresAt },
        relatedTo: { type: 'contact', id: account.contactId },
      });
    } catch (error) {
      if (!isEmailDeliveryError(error)) throw error;
      console.warn(`portal sign-in code not sent: ${error.message}`);
      return failure(503, 'We could not send the code just now. Please try again in a minute.');
    }
  }
  throw new RedirectError('/portal/login/code', { 'Set-Cookie': await codeCookie().serialize(email) });
}

/** The emailed code. Redirects on success (into the portal, or to choose an account). */
export async function signInWithCode(
  request: Request,
  context: AppLoadContext,
  email: string,
  form: FormData,
): Promise<TSignInFailure> {
  const parsed = ZCode.safeParse({ code: form.get('code') ?? '' });
  if (!parsed.success) return failure(400, null, fieldErrorsOf(parsed.error));
  const em = await systemEm();
  const key: TThrottleKey = { scope: 'portal-sign-in', account: email, ip: context.clientIp };
  const lookup = () => findPortalAccounts(em, email);
  const refused = await refuseIfThrottled(key, lookup, request, context);
  if (refused) return refused;

  const accounts = await lookup();
  const owner = await newestLiveCodeOwner(
    em,
    accounts.map((account) => account.contactId),
  );
  const result = owner
    ? await verifyPortalSignInCode(forTenant(await orm(), owner.organizationId), {
        organizationId: owner.organizationId,
        contactId: owner.contactId,
        code: parsed.data.code,
      })
    : 'none';
  if (result !== 'ok') {
    const verdict = await recordFailure(key);
    await auditAccounts(accounts, request, context, 'portal.sign_in_failed', {
      method: 'email_code',
      reason: result,
    });
    if (!verdict.allowed) return throttled(key, verdict, () => Promise.resolve(accounts), request, context);
    const message =
      result === 'expired'
        ? 'This code has expired. Send yourself a new one below.'
        : result === 'none'
          ? 'This code is no longer valid (it was used, or a newer one was sent). Send yourself a new one below.'
          : 'That code is not right. Check the latest email and try again.';
    return failure(401, message);
  }
  await resetThrottle(key);
  if (accounts.length > 1) return chooseBetween(accounts, 'email_code');
  return finishSignIn(request, context, accounts[0]!, 'email_code');
}

/** The accounts a proof cookie allows, with what the chooser shows; null when there is no valid proof. */
export async function accountChoices(request: Request): Promise<TPortalAccount[] | null> {
  const proof = await provenAccounts(request);
  if (!proof) return null;
  const accounts = await findPortalAccountsById(await systemEm(), proof.contactIds);
  return accounts.length > 0 ? accounts : null;
}

/** The chosen account, if the proof allows it. Redirects on success. */
export async function chooseAccount(
  request: Request,
  context: AppLoadContext,
  form: FormData,
): Promise<TSignInFailure> {
  const proof = await provenAccounts(request);
  const accounts = await accountChoices(request);
  if (!proof || !accounts) {
    throw new RedirectError('/portal/login', { 'Set-Cookie': await clearCookie(accountsCookie()) });
  }
  const chosen = accounts.find((account) => account.contactId === form.get('contactId'));
  if (!chosen) return failure(400, 'Choose one of the accounts below.');
  return finishSignIn(request, context, chosen, proof.method);
}

/** The authenticator code after the first step. Redirects into the portal on success. */
export async function verifySecondFactor(
  request: Request,
  context: AppLoadContext,
  form: FormData,
): Promise<TSignInFailure> {
  const current = await currentSession(request, 'portal');
  if (current.state !== 'active' || current.subject.kind !== 'portal' || !current.secondFactorPending) {
    throw new RedirectError('/portal/login');
  }
  const { contactId, organizationId } = current.subject;
  const parsed = ZCode.safeParse({ code: form.get('code') ?? '' });
  if (!parsed.success) return failure(400, null, fieldErrorsOf(parsed.error));
  const em = forTenant(await orm(), organizationId);
  const account = await findPortalAccount(em, { organizationId, contactId });
  if (!account) throw new RedirectError('/portal/login');
  const key: TThrottleKey = { scope: 'portal-sign-in', account: contactId, ip: context.clientIp };
  const refused = await refuseIfThrottled(key, () => Promise.resolve([account]), request, context);
  if (refused) return refused;

  const result = await verifyPortalTotp(em, { organizationId, contactId, code: parsed.data.code });
  if (result !== 'ok') {
    const verdict = await recordFailure(key);
    await auditAccounts([account], request, context, 'portal.sign_in_failed', {
      method: 'totp',
      reason: result,
    });
    if (!verdict.allowed) return throttled(key, verdict, () => Promise.resolve([account]), request, context);
    return failure(
      401,
      result === 'replayed'
        ? 'This code was already used. Wait for your app to show a new one.'
        : 'That code is not right. Enter the code your authenticator app shows now.',
    );
  }
  await resetThrottle(key);
  const setCookie = await completeSecondFactor(request, 'portal');
  await recordPortalSignIn(
    em,
    { type: 'contact', id: contactId, ...from(request, context) },
    { organizationId, contactId, method: 'authenticator_app' },
  );
  const headers = new Headers();
  headers.append('Set-Cookie', setCookie);
  headers.append('Set-Cookie', await clearCookie(returnCookie()));
  throw new RedirectError((await returnPath(request)) ?? '/portal', headers);
}
