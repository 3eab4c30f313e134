import { data } from '@remix-run/node';
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, useActionData, useLoaderData, useNavigation, useSearchParams } from '@remix-run/react';
import { z } from 'zod';
import { changePassword } from '../../../db/auth/change-password';
import { listAuthSessions } from '../../../db/auth/list-auth-sessions';
import { countUnusedRecoveryCodes, recoveryCodeCount } from '../../../db/auth/recovery-codes';
import { regenerateRecoveryCodes } from '../../../db/auth/regenerate-recovery-codes';
import { revokeAuthSession, revokeSubjectSessions } from '../../../db/auth/revoke-auth-sessions';
import type { TSessionSubject } from '../../../db/auth/session-subject';
import { TotpFactor } from '../../../db/auth/totp-factor.entity';
import { User } from '../../../db/users/user.entity';
import { isAppError } from '../../../lib/errors';
import { passwordMinLength } from '../../../lib/password-length';
import type { TStaff } from '../auth/guards.server';
import { formText } from '../auth/form-text.server';
import { clearSessionCookie, sessionLifetimes } from '../auth/session.server';
import { countFailure, sendSecurityNotice, throttleRefusal } from '../auth/staff-sign-in.server';
import { resetThrottle, type TThrottleKey } from '../auth/throttle.server';
import { describeUserAgent } from '../auth/user-agent';
import type { TFieldErrors } from '../forms/validation.server';
import { RedirectError } from '../http/redirect.server';
import { notFound, staffRoute } from '../http/route.server';
import { FormError, Notice, PageHeader, TextField } from '../ui/components';
import { CsrfInput } from '../ui/csrf-input';
import { dateFormat } from '../ui/dates.server';
import { PageErrorBoundary } from '../ui/error-panel';
import { RecoveryCodes } from '../ui/recovery-codes';

export const meta: MetaFunction = () => [{ title: 'Account and security · CPA Platform' }];

/** "30 minutes", "12 hours", "45 seconds". */
function duration(seconds: number): string {
  const [value, unit] =
    seconds % 3600 === 0
      ? [seconds / 3600, 'hour']
      : seconds % 60 === 0
        ? [seconds / 60, 'minute']
        : [seconds, 'second'];
  return `${value} ${unit}${value === 1 ? '' : 's'}`;
}

const subjectOf = (staff: TStaff): TSessionSubject => ({
  kind: 'staff',
  userId: staff.userId,
  organizationId: staff.organizationId,
});

export async function loader(args: LoaderFunctionArgs) {
  return staffRoute(args, 'account.manage', async ({ staff, em }) => {
    const format = dateFormat(staff.timeZone);
    const [user, factor, recoveryCodesLeft, sessions] = await Promise.all([
      em.findOneOrFail(User, { id: staff.userId }),
      em.findOne(TotpFactor, { user: staff.userId, confirmedAt: { $ne: null } }),
      countUnusedRecoveryCodes(em, staff.userId),
      listAuthSessions(em, { subject: subjectOf(staff) }),
    ]);
    const now = new Date();
    const lifetimes = sessionLifetimes('staff');
    return {
      lifetimes: { idle: duration(lifetimes.idleSeconds), absolute: duration(lifetimes.absoluteSeconds) },
      user: {
        name: user.name,
        email: user.email,
        passwordChanged: user.passwordChangedAt ? format.date(user.passwordChangedAt) : null,
      },
      mfa: {
        enabledSince: factor?.confirmedAt ? format.date(factor.confirmedAt) : null,
        recoveryCodesLeft,
        recoveryCodeCount,
      },
      sessions: sessions.map((session) => ({
        id: session.id,
        device: describeUserAgent(session.userAgent),
        ip: session.ip ?? 'unknown',
        signedIn: format.dateTime(session.createdAt),
        lastSeen: format.relative(session.lastSeenAt, now),
        current: session.id === staff.sessionId,
      })),
    };
  });
}

const ZIntent = z.enum([
  'change-password',
  'regenerate-codes',
  'revoke-session',
  'sign-out-others',
  'sign-out-everywhere',
]);

type TActionResult = {
  intent: z.infer<typeof ZIntent>;
  fieldErrors: TFieldErrors;
  formError: string | null;
  notice: string | null;
  recoveryCodes: string[] | null;
};

const result = (intent: TActionResult['intent'], fields: Partial<TActionResult> = {}): TActionResult => ({
  intent,
  fieldErrors: {},
  formError: null,
  notice: null,
  recoveryCodes: null,
  ...fields,
});

const plural = (count: number, one: string, many: string) => `${count} ${count === 1 ? one : many}`;

export async function action(args: ActionFunctionArgs) {
  return staffRoute(args, 'account.manage', async ({ staff, em, actor }) => {
    const { request, context } = args;
    const form = await request.formData();
    const intent = ZIntent.safeParse(form.get('intent'));
    if (!intent.success) notFound('This action');
    const subject = subjectOf(staff);

    switch (intent.data) {
      case 'change-password': {
        const newPassword = formText(form, 'newPassword');
        if (newPassword !== formText(form, 'confirmPassword')) {
          return data(
            result('change-password', {
              fieldErrors: { confirmPassword: 'The two passwords are not the same.' },
            }),
            { status: 400 },
          );
        }
        try {
          const { otherSessionsEnded } = await changePassword(em, actor, {
            userId: staff.userId,
            organizationId: staff.organizationId,
            currentPassword: formText(form, 'currentPassword'),
            newPassword,
            currentSessionId: staff.sessionId,
          });
          await sendSecurityNotice(context, {
            userId: staff.userId,
            organizationId: staff.organizationId,
            eventKey: `password-changed:${staff.sessionId}:${Date.now()}`,
            headline: 'Your password was changed',
            detail:
              'The password of your account was changed while you were signed in, and your other devices were signed out. If this was not you, reset your password at once and tell an owner of your firm.',
          });
          return result('change-password', {
            notice: `Your password was changed.${otherSessionsEnded ? ` ${plural(otherSessionsEnded, 'other device was', 'other devices were')} signed out.` : ''}`,
          });
        } catch (error) {
          if (!isAppError(error) || error.code !== 'invalid_input') throw error;
          const field = error.reason === 'wrong_current_password' ? 'currentPassword' : 'newPassword';
          return data(result('change-password', { fieldErrors: { [field]: error.userMessage } }), {
            status: 400,
          });
        }
      }

      case 'regenerate-codes': {
        const key: TThrottleKey = { scope: 'mfa', account: staff.userId, ip: context.clientIp };
        const account = { userId: staff.userId, organizationId: staff.organizationId };
        const refusal = await throttleRefusal(request, context, key, account);
        if (refusal) return data(result('regenerate-codes', { formError: refusal }), { status: 429 });
        try {
          const { recoveryCodes } = await regenerateRecoveryCodes(em, actor, {
            ...account,
            code: formText(form, 'code'),
          });
          await resetThrottle(key);
          return result('regenerate-codes', { recoveryCodes });
        } catch (error) {
          if (!isAppError(error) || error.code !== 'invalid_input') throw error;
          const throttled = await countFailure(request, context, key, account);
          return data(
            result(
              'regenerate-codes',
              throttled ? { formError: throttled } : { fieldErrors: { code: error.userMessage } },
            ),
            { status: throttled ? 429 : 400 },
          );
        }
      }

      case 'revoke-session': {
        const sessionId = z.uuid().safeParse(form.get('sessionId'));
        if (!sessionId.success) notFound('This session');
        const revoked = await revokeAuthSession(em, actor, {
          subject,
          sessionId: sessionId.data,
          reason: sessionId.data === staff.sessionId ? 'signed_out' : 'revoked_by_user',
        });
        if (sessionId.data === staff.sessionId) {
          throw new RedirectError('/login?reason=signed_out', {
            'Set-Cookie': await clearSessionCookie('staff'),
          });
        }
        return result('revoke-session', {
          notice: revoked ? 'That device was signed out.' : 'That session had already ended.',
        });
      }

      case 'sign-out-others': {
        const ended = await revokeSubjectSessions(em, actor, {
          subject,
          reason: 'signed_out_everywhere',
          exceptSessionId: staff.sessionId,
        });
        return result('sign-out-others', {
          notice: ended
            ? `${plural(ended, 'other device was', 'other devices were')} signed out.`
            : 'You were not signed in anywhere else.',
        });
      }

      case 'sign-out-everywhere': {
        await revokeSubjectSessions(em, actor, { subject, reason: 'signed_out_everywhere' });
        throw new RedirectError('/login?reason=signed_out', {
          'Set-Cookie': await clearSessionCookie('staff'),
        });
      }
    }
  });
}

export default function AccountSecurity() {
  const { user, mfa, sessions, lifetimes } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const [searchParams] = useSearchParams();
  const navigation = useNavigation();
  const busyIntent = navigation.state === 'submitting' ? navigation.formData?.get('intent') : null;
  const errorsFor = (intent: TActionResult['intent']) =>
    actionData?.intent === intent
      ? actionData
      : { fieldErrors: {} as TFieldErrors, formError: null, notice: null };
  const password = errorsFor('change-password');
  const codes = errorsFor('regenerate-codes');
  const sessionNotice =
    actionData && ['revoke-session', 'sign-out-others'].includes(actionData.intent)
      ? actionData.notice
      : null;
  const otherSessions = sessions.filter((session) => !session.current).length;

  return (
    <>
      <PageHeader title="Account and security" description={`${user.name} · ${user.email}`} />
      <div className="settings-sections">
        {searchParams.get('recovery') === 'used' ? (
          <Notice tone="warning">
            You signed in with a recovery code. {mfa.recoveryCodesLeft} of {mfa.recoveryCodeCount} codes are
            left. If you no longer have your authenticator app, ask an owner of your firm to reset your
            two-step sign-in; if you still have it, generate new recovery codes below.
          </Notice>
        ) : null}

        <section className="card" aria-labelledby="password-title">
          <h2 id="password-title">Password</h2>
          <p className="muted small">
            {user.passwordChanged ? `Last changed ${user.passwordChanged}. ` : ''}Changing it signs out your
            other devices.
          </p>
          {password.notice ? <Notice tone="success">{password.notice}</Notice> : null}
          <Form method="post" noValidate className="stack">
            <CsrfInput />
            <input type="hidden" name="intent" value="change-password" />
            <input type="email" name="username" value={user.email} autoComplete="username" hidden readOnly />
            <TextField
              name="currentPassword"
              label="Current password"
              type="password"
              autoComplete="current-password"
              required
              error={password.fieldErrors.currentPassword}
            />
            <TextField
              name="newPassword"
              label="New password"
              type="password"
              autoComplete="new-password"
              hint={`At least ${passwordMinLength} characters. A few unrelated words make a strong password.`}
              required
              error={password.fieldErrors.newPassword}
            />
            <TextField
              name="confirmPassword"
              label="New password again"
              type="password"
              autoComplete="new-password"
              required
              error={password.fieldErrors.confirmPassword}
            />
            <div>
              <button
                type="submit"
                className="button button-primary"
                disabled={busyIntent === 'change-password'}
              >
                {busyIntent === 'change-password' ? 'Changing…' : 'Change password'}
              </button>
            </div>
          </Form>
        </section>

        <section className="card" aria-labelledby="mfa-title">
          <h2 id="mfa-title">Two-step sign-in</h2>
          <p className="muted small">
            {mfa.enabledSince ? `On since ${mfa.enabledSince}, with an authenticator app. ` : ''}
            {mfa.recoveryCodesLeft > 0
              ? `${mfa.recoveryCodesLeft} of ${mfa.recoveryCodeCount} recovery codes unused.`
              : 'No unused recovery codes: make new ones, so that you can still sign in if you lose your phone.'}
          </p>
          {actionData?.intent === 'regenerate-codes' && actionData.recoveryCodes ? (
            <>
              <Notice tone="success">
                New recovery codes: your old ones no longer work. <strong>These are shown only now</strong>;
                keep them somewhere safe.
              </Notice>
              <RecoveryCodes codes={actionData.recoveryCodes} />
            </>
          ) : (
            <Form method="post" noValidate className="stack">
              <CsrfInput />
              <input type="hidden" name="intent" value="regenerate-codes" />
              <FormError message={codes.formError} />
              <div className="form-row">
                <TextField
                  name="code"
                  label="Code from your authenticator app"
                  hint="To make new recovery codes (the old ones stop working)."
                  autoComplete="one-time-code"
                  inputMode="numeric"
                  maxLength={7}
                  required
                  error={codes.fieldErrors.code}
                />
                <div>
                  <button
                    type="submit"
                    className="button button-secondary"
                    disabled={busyIntent === 'regenerate-codes'}
                  >
                    New recovery codes
                  </button>
                </div>
              </div>
            </Form>
          )}
        </section>

        <section className="card" aria-labelledby="sessions-title">
          <h2 id="sessions-title">Where you are signed in</h2>
          <p className="muted small">
            Sessions end after {lifetimes.idle} without activity and {lifetimes.absolute} after sign-in. Sign
            out a device you do not recognise, then change your password.
          </p>
          {sessionNotice ? <Notice tone="success">{sessionNotice}</Notice> : null}
          <ul className="session-list">
            {sessions.map((session) => (
              <li key={session.id}>
                <span className="session-device">
                  <strong>
                    {session.device}
                    {session.current ? ' · this device' : ''}
                  </strong>
                  <span className="session-meta">
                    IP {session.ip} · signed in {session.signedIn} · last active {session.lastSeen}
                  </span>
                </span>
                {session.current ? null : (
                  <Form method="post" className="inline-form">
                    <CsrfInput />
                    <input type="hidden" name="intent" value="revoke-session" />
                    <input type="hidden" name="sessionId" value={session.id} />
                    <button type="submit" className="button button-secondary button-small">
                      Sign out
                    </button>
                  </Form>
                )}
              </li>
            ))}
          </ul>
          <div className="member-actions">
            {otherSessions > 0 ? (
              <Form method="post" className="inline-form">
                <CsrfInput />
                <input type="hidden" name="intent" value="sign-out-others" />
                <button type="submit" className="button button-secondary button-small">
                  Sign out all other devices
                </button>
              </Form>
            ) : null}
            <Form method="post" className="inline-form">
              <CsrfInput />
              <input type="hidden" name="intent" value="sign-out-everywhere" />
              <button type="submit" className="button button-danger button-small">
                Sign out everywhere, including here
              </button>
            </Form>
          </div>
        </section>
      </div>
    </>
  );
}

export function ErrorBoundary() {
  return <PageErrorBoundary homeHref="/app" />;
}
