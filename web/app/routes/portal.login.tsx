import { data } from '@remix-run/node';
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { currentSession } from '../auth/session.server';
import { RedirectError } from '../http/redirect.server';
import { publicRoute } from '../http/route.server';
import { PortalErrorBoundary } from '../portal/portal-error';
import { safePortalReturnPath } from '../portal/portal-session.server';
import { rememberReturnPath, requestSignInCode, signInWithPassword } from '../portal/portal-sign-in.server';
import { FormError, Notice, TextField } from '../ui/components';
import { CsrfInput } from '../ui/csrf-input';

export const meta: MetaFunction = () => [
  { title: 'Sign in · Client portal' },
  { name: 'robots', content: 'noindex' },
];

export async function loader(args: LoaderFunctionArgs) {
  return publicRoute(args, async () => {
    const url = new URL(args.request.url);
    const redirectTo = url.searchParams.get('redirectTo');
    const current = await currentSession(args.request, 'portal');
    if (current.state === 'active') {
      if (current.secondFactorPending) throw new RedirectError('/portal/login/verify');
      throw new RedirectError(safePortalReturnPath(redirectTo) ?? '/portal');
    }
    // A page that needed signing in (an old bookmark): go back to it after any sign-in step.
    const remember = await rememberReturnPath(redirectTo);
    return data(
      { signedOut: url.searchParams.get('signedOut') === '1', returning: remember !== null },
      remember ? { headers: { 'Set-Cookie': remember } } : undefined,
    );
  });
}

/** `intent=password` signs in with the password; `intent=code` emails a one-time code instead. */
export async function action(args: ActionFunctionArgs) {
  return publicRoute(args, async () => {
    const form = await args.request.formData();
    const submitted = form.get('email');
    const email = typeof submitted === 'string' ? submitted.slice(0, 320) : '';
    const outcome =
      form.get('intent') === 'code'
        ? await requestSignInCode(args.request, args.context, form)
        : await signInWithPassword(args.request, args.context, form);
    return data(
      { fieldErrors: outcome.fieldErrors, formError: outcome.formError, email },
      { status: outcome.status },
    );
  });
}

export default function PortalLogin() {
  const { signedOut, returning } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const navigation = useNavigation();
  const busy = navigation.state !== 'idle' ? navigation.formData?.get('intent') : null;
  return (
    <section className="portal-card" aria-labelledby="login-title">
      {signedOut ? <Notice tone="success">You are signed out. See you next time.</Notice> : null}
      {returning ? (
        <Notice tone="info">Please sign in to open that page. You go straight back to it afterwards.</Notice>
      ) : null}
      <h1 id="login-title">Sign in to your client portal</h1>
      <p className="muted">
        First time here? Open the invitation link in the email from your accountant instead.
      </p>
      <Form method="post" noValidate className="stack portal-form">
        <CsrfInput />
        <FormError message={result?.formError} />
        <TextField
          name="email"
          label="Email"
          type="email"
          inputMode="email"
          autoComplete="username"
          spellCheck={false}
          defaultValue={result?.email}
          error={result?.fieldErrors.email}
          required
        />
        <TextField
          name="password"
          label="Password"
          type="password"
          autoComplete="current-password"
          error={result?.fieldErrors.password}
        />
        <button
          type="submit"
          name="intent"
          value="password"
          className="button button-primary button-block button-large"
          disabled={Boolean(busy)}
        >
          {busy === 'password' ? 'Signing in…' : 'Sign in'}
        </button>
        <p className="portal-or" aria-hidden="true">
          or
        </p>
        <button
          type="submit"
          name="intent"
          value="code"
          formNoValidate
          className="button button-secondary button-block button-large"
          disabled={Boolean(busy)}
        >
          {busy === 'code' ? 'Sending…' : 'Email me a sign-in code'}
        </button>
        <p className="small muted">
          No password, or forgot it? Enter your email and choose “Email me a sign-in code”.
        </p>
      </Form>
    </section>
  );
}

export function ErrorBoundary() {
  return <PortalErrorBoundary />;
}
