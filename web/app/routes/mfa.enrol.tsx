import { data } from '@remix-run/node';
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import QRCode from 'qrcode';
import { confirmTotpEnrolment } from '../../../db/auth/confirm-totp-enrolment';
import { startTotpEnrolment } from '../../../db/auth/start-totp-enrolment';
import { Organization } from '../../../db/organizations/organization.entity';
import { forTenant } from '../../../db/tenancy/tenant-context';
import { User } from '../../../db/users/user.entity';
import { formatTotpSecret, totpUri } from '../../../lib/crypto/totp';
import { isAppError } from '../../../lib/errors';
import { formText } from '../auth/form-text.server';
import { requireStaffSignInInProgress, safeRedirectPath } from '../auth/guards.server';
import { mfaStepPath } from '../auth/paths';
import { completeSecondFactor } from '../auth/session.server';
import { recordSignIn, sendSecurityNotice, signInActor } from '../auth/staff-sign-in.server';
import { verifyCsrf } from '../http/csrf.server';
import { RedirectError } from '../http/redirect.server';
import { handleRouteErrors } from '../http/route.server';
import { orm } from '../services.server';
import { AuthErrorBoundary, AuthPage, CancelSignInForm } from '../ui/auth-page';
import { TextField } from '../ui/components';
import { CsrfInput } from '../ui/csrf-input';
import { RecoveryCodes } from '../ui/recovery-codes';

export const meta: MetaFunction = () => [{ title: 'Set up two-step sign-in · CPA Platform' }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  return handleRouteErrors(context, async () => {
    const url = new URL(request.url);
    const redirectTo = safeRedirectPath(url.searchParams.get('redirectTo'));
    const signIn = await requireStaffSignInInProgress(request, context);
    if (signIn.hasAuthenticator && !signIn.secondFactorPassed) {
      throw new RedirectError(`${mfaStepPath}?${new URLSearchParams({ redirectTo }).toString()}`);
    }
    // Already set up (also what the page sees right after the action that set it up, which shows
    // the recovery codes): nothing to scan.
    if (signIn.hasAuthenticator) return { enrolled: true as const, redirectTo };
    const em = forTenant(await orm(), signIn.organizationId);
    const [user, firm] = await Promise.all([
      em.findOneOrFail(User, { id: signIn.userId }, { fields: ['email'] }),
      em.findOneOrFail(Organization, { id: signIn.organizationId }, { fields: ['name'] }),
    ]);
    const { secret } = await startTotpEnrolment(em, { userId: signIn.userId });
    const uri = totpUri(secret, { issuer: `${firm.name} (CPA Platform)`, accountName: user.email });
    const qrSvg = await QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 1 });
    return {
      enrolled: false as const,
      redirectTo,
      uri,
      qrSvg,
      secret: formatTotpSecret(secret),
      accountName: user.email,
      issuer: `${firm.name} (CPA Platform)`,
    };
  });
}

export async function action({ request, context }: ActionFunctionArgs) {
  return handleRouteErrors(context, async () => {
    await verifyCsrf(request);
    const signIn = await requireStaffSignInInProgress(request, context);
    const form = await request.formData();
    const redirectTo = safeRedirectPath(form.get('redirectTo'));
    if (signIn.hasAuthenticator)
      throw new RedirectError(signIn.secondFactorPassed ? '/app/account' : mfaStepPath);
    const account = { userId: signIn.userId, organizationId: signIn.organizationId };
    let recoveryCodes: string[];
    try {
      ({ recoveryCodes } = await confirmTotpEnrolment(
        forTenant(await orm(), signIn.organizationId),
        signInActor(request, context, signIn.userId),
        { ...account, code: formText(form, 'code') },
      ));
    } catch (error) {
      if (!isAppError(error) || error.code !== 'invalid_input') throw error;
      return data({ fieldError: error.userMessage, recoveryCodes: null, redirectTo }, { status: 400 });
    }
    const setCookie = await completeSecondFactor(request, 'staff', context);
    await recordSignIn(request, context, { ...account, sessionId: signIn.sessionId }, 'totp_enrolment');
    await sendSecurityNotice(context, {
      ...account,
      eventKey: `mfa-enrolled:${signIn.sessionId}`,
      headline: 'Two-step sign-in was set up',
      detail:
        'An authenticator app was set up for your account, and new recovery codes were issued. If this was not you, tell an owner of your firm at once.',
    });
    return data({ fieldError: null, recoveryCodes, redirectTo }, { headers: { 'Set-Cookie': setCookie } });
  });
}

export default function EnrolAuthenticator() {
  const loaded = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state === 'submitting';

  if (result?.recoveryCodes) {
    return (
      <AuthPage wide>
        <h1>Save your recovery codes</h1>
        <p>
          Two-step sign-in is on. If you lose your phone, each of these codes signs you in once instead of an
          authenticator code. <strong>They are shown only now.</strong> Keep them somewhere safe, such as a
          password manager.
        </p>
        <RecoveryCodes codes={result.recoveryCodes} />
        <Link to={result.redirectTo} className="button button-primary button-block">
          I have saved my codes, continue
        </Link>
      </AuthPage>
    );
  }

  if (loaded.enrolled) {
    return (
      <AuthPage>
        <h1>Two-step sign-in is on</h1>
        <p className="muted">
          Your authenticator app is already set up. To replace it (a new phone), ask an owner of your firm to
          reset your two-step sign-in; recovery codes are on your account page.
        </p>
        <Link to="/app/account" className="button button-primary button-block">
          Go to your account
        </Link>
      </AuthPage>
    );
  }
  const { qrSvg, uri, secret, accountName, issuer, redirectTo } = loaded;

  return (
    <AuthPage wide>
      <h1>Set up two-step sign-in</h1>
      <p className="muted">
        Your firm protects client information with a second step at sign-in: a code from an authenticator app
        on your phone (for example Google Authenticator, Microsoft Authenticator or 1Password).
      </p>
      <ol className="enrol-steps">
        <li>
          <p>In your authenticator app, add an account and scan this QR code.</p>
          <div
            className="qr-code"
            role="img"
            aria-label={`QR code to add ${accountName} to an authenticator app`}
          >
            {/* The SVG is generated on the server from our own otpauth URI: no user input in it. */}
            <span dangerouslySetInnerHTML={{ __html: qrSvg }} />
          </div>
          <a className="open-in-app" href={uri}>
            On this phone? Add it to your authenticator app
          </a>
          <details className="manual-key">
            <summary>Can’t scan it? Enter the key by hand</summary>
            <dl className="key-list">
              <dt>Account</dt>
              <dd>
                {issuer}: {accountName}
              </dd>
              <dt>Key</dt>
              <dd>
                <code className="secret-key">{secret}</code>
              </dd>
              <dt>Type</dt>
              <dd>Time-based, 6 digits, every 30 seconds</dd>
            </dl>
          </details>
        </li>
        <li>
          <p>Enter the 6-digit code the app now shows.</p>
          <Form method="post" noValidate className="stack">
            <CsrfInput />
            <input type="hidden" name="redirectTo" value={redirectTo} />
            <TextField
              name="code"
              label="Code from your app"
              autoComplete="one-time-code"
              inputMode="numeric"
              pattern="[0-9 ]*"
              maxLength={7}
              required
              error={result?.fieldError ?? undefined}
            />
            <button type="submit" className="button button-primary button-block" disabled={busy}>
              {busy ? 'Checking…' : 'Turn on two-step sign-in'}
            </button>
          </Form>
        </li>
      </ol>
      <CancelSignInForm />
    </AuthPage>
  );
}

export function ErrorBoundary() {
  return <AuthErrorBoundary />;
}
