import { data } from '@remix-run/node';
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import QRCode from 'qrcode';
import { z } from 'zod';
import { revokeSubjectSessions } from '../../../db/auth/revoke-auth-sessions';
import { choosePortalEmailCodes } from '../../../db/portal/choose-portal-email-codes';
import { accountsMatchingPassword, findPortalAccount } from '../../../db/portal/portal-sign-in';
import {
  confirmPortalTotp,
  removePortalTotp,
  startPortalTotpEnrolment,
} from '../../../db/portal/portal-totp';
import { setPortalPassword } from '../../../db/portal/set-portal-password';
import type { EntityManager } from '../../../db/types';
import { formatTotpSecret, totpUri } from '../../../lib/crypto/totp';
import { isAppError } from '../../../lib/errors';
import { passwordMinLength } from '../../../lib/password-policy';
import { checkThrottle, recordFailure, resetThrottle, throttleMessage } from '../auth/throttle.server';
import { fieldErrorsOf, type TFieldErrors } from '../forms/validation.server';
import { RedirectError } from '../http/redirect.server';
import { notFound, portalRoute } from '../http/route.server';
import { portalAccountView } from '../portal/portal-account.server';
import { PortalErrorBoundary } from '../portal/portal-error';
import type { TPortalUser } from '../portal/portal-session.server';
import { FormError, Notice, TextField } from '../ui/components';
import { CsrfInput } from '../ui/csrf-input';
import { dateFormat } from '../ui/dates.server';

export const meta: MetaFunction = () => [
  { title: 'Your account · Client portal' },
  { name: 'robots', content: 'noindex' },
];

const savedNotices: Record<string, string> = {
  password: 'Your password is saved. Use it with your email address next time you sign in.',
  codes: 'Done. Next time, choose “Email me a sign-in code” on the sign-in page.',
  totp: 'Your authenticator app is set up. We will ask for its code each time you sign in.',
  'totp-removed': 'Your authenticator app was removed.',
  'signed-out-others': 'You are signed out everywhere else.',
};

export async function loader(args: LoaderFunctionArgs) {
  return portalRoute(args, 'portal.account.manage', async ({ portal, em }) => {
    const saved = new URL(args.request.url).searchParams.get('saved') ?? '';
    return {
      account: await portalAccountView(em, { portal, format: dateFormat(portal.timeZone) }),
      notice: savedNotices[saved] ?? null,
      passwordMinLength,
    };
  });
}

const ZPasswordForm = z
  .object({
    currentPassword: z.string().max(1000),
    newPassword: z.string().min(1, 'Enter a new password').max(1000, 'This password is too long'),
    confirmPassword: z.string(),
  })
  .refine((value) => value.newPassword === value.confirmPassword, {
    path: ['confirmPassword'],
    message: 'The two passwords are not the same',
  });

type TActionResult = {
  form: 'password' | 'totp' | 'totp_remove';
  fieldErrors: TFieldErrors;
  formError: string | null;
  totp: { qr: string; secret: string } | null;
};

const result = (
  form: TActionResult['form'],
  status: number,
  extra: Partial<Omit<TActionResult, 'form'>> = {},
) => data<TActionResult>({ form, fieldErrors: {}, formError: null, totp: null, ...extra }, { status });

/** The QR code and typed-in secret for adding the portal to an authenticator app. */
async function totpSetup(em: EntityManager, portal: TPortalUser) {
  const { secret } = await startPortalTotpEnrolment(em, portal);
  const uri = totpUri(secret, {
    issuer: `${portal.firmName} client portal`,
    accountName: portal.contactEmail,
  });
  const svg = await QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 1 });
  return {
    qr: `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`,
    secret: formatTotpSecret(secret),
  };
}

function formText(form: FormData, name: string): string {
  const value = form.get(name);
  return typeof value === 'string' ? value : '';
}

export async function action(args: ActionFunctionArgs) {
  return portalRoute(args, 'portal.account.manage', async ({ portal, em, actor }) => {
    const form = await args.request.formData();
    const intent = form.get('intent');
    const subject = {
      kind: 'portal' as const,
      contactId: portal.contactId,
      organizationId: portal.organizationId,
    };

    if (intent === 'password') {
      const parsed = ZPasswordForm.safeParse({
        currentPassword: form.get('currentPassword') ?? '',
        newPassword: form.get('newPassword') ?? '',
        confirmPassword: form.get('confirmPassword') ?? '',
      });
      if (!parsed.success) return result('password', 400, { fieldErrors: fieldErrorsOf(parsed.error) });
      const account = await findPortalAccount(em, portal);
      if (!account) notFound();
      const changing = account.signInMethod === 'password';
      if (changing) {
        // Changing a password needs the current one: a session left open on a shared computer is not enough.
        const key = {
          scope: 'portal-sign-in' as const,
          account: portal.contactId,
          ip: args.context.clientIp,
        };
        const verdict = await checkThrottle(key);
        if (!verdict.allowed)
          return result('password', 429, { formError: throttleMessage(verdict.retryAfterSeconds) });
        const matches = await accountsMatchingPassword(em, {
          accounts: [account],
          password: parsed.data.currentPassword,
        });
        if (matches.length === 0) {
          await recordFailure(key);
          return result('password', 400, {
            fieldErrors: { currentPassword: 'This is not your current password' },
          });
        }
        await resetThrottle(key);
      }
      try {
        await setPortalPassword(em, actor, { ...portal, password: parsed.data.newPassword });
      } catch (error) {
        if (!isAppError(error, 'weak_password')) throw error;
        return result('password', 400, { fieldErrors: { newPassword: error.userMessage } });
      }
      if (changing) {
        await revokeSubjectSessions(em, actor, {
          subject,
          reason: 'password_changed',
          exceptSessionId: portal.sessionId,
        });
      }
      throw new RedirectError('/portal/account?saved=password');
    }

    if (intent === 'email_codes') {
      await choosePortalEmailCodes(em, actor, portal);
      throw new RedirectError('/portal/account?saved=codes');
    }

    if (intent === 'totp_start') {
      try {
        return result('totp', 200, { totp: await totpSetup(em, portal) });
      } catch (error) {
        if (!isAppError(error) || error.code !== 'conflict') throw error;
        return result('totp', 409, { formError: error.userMessage });
      }
    }

    if (intent === 'totp_confirm') {
      try {
        await confirmPortalTotp(em, actor, { ...portal, code: formText(form, 'code') });
      } catch (error) {
        if (!isAppError(error) || error.code !== 'invalid_input') throw error;
        return result('totp', 400, {
          fieldErrors: { code: error.userMessage },
          totp: await totpSetup(em, portal),
        });
      }
      throw new RedirectError('/portal/account?saved=totp');
    }

    if (intent === 'totp_remove') {
      try {
        await removePortalTotp(em, actor, { ...portal, code: formText(form, 'code') });
      } catch (error) {
        if (!isAppError(error) || (error.code !== 'invalid_input' && error.code !== 'conflict')) throw error;
        return result('totp_remove', 400, { fieldErrors: { removeCode: error.userMessage } });
      }
      throw new RedirectError('/portal/account?saved=totp-removed');
    }

    if (intent === 'sign_out_others') {
      await revokeSubjectSessions(em, actor, {
        subject,
        reason: 'signed_out_everywhere',
        exceptSessionId: portal.sessionId,
      });
      throw new RedirectError('/portal/account?saved=signed-out-others');
    }

    return result('password', 400, {
      formError: 'This form is not recognised. Reload the page and try again.',
    });
  });
}

export default function PortalAccount() {
  const { account, notice, passwordMinLength: minLength } = useLoaderData<typeof loader>();
  const outcome = useActionData<typeof action>();
  const navigation = useNavigation();
  const busy = navigation.state !== 'idle' ? navigation.formData?.get('intent') : null;
  const errorsOf = (form: TActionResult['form']) => (outcome?.form === form ? outcome.fieldErrors : {});
  const formErrorOf = (form: TActionResult['form']) => (outcome?.form === form ? outcome.formError : null);
  const hasPassword = account.signInMethod === 'password';
  const totpSetupShown = outcome?.form === 'totp' ? outcome.totp : null;

  return (
    <>
      <p className="portal-greeting">
        <Link to="/portal">← Back to your portal</Link>
      </p>
      {notice ? <Notice tone="success">{notice}</Notice> : null}
      <section className="portal-card" aria-labelledby="signin-title">
        <h1 id="signin-title">How you sign in</h1>
        <p>
          {account.signInMethod === 'password'
            ? `With your email address (${account.email}) and your password${account.passwordSet ? `, set ${account.passwordSet}` : ''}.`
            : account.signInMethod === 'email_code'
              ? `With a 6-digit code we email to ${account.email} each time.`
              : `You have not chosen yet. Until you do, you can sign in with a code emailed to ${account.email}.`}
        </p>

        <h2 id="password">{hasPassword ? 'Change your password' : 'Create a password'}</h2>
        <Form method="post" noValidate className="stack portal-form">
          <CsrfInput />
          <input type="hidden" name="intent" value="password" />
          <FormError message={formErrorOf('password')} />
          {hasPassword ? (
            <TextField
              name="currentPassword"
              label="Current password"
              type="password"
              autoComplete="current-password"
              error={errorsOf('password').currentPassword}
              required
            />
          ) : null}
          <input type="hidden" name="username" value={account.email} autoComplete="username" />
          <TextField
            name="newPassword"
            label={hasPassword ? 'New password' : 'Password'}
            type="password"
            autoComplete="new-password"
            hint={`At least ${minLength} characters. A few unrelated words make a strong password that is easy to remember.`}
            error={errorsOf('password').newPassword}
            required
          />
          <TextField
            name="confirmPassword"
            label="Type it again"
            type="password"
            autoComplete="new-password"
            error={errorsOf('password').confirmPassword}
            required
          />
          <button
            type="submit"
            className="button button-primary button-block button-large"
            disabled={Boolean(busy)}
          >
            {busy === 'password' ? 'Saving…' : 'Save password'}
          </button>
        </Form>

        {account.signInMethod !== 'email_code' ? (
          <>
            <h2>Or use emailed codes</h2>
            <p className="muted">
              {hasPassword
                ? 'Prefer not to keep a password? We can email you a 6-digit code each time instead. Your password will stop working.'
                : 'No password to remember: we email you a 6-digit code each time you sign in.'}
            </p>
            <Form method="post">
              <CsrfInput />
              <input type="hidden" name="intent" value="email_codes" />
              <button type="submit" className="button button-secondary button-block" disabled={Boolean(busy)}>
                {hasPassword ? 'Remove my password and use emailed codes' : 'Email me a code each time'}
              </button>
            </Form>
          </>
        ) : null}
      </section>

      <section className="portal-card" aria-labelledby="totp-title">
        <h2 id="totp-title">Authenticator app (optional)</h2>
        {account.totpSince ? (
          <>
            <p>
              On since {account.totpSince}. Each time you sign in we also ask for the code your app shows.
            </p>
            <Form method="post" noValidate className="stack portal-form">
              <CsrfInput />
              <input type="hidden" name="intent" value="totp_remove" />
              <TextField
                name="code"
                label="Code from your app, to remove it"
                inputMode="numeric"
                autoComplete="one-time-code"
                maxLength={9}
                error={errorsOf('totp_remove').removeCode}
              />
              <button type="submit" className="button button-secondary button-block" disabled={Boolean(busy)}>
                Remove authenticator app
              </button>
            </Form>
          </>
        ) : account.signInMethod === null ? (
          <p className="muted">
            Choose how you sign in first (a password or emailed codes). Then you can add an app here.
          </p>
        ) : totpSetupShown ? (
          <>
            <ol className="portal-steps">
              <li>
                Open an authenticator app on your phone (for example Google Authenticator or Microsoft
                Authenticator).
              </li>
              <li>Add an account and scan this code.</li>
              <li>Type the 6-digit code the app shows.</li>
            </ol>
            <p className="portal-qr">
              <img
                src={totpSetupShown.qr}
                alt="QR code to add this portal to your authenticator app"
                width={200}
                height={200}
              />
            </p>
            <p className="small muted">
              Cannot scan? Enter this key in the app instead: <code>{totpSetupShown.secret}</code>
            </p>
            <Form method="post" noValidate className="stack portal-form">
              <CsrfInput />
              <input type="hidden" name="intent" value="totp_confirm" />
              <TextField
                name="code"
                label="6-digit code from the app"
                inputMode="numeric"
                autoComplete="one-time-code"
                maxLength={9}
                error={errorsOf('totp').code}
                required
              />
              <button
                type="submit"
                className="button button-primary button-block button-large"
                disabled={Boolean(busy)}
              >
                {busy === 'totp_confirm' ? 'Checking…' : 'Turn on'}
              </button>
            </Form>
          </>
        ) : (
          <>
            <p className="muted">
              For extra safety, also ask for a code from an app on your phone each time you sign in.
            </p>
            <FormError message={formErrorOf('totp')} />
            <Form method="post">
              <CsrfInput />
              <input type="hidden" name="intent" value="totp_start" />
              <button type="submit" className="button button-secondary button-block" disabled={Boolean(busy)}>
                Set up an authenticator app
              </button>
            </Form>
          </>
        )}
      </section>

      <section className="portal-card" aria-labelledby="devices-title">
        <h2 id="devices-title">Other devices</h2>
        <p className="muted">Signed in on a computer you no longer use? Sign out everywhere except here.</p>
        <Form method="post">
          <CsrfInput />
          <input type="hidden" name="intent" value="sign_out_others" />
          <button type="submit" className="button button-ghost button-block" disabled={Boolean(busy)}>
            Sign out everywhere else
          </button>
        </Form>
      </section>
    </>
  );
}

export function ErrorBoundary() {
  return <PortalErrorBoundary />;
}
