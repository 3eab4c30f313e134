import { data } from '@remix-run/node';
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { findUsablePasswordReset, resetPasswordWithToken } from '../../../db/auth/password-reset';
import { isAppError } from '../../../lib/errors';
import { passwordMinLength } from '../../../lib/password-length';
import { formText } from '../auth/form-text.server';
import { clearSessionCookie } from '../auth/session.server';
import { sendSecurityNotice, signInActor } from '../auth/staff-sign-in.server';
import { RedirectError } from '../http/redirect.server';
import { publicRoute } from '../http/route.server';
import { AuthErrorBoundary, AuthPage } from '../ui/auth-page';
import { FormError, TextField } from '../ui/components';
import { CsrfInput } from '../ui/csrf-input';

export const meta: MetaFunction = () => [
  { title: 'Choose a new password · CPA Platform' },
  { name: 'robots', content: 'noindex' },
];

/** A link that cannot be used (unknown, used, expired) answers with its reason and a way forward. */
function linkProblem(error: unknown) {
  if (!isAppError(error) || !['not_found', 'expired'].includes(error.code)) throw error;
  return data({ problem: error.userMessage, email: null }, { status: error.httpStatus });
}

export async function loader(args: LoaderFunctionArgs) {
  return publicRoute(args, async ({ em }) => {
    try {
      const reset = await findUsablePasswordReset(em, { token: args.params.token ?? '' });
      return { problem: null, email: reset.user.email };
    } catch (error) {
      return linkProblem(error);
    }
  });
}

export async function action(args: ActionFunctionArgs) {
  return publicRoute(args, async ({ em }) => {
    const { request, context } = args;
    const form = await request.formData();
    const password = formText(form, 'password');
    const confirm = formText(form, 'confirmPassword');
    if (password !== confirm) {
      return data(
        { problem: null, fieldErrors: { confirmPassword: 'The two passwords are not the same.' } },
        { status: 400 },
      );
    }
    let result;
    try {
      result = await resetPasswordWithToken(em, signInActor(request, context), {
        token: args.params.token ?? '',
        newPassword: password,
      });
    } catch (error) {
      if (isAppError(error) && error.code === 'invalid_input') {
        return data({ problem: null, fieldErrors: { password: error.userMessage } }, { status: 400 });
      }
      return linkProblem(error);
    }
    await sendSecurityNotice(context, {
      userId: result.userId,
      organizationId: result.organizationId,
      eventKey: `password-reset:${result.tokenId}`,
      headline: 'Your password was reset',
      detail: `The password of your account was reset with an emailed link, and every device signed in to it (${result.sessionsEnded}) was signed out. If this was not you, reset your password again at once and tell an owner of your firm.`,
    });
    throw new RedirectError('/login?reason=password_reset', {
      'Set-Cookie': await clearSessionCookie('staff'),
    });
  });
}

export default function ResetPassword() {
  const { problem, email } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state === 'submitting';
  const shownProblem = result?.problem ?? problem;
  const fieldErrors: Record<string, string> =
    (result && 'fieldErrors' in result ? result.fieldErrors : null) ?? {};

  return (
    <AuthPage>
      <h1>Choose a new password</h1>
      {shownProblem ? (
        <>
          <FormError message={shownProblem} />
          <p className="auth-links">
            <Link to="/forgot-password">Request a new link</Link> · <Link to="/login">Sign in</Link>
          </p>
        </>
      ) : (
        <>
          <p className="muted">
            For <strong>{email}</strong>. Use at least {passwordMinLength} characters; a few unrelated words
            work well. Every device signed in to your account will be signed out.
          </p>
          <Form method="post" noValidate className="stack">
            <CsrfInput />
            <input type="email" name="username" value={email ?? ''} autoComplete="username" hidden readOnly />
            <TextField
              name="password"
              label="New password"
              type="password"
              autoComplete="new-password"
              required
              minLength={passwordMinLength}
              error={fieldErrors.password}
            />
            <TextField
              name="confirmPassword"
              label="New password again"
              type="password"
              autoComplete="new-password"
              required
              error={fieldErrors.confirmPassword}
            />
            <button type="submit" className="button button-primary button-block" disabled={busy}>
              {busy ? 'Saving…' : 'Set new password'}
            </button>
          </Form>
        </>
      )}
    </AuthPage>
  );
}

export function ErrorBoundary() {
  return <AuthErrorBoundary />;
}
