import { data } from '@remix-run/node';
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { RedirectError } from '../http/redirect.server';
import { publicRoute } from '../http/route.server';
import { PortalErrorBoundary } from '../portal/portal-error';
import {
  codeEmail,
  codeSentMessage,
  requestSignInCode,
  signInWithCode,
} from '../portal/portal-sign-in.server';
import { FormError, Notice, TextField } from '../ui/components';
import { CsrfInput } from '../ui/csrf-input';

export const meta: MetaFunction = () => [
  { title: 'Enter your code · Client portal' },
  { name: 'robots', content: 'noindex' },
];

/** The step after "Email me a sign-in code": the address is in a short-lived signed cookie. */
export async function loader(args: LoaderFunctionArgs) {
  return publicRoute(args, async () => {
    const email = await codeEmail(args.request);
    if (!email) throw new RedirectError('/portal/login');
    return { email, notice: codeSentMessage };
  });
}

/** `intent=verify` checks the code; `intent=resend` emails a new one (the old one stops working). */
export async function action(args: ActionFunctionArgs) {
  return publicRoute(args, async () => {
    const email = await codeEmail(args.request);
    if (!email) throw new RedirectError('/portal/login');
    const form = await args.request.formData();
    if (form.get('intent') === 'resend') {
      form.set('email', email);
      const outcome = await requestSignInCode(args.request, args.context, form);
      return data(
        { fieldErrors: outcome.fieldErrors, formError: outcome.formError },
        { status: outcome.status },
      );
    }
    const outcome = await signInWithCode(args.request, args.context, email, form);
    return data(
      { fieldErrors: outcome.fieldErrors, formError: outcome.formError },
      { status: outcome.status },
    );
  });
}

export default function PortalLoginCode() {
  const { email, notice } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const navigation = useNavigation();
  const busy = navigation.state !== 'idle' ? navigation.formData?.get('intent') : null;
  return (
    <section className="portal-card" aria-labelledby="code-title">
      <h1 id="code-title">Check your email</h1>
      <Notice>{notice}</Notice>
      <p>
        We sent it to <strong>{email}</strong>. <Link to="/portal/login">Use another address</Link>
      </p>
      <Form method="post" noValidate className="stack portal-form">
        <CsrfInput />
        <FormError message={result?.formError} />
        <TextField
          name="code"
          label="6-digit code"
          inputMode="numeric"
          autoComplete="one-time-code"
          pattern="[0-9 ]*"
          maxLength={9}
          error={result?.fieldErrors.code}
          required
        />
        <button
          type="submit"
          name="intent"
          value="verify"
          className="button button-primary button-block button-large"
          disabled={Boolean(busy)}
        >
          {busy === 'verify' ? 'Checking…' : 'Sign in'}
        </button>
      </Form>
      <Form method="post" className="portal-form">
        <CsrfInput />
        <button
          type="submit"
          name="intent"
          value="resend"
          className="button button-ghost button-block"
          disabled={Boolean(busy)}
        >
          {busy === 'resend' ? 'Sending…' : 'Send me a new code'}
        </button>
      </Form>
    </section>
  );
}

export function ErrorBoundary() {
  return <PortalErrorBoundary />;
}
