import { Link, useRouteError } from '@remix-run/react';
import { describeRouteError } from '../http/route-error';
import { ErrorPanel } from '../ui/error-panel';

/**
 * The error boundary of portal pages, in words a client understands: a page that needs signing in
 * offers the sign-in page; a missing page (or another client's) goes back home.
 */
export function PortalErrorBoundary() {
  const shown = describeRouteError(useRouteError());
  if (shown.status === 401) {
    return (
      <section className="portal-card" aria-labelledby="signin-title">
        <h1 id="signin-title">Please sign in</h1>
        <p>{shown.message}</p>
        <p>
          <Link to="/portal/login" className="button button-primary button-block button-large">
            Sign in
          </Link>
        </p>
      </section>
    );
  }
  if (shown.status === 404) {
    return (
      <section className="portal-card" aria-labelledby="missing-title">
        <h1 id="missing-title">We could not find this page</h1>
        <p>{shown.message} It may have been moved, or the link may be incomplete.</p>
        <p>
          <Link to="/portal" className="button button-secondary button-block">
            Go to your portal home
          </Link>
        </p>
      </section>
    );
  }
  return <ErrorPanel error={shown} homeHref="/portal" />;
}
