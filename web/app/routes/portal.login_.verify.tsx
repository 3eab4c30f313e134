import { data } from '@remix-run/node';
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, useActionData, useNavigation } from '@remix-run/react';
import { currentSession } from '../auth/session.server';
import { RedirectError } from '../http/redirect.server';
import { publicRoute } from '../http/route.server';
import { PortalErrorBoundary } from '../portal/portal-error';
import { verifySecondFactor } from '../portal/portal-sign-in.server';
import { FormError, TextField } from '../ui/components';
import { CsrfInput } from '../ui/csrf-input';

export const meta: MetaFunction = () => [
  { title: 'Authenticator code · Client portal' },
  { name: 'robots', content: 'noindex' },
];

/** The second step for a contact who added an authenticator app. Nothing else of the portal opens before it. */
export async function loader(args: LoaderFunctionArgs) {
  return publicRoute(args, async () => {
    const current = await currentSession(args.request, 'portal');
    if (current.state !== 'active') throw new RedirectError('/portal/login');
    if (!current.secondFactorPending) throw new RedirectError('/portal');
    return {};
  });
}

export async function action(args: ActionFunctionArgs) {
  return publicRoute(args, async () => {
    const outcome = await verifySecondFactor(args.request, args.context, await args.request.formData());
    return data(
      { fieldErrors: outcome.fieldErrors, formError: outcome.formError },
      { status: outcome.status },
    );
  });
}

export default function VerifyAuthenticator() {
  const result = useActionData<typeof action>();
  const busy = useNavigation().state !== 'idle';
  return (
    <section className="portal-card" aria-labelledby="verify-title">
      <h1 id="verify-title">Enter the code from your authenticator app</h1>
      <p className="muted">Open the app on your phone and type the 6-digit code it shows for this portal.</p>
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
        <button type="submit" className="button button-primary button-block button-large" disabled={busy}>
          {busy ? 'Checking…' : 'Continue'}
        </button>
      </Form>
      <Form method="post" action="/portal/logout" className="portal-form">
        <CsrfInput />
        <button type="submit" className="button button-ghost button-block">
          Cancel and sign out
        </button>
      </Form>
    </section>
  );
}

export function ErrorBoundary() {
  return <PortalErrorBoundary />;
}
