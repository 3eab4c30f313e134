import { data } from '@remix-run/node';
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { verifySecondFactor } from '../../../db/auth/verify-second-factor';
import { demoLogins } from '../../../db/seed/demo-logins';
import { forTenant } from '../../../db/tenancy/tenant-context';
import { User } from '../../../db/users/user.entity';
import { totpCode } from '../../../lib/crypto/totp';
import { isAppError } from '../../../lib/errors';
import { formText } from '../auth/form-text.server';
import { requireStaffSignInInProgress, safeRedirectPath } from '../auth/guards.server';
import { mfaEnrolPath } from '../auth/paths';
import { completeSecondFactor } from '../auth/session.server';
import {
  auditSignInEvent,
  countFailure,
  recordSignIn,
  sendSecurityNotice,
  signInActor,
  throttleRefusal,
} from '../auth/staff-sign-in.server';
import { resetThrottle, type TThrottleKey } from '../auth/throttle.server';
import { webEnv } from '../env.server';
import { verifyCsrf } from '../http/csrf.server';
import { RedirectError } from '../http/redirect.server';
import { handleRouteErrors } from '../http/route.server';
import { orm } from '../services.server';
import { AuthErrorBoundary, AuthPage, CancelSignInForm } from '../ui/auth-page';
import { FormError, Notice, TextField } from '../ui/components';
import { CsrfInput } from '../ui/csrf-input';

export const meta: MetaFunction = () => [{ title: 'Two-step sign-in · CPA Platform' }];

/** In development, the demo staff's current code is shown so the demo works without an app. */
async function demoCode(userId: string, organizationId: string): Promise<string | null> {
  if (webEnv().NODE_ENV !== 'development') return null;
  const em = forTenant(await orm(), organizationId);
  const user = await em.findOne(User, { id: userId }, { fields: ['email'] });
  const login = demoLogins.find((candidate) => candidate.email === user?.email);
  return login?.totpSecret ? totpCode(login.totpSecret) : null;
}

export async function loader({ request, context }: LoaderFunctionArgs) {
  return handleRouteErrors(context, async () => {
    const url = new URL(request.url);
    const redirectTo = safeRedirectPath(url.searchParams.get('redirectTo'));
    const signIn = await requireStaffSignInInProgress(request, context);
    if (signIn.secondFactorPassed) throw new RedirectError(redirectTo);
    if (!signIn.hasAuthenticator) {
      throw new RedirectError(`${mfaEnrolPath}?${new URLSearchParams({ redirectTo }).toString()}`);
    }
    return { redirectTo, demoCode: await demoCode(signIn.userId, signIn.organizationId) };
  });
}

export async function action({ request, context }: ActionFunctionArgs) {
  return handleRouteErrors(context, async () => {
    await verifyCsrf(request);
    const signIn = await requireStaffSignInInProgress(request, context);
    const form = await request.formData();
    const redirectTo = safeRedirectPath(form.get('redirectTo'));
    if (signIn.secondFactorPassed) throw new RedirectError(redirectTo);
    const code = formText(form, 'code').trim();
    const account = { userId: signIn.userId, organizationId: signIn.organizationId };
    const key: TThrottleKey = { scope: 'mfa', account: signIn.userId, ip: context.clientIp };

    const refusal = await throttleRefusal(request, context, key, account);
    if (refusal) return data({ formError: refusal, fieldError: null }, { status: 429 });
    if (!code) {
      return data(
        { formError: null, fieldError: 'Enter the 6-digit code from your authenticator app.' },
        { status: 400 },
      );
    }

    const actor = signInActor(request, context, signIn.userId);
    let result;
    try {
      result = await verifySecondFactor(forTenant(await orm(), signIn.organizationId), actor, {
        ...account,
        code,
      });
    } catch (error) {
      if (!isAppError(error) || error.code !== 'invalid_input') throw error;
      await auditSignInEvent(request, context, {
        account,
        action: 'auth.mfa_failed',
        details: { reason: error.reason ?? 'wrong_code', sessionId: signIn.sessionId },
      });
      const throttled = await countFailure(request, context, key, account);
      return data(
        { formError: throttled, fieldError: throttled ? null : error.userMessage },
        { status: throttled ? 429 : 401 },
      );
    }

    await resetThrottle(key);
    const setCookie = await completeSecondFactor(request, 'staff', context);
    await recordSignIn(request, context, { ...account, sessionId: signIn.sessionId }, result.method);
    if (result.method === 'recovery_code') {
      await sendSecurityNotice(context, {
        ...account,
        eventKey: `recovery-code:${signIn.sessionId}`,
        headline: 'A recovery code was used to sign in',
        detail: `Someone signed in to your account with one of your recovery codes. ${result.recoveryCodesLeft} unused codes are left. If this was not you, tell an owner of your firm at once so they can reset your sign-in.`,
      });
      throw new RedirectError(`/app/account?recovery=used`, { 'Set-Cookie': setCookie });
    }
    throw new RedirectError(redirectTo, { 'Set-Cookie': setCookie });
  });
}

export default function SecondFactor() {
  const { redirectTo, demoCode } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state === 'submitting';

  return (
    <AuthPage>
      <h1>Two-step sign-in</h1>
      <p className="muted">
        Open the authenticator app on your phone and enter the 6-digit code it shows for CPA Platform.
      </p>
      {demoCode ? (
        <Notice>
          Demo account (development only): the code right now is <code>{demoCode}</code>.
        </Notice>
      ) : null}
      <Form method="post" noValidate className="stack">
        <CsrfInput />
        <FormError message={result?.formError} />
        <input type="hidden" name="redirectTo" value={redirectTo} />
        <TextField
          name="code"
          label="Authentication code"
          hint="No phone? Enter one of your recovery codes instead (like k7m2p-xq9rt)."
          autoComplete="one-time-code"
          inputMode="text"
          spellCheck={false}
          autoCapitalize="off"
          maxLength={20}
          required
          error={result?.fieldError ?? undefined}
        />
        <button type="submit" className="button button-primary button-block" disabled={busy}>
          {busy ? 'Checking…' : 'Verify and continue'}
        </button>
      </Form>
      <p className="auth-links">
        Lost your phone and your recovery codes? An owner of your firm can reset your two-step sign-in.
      </p>
      <CancelSignInForm />
    </AuthPage>
  );
}

export function ErrorBoundary() {
  return <AuthErrorBoundary />;
}
