import { data } from '@remix-run/node';
import type { ActionFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { z } from 'zod';
import { passwordResetMinutes, requestPasswordReset } from '../../../db/auth/password-reset';
import { formText } from '../auth/form-text.server';
import { logEmailFailure, sendPasswordResetEmail } from '../auth/account-emails.server';
import { signInActor, staffAccountByEmail, throttleRefusal } from '../auth/staff-sign-in.server';
import { recordFailure, type TThrottleKey } from '../auth/throttle.server';
import { fieldErrorsOf, type TFieldErrors } from '../forms/validation.server';
import { publicRoute } from '../http/route.server';
import { FormError, Notice, TextField } from '../ui/components';
import { CsrfInput } from '../ui/csrf-input';
import { AuthErrorBoundary, AuthPage } from '../ui/auth-page';

export const meta: MetaFunction = () => [{ title: 'Reset your password · CPA Platform' }];

const ZForgotPasswordForm = z.object({
  email: z.string().trim().toLowerCase().pipe(z.email('Enter your email address, for example name@firm.com')),
});

interface TForgotResult {
  sent: boolean;
  fieldErrors: TFieldErrors;
  formError: string | null;
  email: string;
}

const reply = (fields: Partial<TForgotResult>): TForgotResult => ({
  sent: false,
  fieldErrors: {},
  formError: null,
  email: '',
  ...fields,
});

export function loader() {
  return { linkMinutes: passwordResetMinutes };
}

/**
 * Always answers the same, whether or not the email has an account, and sends the email without
 * waiting for the mail server, so neither the words nor the time taken say who has an account.
 */
export async function action(args: ActionFunctionArgs) {
  return publicRoute(args, async ({ em }) => {
    const { request, context } = args;
    const form = await request.formData();
    const parsed = ZForgotPasswordForm.safeParse({ email: form.get('email') ?? '' });
    if (!parsed.success) {
      return data(reply({ fieldErrors: fieldErrorsOf(parsed.error), email: formText(form, 'email') }), {
        status: 400,
      });
    }
    const { email } = parsed.data;
    const key: TThrottleKey = { scope: 'password-reset', account: email, ip: context.clientIp };
    const refusal = await throttleRefusal(request, context, key, () => staffAccountByEmail(email));
    if (refusal) {
      return data(reply({ formError: refusal, email }), { status: 429 });
    }
    await recordFailure(key);

    const issued = await requestPasswordReset(em, signInActor(request, context), { email });
    if (issued) {
      sendPasswordResetEmail(issued).catch((error: unknown) =>
        logEmailFailure(context, 'password reset', error),
      );
    }
    return reply({ sent: true, email });
  });
}

export default function ForgotPassword() {
  const { linkMinutes } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state === 'submitting';
  return (
    <AuthPage>
      <h1>Reset your password</h1>
      {result?.sent ? (
        <>
          <Notice tone="success">
            If an account exists for that email, we have sent it a link to choose a new password. The link
            works for {linkMinutes} minutes.
          </Notice>
          <p className="muted">
            Nothing arrived? Check your spam folder, and that you typed the address you sign in with.
          </p>
          <p className="auth-links">
            <Link to="/login">Back to sign-in</Link>
          </p>
        </>
      ) : (
        <>
          <p className="muted">
            Enter the email you sign in with. We will send you a link to choose a new password.
          </p>
          <Form method="post" noValidate className="stack">
            <CsrfInput />
            <FormError message={result?.formError} />
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
            <button type="submit" className="button button-primary button-block" disabled={busy}>
              {busy ? 'Sending…' : 'Send reset link'}
            </button>
          </Form>
          <p className="auth-links">
            <Link to="/login">Back to sign-in</Link>
          </p>
        </>
      )}
    </AuthPage>
  );
}

export function ErrorBoundary() {
  return <AuthErrorBoundary />;
}
