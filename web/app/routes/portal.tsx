import type { LoaderFunctionArgs } from '@remix-run/node';
import { Form, Link, Outlet, useLoaderData, useRouteError } from '@remix-run/react';
import { handleRouteErrors } from '../http/route.server';
import { describeRouteError } from '../http/route-error';
import { optionalPortalUser } from '../portal/portal-session.server';
import { CsrfInput } from '../ui/csrf-input';
import { ErrorPanel } from '../ui/error-panel';

/** Who is signed in, for the header (sign-in pages and invitation links show it without a session). */
export async function loader({ request, context }: LoaderFunctionArgs) {
  return handleRouteErrors(context, async () => {
    const user = await optionalPortalUser(request);
    return {
      user: user
        ? {
            firstName: user.contactName.split(/\s+/)[0] ?? user.contactName,
            firmName: user.firmName,
          }
        : null,
    };
  });
}

function Frame({
  user,
  children,
}: {
  user: { firstName: string; firmName: string } | null;
  children: React.ReactNode;
}) {
  return (
    <div className="portal">
      <header className="portal-header">
        <Link to="/portal" className="portal-home-link">
          <span className="brand-mark" aria-hidden="true">
            CPA
          </span>
          <span className="portal-title">{user ? user.firmName : 'Client portal'}</span>
        </Link>
        {user ? (
          <nav aria-label="Your account" className="portal-header-nav">
            <Link to="/portal/account" className="portal-header-link">
              Account
            </Link>
            <Form method="post" action="/portal/logout">
              <CsrfInput />
              <button type="submit" className="button button-ghost button-small">
                Sign out
              </button>
            </Form>
          </nav>
        ) : null}
      </header>
      <main id="main" className="portal-main">
        {children}
      </main>
      <footer className="portal-footer">Your details are sent securely to your accounting firm.</footer>
    </div>
  );
}

/** The client portal's frame: one column, large tap targets, nothing of the staff app. */
export default function PortalLayout() {
  const { user } = useLoaderData<typeof loader>();
  return (
    <Frame user={user}>
      <Outlet />
    </Frame>
  );
}

/** A failure of the frame itself (its loader): the page still looks like the portal. */
export function ErrorBoundary() {
  const shown = describeRouteError(useRouteError());
  return (
    <Frame user={null}>
      <ErrorPanel error={shown} homeHref="/portal" />
    </Frame>
  );
}
