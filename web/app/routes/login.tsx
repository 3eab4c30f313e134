import { data } from '@remix-run/node';
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation, useSearchParams } from '@remix-run/react';
import { demoLogins } from '../../../db/seed/demo-logins';
import { formatTotpSecret } from '../../../lib/crypto/totp';
import { authenticator, SignInError } from '../auth/authenticator.server';
import { optionalStaff, safeRedirectPath } from '../auth/guards.server';
import { mfaEnrolPath, mfaStepPath } from '../auth/paths';
import { startSession } from '../auth/session.server';
import {
  auditSignInEvent,
  countFailure,
  staffAccountByEmail,
  throttleRefusal,
} from '../auth/staff-sign-in.server';
import { resetThrottle, type TThrottleKey } from '../auth/throttle.server';
import { TotpFactor } from '../../../db/auth/totp-factor.entity';
import { forSystem } from '../../../db/tenancy/tenant-context';
import { webEnv } from '../env.server';
import { verifyCsrf } from '../http/csrf.server';
import { RedirectError } from '../http/redirect.server';
import { handleRouteErrors } from '../http/route.server';
import { orm } from '../services.server';
import { FormError, Notice, TextField } from '../ui/components';
import { CsrfInput } from '../ui/csrf-input';
import { AuthErrorBoundary, AuthPage } from '../ui/auth-page';

export const meta: MetaFunction = () => [{ title: 'Sign in · CPA Platform' }];

const reasons: Record<string, string> = {
  expired: 'Your session ended (after a while without activity, or at its time limit). Please sign in again.',
  revoked: 'You were signed out. Please sign in again.',
  signed_out: 'You are signed out.',
  password_reset: 'Your password was changed. Sign in with the new one.',
};

export async function loader({ request, context }: LoaderFunctionArgs) {
  return handleRouteErrors(context, async () => {
    const url = new URL(request.url);
    const redirectTo = safeRedirectPath(url.searchParams.get('redirectTo'));
    const signedIn = await optionalStaff(request);
    if (signedIn && !signedIn.secondFactorPending) throw new RedirectError(redirectTo);
    const isDevelopment = webEnv().NODE_ENV === 'development';
    return {
      signInInProgress: signedIn?.secondFactorPending === true,
      notice: reasons[url.searchParams.get('reason') ?? ''] ?? null,
      demoLogins: isDevelopment
        ? demoLogins
            .filter((login) => !login.note)
            .map(({ role, email, password, totpSecret }) => ({
              role,
              email,
              password,
              totpSecret: totpSecret ? formatTotpSecret(totpSecret) : null,
            }))
        : [],
    };
  });
}

export async function action({ request, context }: ActionFunctionArgs) {
  return handleRouteErrors(context, async () => {
    await verifyCsrf(request);
    const form = await request.clone().formData();
    const submittedEmail = form.get('email');
    const email = typeof submittedEmail === 'string' ? submittedEmail.trim().toLowerCase() : '';
    const redirectTo = safeRedirectPath(form.get('redirectTo'));
    const refuse = (formError: string, status: number, fieldErrors: Record<string, string> = {}) =>
      data({ fieldErrors, formError, email }, { status });

    const key: TThrottleKey = { scope: 'staff-sign-in', account: email, ip: context.clientIp };
    const refusal = await throttleRefusal(request, context, key, () =>
      email ? staffAccountByEmail(email) : Promise.resolve(null),
    );
    if (refusal) return refuse(refusal, 429);

    try {
      const verified = await authenticator().authenticate('form', request);
      await resetThrottle(key);
      const { session, setCookie } = await startSession(request, context, {
        subject: { kind: 'staff', userId: verified.userId, organizationId: verified.organizationId },
        secondFactorRequired: true,
      });
      const em = forSystem(await orm(), 'sign-in: a user’s authenticator is not firm data');
      const enrolled = await em.count(TotpFactor, { user: verified.userId, confirmedAt: { $ne: null } });
      await auditSignInEvent(request, context, {
        account: verified,
        action: 'auth.password_verified',
        details: { sessionId: session.id, next: enrolled ? 'mfa' : 'mfa_enrolment' },
      });
      const next = enrolled ? mfaStepPath : mfaEnrolPath;
      throw new RedirectError(`${next}?${new URLSearchParams({ redirectTo }).toString()}`, {
        'Set-Cookie': setCookie,
      });
    } catch (error) {
      if (!(error instanceof SignInError)) throw error;
      if (error.reason === 'invalid_form') return refuse(error.formError ?? '', 400, error.fieldErrors);
      await auditSignInEvent(request, context, {
        account: error.account ?? null,
        action: 'auth.sign_in_failed',
        details: { reason: error.reason },
      });
      const throttled = await countFailure(request, context, key, error.account ?? null);
      return refuse(throttled ?? error.formError ?? '', throttled ? 429 : 401);
    }
  });
}

export default function Login() {
  const { demoLogins, notice, signInInProgress } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const [searchParams] = useSearchParams();
  const navigation = useNavigation();
  const busy = navigation.state === 'submitting';

  return (
    <AuthPage>
      <h1>Sign in</h1>
      <p className="muted">Staff sign-in for your firm’s workspace.</p>
      {notice && !result ? <Notice>{notice}</Notice> : null}
      {signInInProgress && !result ? (
        <Notice>
          You entered your password already.{' '}
          <Link to={`${mfaStepPath}?${searchParams.toString()}`}>Continue with your authenticator code</Link>,
          or sign in again below.
        </Notice>
      ) : null}
      <Form method="post" noValidate className="stack">
        <CsrfInput />
        <FormError message={result?.formError} />
        <input type="hidden" name="redirectTo" value={searchParams.get('redirectTo') ?? '/app'} />
        <TextField
          name="email"
          label="Email"
          type="email"
          autoComplete="username"
          inputMode="email"
          spellCheck={false}
          required
          defaultValue={result?.email}
          error={result?.fieldErrors.email}
        />
        <TextField
          name="password"
          label="Password"
          type="password"
          autoComplete="current-password"
          required
          error={result?.fieldErrors.password}
        />
        <button type="submit" className="button button-primary button-block" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </Form>
      <p className="auth-links">
        <Link to="/forgot-password">Forgot your password?</Link>
      </p>
      {demoLogins.length > 0 ? (
        <details className="demo-logins">
          <summary>Demo logins (development only)</summary>
          <table>
            <thead>
              <tr>
                <th scope="col">Role</th>
                <th scope="col">Email</th>
              </tr>
            </thead>
            <tbody>
              {demoLogins.map((login) => (
                <tr key={login.email}>
                  <td>{login.role}</td>
                  <td>
                    <code>{login.email}</code>
                    {login.totpSecret ? (
                      <span className="demo-secret">
                        Authenticator key <code>{login.totpSecret}</code>
                      </span>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="small muted">
            Password for all: <code>{demoLogins[0]?.password}</code>. Add a key to any authenticator app (or
            use the demo code shown on the next step) for the second factor.
          </p>
        </details>
      ) : null}
    </AuthPage>
  );
}

export function ErrorBoundary() {
  return <AuthErrorBoundary />;
}
