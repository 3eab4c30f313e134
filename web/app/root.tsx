import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Links, Meta, Outlet, Scripts, ScrollRestoration, useRouteError } from '@remix-run/react';
import type { ReactNode } from 'react';
import { describeRouteError } from './http/route-error';
import styles from './styles/app.css?url';
import { ErrorPanel } from './ui/error-panel';
import { useNonce } from './ui/nonce';
import type { TRootData } from './ui/csrf-input';

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: styles },
  { rel: 'icon', href: '/favicon.svg', type: 'image/svg+xml' },
];

/** Data every page can read with useRouteLoaderData('root'): the CSRF form token. */
export function loader({ context }: LoaderFunctionArgs): TRootData {
  return { csrfToken: context.csrfToken };
}

export const meta: MetaFunction = () => [{ title: 'CPA Platform' }];

export function Layout({ children }: { children: ReactNode }) {
  const nonce = useNonce();
  return (
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light" />
        <Meta />
        <Links />
      </head>
      <body>
        {children}
        <ScrollRestoration nonce={nonce} />
        <Scripts nonce={nonce} />
      </body>
    </html>
  );
}

export default function App() {
  return <Outlet />;
}

export function ErrorBoundary() {
  const shown = describeRouteError(useRouteError());
  return (
    <main className="standalone">
      <ErrorPanel error={shown} homeHref="/" />
    </main>
  );
}
