/**
 * /portal/connect/quickbooks: a client connects their own QuickBooks Online company for the firm's
 * bookkeeping, or reconnects it when QuickBooks stopped accepting the connection. `?start=1` starts
 * the sign-in at Intuit (a link, as a form post may not leave the site under this app's CSP); the
 * state is bound to this contact and client.
 */
import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { IntegrationConnection } from '../../../db/integrations/integration-connection.entity';
import { portalRoute } from '../http/route.server';
import { RedirectError } from '../http/redirect.server';
import { beginQuickbooksConnect, connectOutcomeMessage } from '../ledger/quickbooks-connect.server';
import { PortalErrorBoundary } from '../portal/portal-error';
import { ledger } from '../services.server';
import { Notice } from '../ui/components';

export const meta: MetaFunction = () => [
  { title: 'Connect QuickBooks · Client portal' },
  { name: 'robots', content: 'noindex' },
];

const pagePath = '/portal/connect/quickbooks';

export async function loader(args: LoaderFunctionArgs) {
  return portalRoute(args, async ({ portal, em }) => {
    const url = new URL(args.request.url);
    if (url.searchParams.get('start') === '1') {
      const authorizeUrl = await beginQuickbooksConnect({
        organizationId: portal.organizationId,
        clientId: portal.clientId,
        initiator: { type: 'contact', contactId: portal.contactId },
        returnTo: pagePath,
      });
      throw new RedirectError(authorizeUrl);
    }
    const connection = await em.findOne(
      IntegrationConnection,
      {
        organization: portal.organizationId,
        client: portal.clientId,
        provider: 'quickbooks',
        status: { $ne: 'disconnected' },
      },
      { fields: ['status', 'companyName'] },
    );
    return {
      firmName: portal.firmName,
      configured: ledger() !== null,
      status: connection?.status ?? null,
      companyName: connection?.companyName ?? null,
      outcome: connectOutcomeMessage(url.searchParams.get('quickbooks')),
    };
  });
}

export default function ConnectQuickbooks() {
  const { firmName, configured, status, companyName, outcome } = useLoaderData<typeof loader>();
  return (
    <section className="portal-card" aria-labelledby="qbo-title">
      <h1 id="qbo-title">Your QuickBooks</h1>
      {outcome ? <Notice tone={outcome.tone}>{outcome.text}</Notice> : null}
      {status === 'connected' ? (
        <p>
          {companyName ? <strong>{companyName}</strong> : 'Your QuickBooks company'} is connected. {firmName}{' '}
          can keep your books up to date each month. You can remove the connection at any time in QuickBooks
          under Apps.
        </p>
      ) : (
        <>
          <p>
            {status === 'reconnect_needed'
              ? `QuickBooks stopped accepting the connection to ${firmName}. Please connect it again so your monthly bookkeeping can continue.`
              : `Connect your QuickBooks Online company so ${firmName} can do your monthly bookkeeping. You sign in at QuickBooks and choose the company; we never see your QuickBooks password.`}
          </p>
          {configured ? (
            <p>
              <Link
                to={`${pagePath}?start=1`}
                reloadDocument
                className="button button-primary button-block button-large"
              >
                {status === 'reconnect_needed' ? 'Reconnect QuickBooks' : 'Connect QuickBooks'}
              </Link>
            </p>
          ) : (
            <Notice tone="warning">
              Connecting QuickBooks is not available right now. Please ask {firmName}.
            </Notice>
          )}
        </>
      )}
      <p>
        <Link to="/portal">Back to your portal home</Link>
      </p>
    </section>
  );
}

export function ErrorBoundary() {
  return <PortalErrorBoundary />;
}
