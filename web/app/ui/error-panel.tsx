import { Link, useRouteError } from '@remix-run/react';
import { describeRouteError, type TShownError } from '../http/route-error';

/** A readable error: title, message, and for unexpected errors the reference to quote. Never a stack. */
export function ErrorPanel({ error, homeHref }: { error: TShownError; homeHref?: string }) {
  return (
    <section className="card error-panel" aria-labelledby="error-title">
      <p className="eyebrow">Error {error.status}</p>
      <h1 id="error-title">{error.title}</h1>
      <p>{error.message}</p>
      {error.requestId ? (
        <p className="muted small">
          Reference: <code>{error.requestId}</code>
        </p>
      ) : null}
      {homeHref ? (
        <p>
          <Link className="button button-secondary" to={homeHref}>
            Go to the start page
          </Link>
        </p>
      ) : null}
    </section>
  );
}

/** The error boundary of pages inside a layout: the navigation stays, the page shows the error. */
export function PageErrorBoundary({ homeHref }: { homeHref?: string }) {
  return <ErrorPanel error={describeRouteError(useRouteError())} homeHref={homeHref} />;
}
