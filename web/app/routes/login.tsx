import { data } from '@remix-run/node';
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, useActionData, useLoaderData, useNavigation, useSearchParams } from '@remix-run/react';
import { demoLogins } from '../../../db/seed/demo-logins';
import { authenticator, SignInError } from '../auth/authenticator.server';
import { optionalStaff, safeRedirectPath } from '../auth/guards.server';
import { getStaffSession, staffSessionStorage } from '../auth/session.server';
import { webEnv } from '../env.server';
import { RedirectError } from '../http/redirect.server';
import { handleRouteErrors } from '../http/route.server';
import { FormError, TextField } from '../ui/components';
import { PageErrorBoundary } from '../ui/error-panel';
import { verifyCsrf } from '../http/csrf.server';
import { CsrfInput } from '../ui/csrf-input';

export const meta: MetaFunction = () => [{ title: 'Sign in · CPA Platform' }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  return handleRouteErrors(context, async () => {
    const url = new URL(request.url);
    if (await optionalStaff(request))
      throw new RedirectError(safeRedirectPath(url.searchParams.get('redirectTo')));
    const isDevelopment = webEnv().NODE_ENV === 'development';
    return {
      demoLogins: isDevelopment
        ? demoLogins
            .filter((login) => !login.note)
            .map(({ role, email, password }) => ({ role, email, password }))
        : [],
    };
  });
}

export async function action({ request, context }: ActionFunctionArgs) {
  return handleRouteErrors(context, async () => {
    await verifyCsrf(request);
    const form = await request.clone().formData();
    const submittedEmail = form.get('email');
    const email = typeof submittedEmail === 'string' ? submittedEmail : '';
    try {
      const staff = await authenticator().authenticate('form', request);
      const session = await getStaffSession(request);
      session.set('userId', staff.userId);
      session.set('organizationId', staff.organizationId);
      session.set('role', staff.role);
      throw new RedirectError(safeRedirectPath(form.get('redirectTo')), {
        'Set-Cookie': await staffSessionStorage().commitSession(session),
      });
    } catch (error) {
      if (!(error instanceof SignInError)) throw error;
      return data(
        { fieldErrors: error.fieldErrors, formError: error.formError ?? null, email },
        { status: error.formError ? 401 : 400 },
      );
    }
  });
}

export default function Login() {
  const { demoLogins } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const [searchParams] = useSearchParams();
  const navigation = useNavigation();
  const busy = navigation.state === 'submitting';

  return (
    <main className="auth-page">
      <div className="auth-card card">
        <p className="brand-mark" aria-hidden="true">
          CPA
        </p>
        <h1>Sign in</h1>
        <p className="muted">Staff sign-in for your firm’s workspace.</p>
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
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            <p className="small muted">
              Password for all: <code>{demoLogins[0]?.password}</code>
            </p>
          </details>
        ) : null}
      </div>
    </main>
  );
}

export function ErrorBoundary() {
  return (
    <main className="auth-page">
      <PageErrorBoundary homeHref="/login" />
    </main>
  );
}
