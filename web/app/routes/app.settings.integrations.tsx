/**
 * Settings → Integrations: each client's QuickBooks connection (connected, reconnect needed with
 * the reason, disconnected), connecting a client (find it, then "Connect QuickBooks"), reconnecting
 * and disconnecting. Permission: integrations.manage.
 */
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, Link, useLoaderData, useNavigation } from '@remix-run/react';
import { Client } from '../../../db/clients/client.entity';
import { disconnectLedgerCompany } from '../../../db/integrations/disconnect-ledger-company';
import {
  IntegrationConnection,
  type TConnectionStatus,
} from '../../../db/integrations/integration-connection.entity';
import { readConnectionRefreshToken } from '../../../db/integrations/read-connection-refresh-token';
import { isUuid } from '../../../lib/ids';
import { AppError } from '../../../lib/errors';
import { staffRoute } from '../http/route.server';
import { RedirectError } from '../http/redirect.server';
import { connectOutcomeMessage, withOutcome } from '../ledger/quickbooks-connect.server';
import { ledger } from '../services.server';
import { EmptyState, Notice, PageHeader, StatusBadge } from '../ui/components';
import { CsrfInput } from '../ui/csrf-input';
import { dateFormat } from '../ui/dates.server';
import { PageErrorBoundary } from '../ui/error-panel';

export const meta: MetaFunction = () => [{ title: 'Integrations · CPA Platform' }];

const pagePath = '/app/settings/integrations';
const statusOrder = { reconnect_needed: 0, connected: 1, disconnected: 2 } as const;
const statusLabel = {
  connected: 'Connected',
  reconnect_needed: 'Reconnect needed',
  disconnected: 'Disconnected',
} as const;
const statusTone = { connected: 'done', reconnect_needed: 'failed', disconnected: 'inactive' } as const;

const statusOf = (status: TConnectionStatus): TConnectionStatus => status;

const connectHref = (clientId: string) =>
  `${pagePath}/quickbooks/connect?${new URLSearchParams({ clientId }).toString()}`;

export async function loader(args: LoaderFunctionArgs) {
  return staffRoute(args, 'integrations.manage', async ({ staff, em }) => {
    const url = new URL(args.request.url);
    const search = (url.searchParams.get('q') ?? '').trim().slice(0, 100);
    const format = dateFormat(staff.timeZone);
    const configured = ledger();

    const connections = await em.find(
      IntegrationConnection,
      { organization: staff.organizationId, provider: 'quickbooks' },
      { populate: ['client'], orderBy: { updatedAt: 'desc' }, limit: 500 },
    );
    const rows = connections
      .map((c) => ({
        id: c.id,
        clientId: c.client.id,
        clientName: c.client.displayName,
        companyName: c.companyName ?? null,
        realmId: c.externalId,
        status: statusOf(c.status),
        statusReason: c.statusReason ?? null,
        since: c.statusChangedAt ? format.dateTime(c.statusChangedAt) : null,
        connectedAt: c.connectedAt ? format.date(c.connectedAt) : null,
        lastRefreshed: c.lastRefreshedAt ? format.relative(c.lastRefreshedAt) : null,
      }))
      .sort(
        (a, b) => statusOrder[a.status] - statusOrder[b.status] || a.clientName.localeCompare(b.clientName),
      );

    const activeByClient = new Map(
      rows.filter((r) => r.status !== 'disconnected').map((r) => [r.clientId, r]),
    );
    const matches = search
      ? (
          await em.find(
            Client,
            {
              organization: staff.organizationId,
              displayName: { $ilike: `%${search.replace(/[\\%_]/g, '\\$&')}%` },
            },
            { fields: ['id', 'displayName', 'status'], orderBy: { displayName: 'asc' }, limit: 20 },
          )
        ).map((client) => ({
          id: client.id,
          name: client.displayName,
          connection: activeByClient.get(client.id)?.status ?? null,
        }))
      : [];

    return {
      configured: configured !== null,
      sandbox: configured?.mode === 'local',
      rows,
      search,
      matches,
      outcome: connectOutcomeMessage(url.searchParams.get('quickbooks')),
    };
  });
}

export async function action(args: ActionFunctionArgs) {
  return staffRoute(args, 'integrations.manage', async ({ staff, em, actor }) => {
    const form = await args.request.formData();
    const intent = form.get('intent');
    const submitted = form.get('connectionId');
    const connectionId = typeof submitted === 'string' ? submitted : '';
    if (intent !== 'disconnect' || !isUuid(connectionId)) {
      throw new AppError('invalid_input', 'That request was not understood. Reload the page and try again.');
    }
    const refreshToken = await readConnectionRefreshToken(em, {
      organizationId: staff.organizationId,
      connectionId,
    });
    let revoked = true;
    const configured = ledger();
    if (refreshToken && configured) {
      try {
        await configured.revokeToken(refreshToken);
      } catch (error) {
        revoked = false;
        console.warn(
          `QuickBooks disconnect: revoking at Intuit failed: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
    await disconnectLedgerCompany(em, {
      organizationId: staff.organizationId,
      connectionId,
      actor,
      reason: `Disconnected by ${staff.userName}.`,
    });
    throw new RedirectError(withOutcome(pagePath, revoked ? 'disconnected' : 'disconnected_locally'));
  });
}

export default function Integrations() {
  const { configured, sandbox, rows, search, matches, outcome } = useLoaderData<typeof loader>();
  const navigation = useNavigation();
  const busy = navigation.state === 'submitting';
  const broken = rows.filter((r) => r.status === 'reconnect_needed');

  return (
    <>
      <PageHeader
        title="Integrations"
        description="Connect each bookkeeping client’s QuickBooks Online company, so monthly closes can read their books, ask about uncategorized transactions and write the answers back."
      />
      {outcome ? <Notice tone={outcome.tone}>{outcome.text}</Notice> : null}
      {!configured ? (
        <Notice tone="warning">
          QuickBooks is not set up for this installation. An administrator sets LEDGER_PROVIDER=quickbooks
          with the Intuit app’s credentials (see .env.example).
        </Notice>
      ) : null}
      {sandbox ? (
        <Notice>
          Development: “Connect QuickBooks” opens the local QuickBooks sandbox, which has demo companies to
          choose from. No real QuickBooks account is used.
        </Notice>
      ) : null}
      {broken.length > 0 ? (
        <div className="alert alert-danger" role="alert">
          {broken.length === 1
            ? `Reconnect needed: QuickBooks stopped accepting the connection of ${broken[0]?.clientName}`
            : `Reconnect needed: QuickBooks stopped accepting the connections of ${broken.length} clients`}{' '}
          — until they are connected again, monthly closes cannot read or update those books.
        </div>
      ) : null}

      <section className="card" aria-labelledby="connect-title">
        <div className="card-header">
          <h2 id="connect-title">Connect a client</h2>
        </div>
        <Form method="get" className="search" role="search">
          <label htmlFor="client-search" className="visually-hidden">
            Client name
          </label>
          <input
            id="client-search"
            type="search"
            name="q"
            defaultValue={search}
            placeholder="Find a client by name"
            autoComplete="off"
          />
          <button type="submit" className="button button-secondary">
            Find
          </button>
        </Form>
        {search && matches.length === 0 ? (
          <EmptyState title={`No client matches “${search}”`}>Try part of the name.</EmptyState>
        ) : null}
        {matches.length > 0 ? (
          <ul className="member-list" aria-label="Matching clients">
            {matches.map((match) => (
              <li key={match.id}>
                <span className="member-who">
                  <Link to={`/app/clients/${match.id}`} className="strong">
                    {match.name}
                  </Link>
                  <span className="member-meta">
                    {match.connection ? statusLabel[match.connection] : 'Not connected to QuickBooks'}
                  </span>
                </span>
                <span className="member-actions">
                  {match.connection === 'connected' ? null : configured ? (
                    <Link
                      to={connectHref(match.id)}
                      reloadDocument
                      className="button button-primary button-small"
                    >
                      {match.connection === 'reconnect_needed'
                        ? 'Reconnect QuickBooks'
                        : 'Connect QuickBooks'}
                    </Link>
                  ) : null}
                </span>
              </li>
            ))}
          </ul>
        ) : null}
      </section>

      <section className="card" aria-labelledby="connections-title">
        <div className="card-header">
          <h2 id="connections-title">QuickBooks connections</h2>
        </div>
        {rows.length === 0 ? (
          <EmptyState title="No client is connected yet">
            Find a client above and connect their QuickBooks company.
          </EmptyState>
        ) : (
          <div className="table-wrap">
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">Client</th>
                  <th scope="col">QuickBooks company</th>
                  <th scope="col">Status</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {rows.map((row) => (
                  <tr key={row.id}>
                    <td>
                      <Link to={`/app/clients/${row.clientId}`} className="strong">
                        {row.clientName}
                      </Link>
                    </td>
                    <td>
                      {row.companyName ?? 'QuickBooks company'}
                      <span className="cell-detail">
                        Company ID {row.realmId}
                        {row.connectedAt ? ` · connected ${row.connectedAt}` : null}
                      </span>
                    </td>
                    <td>
                      <StatusBadge status={statusTone[row.status]} label={statusLabel[row.status]} />
                      {row.status === 'reconnect_needed' && row.statusReason ? (
                        <span className="cell-detail">{row.statusReason}</span>
                      ) : null}
                      {row.status === 'disconnected' && row.statusReason ? (
                        <span className="cell-detail">{row.statusReason}</span>
                      ) : null}
                      {row.status === 'connected' && row.lastRefreshed ? (
                        <span className="cell-detail">Access renewed {row.lastRefreshed}</span>
                      ) : null}
                      {row.since && row.status !== 'connected' ? (
                        <span className="cell-detail">Since {row.since}</span>
                      ) : null}
                    </td>
                    <td className="cell-action">
                      <span className="member-actions">
                        {row.status !== 'connected' && configured ? (
                          <Link
                            to={connectHref(row.clientId)}
                            reloadDocument
                            className="button button-primary button-small"
                          >
                            {row.status === 'reconnect_needed' ? 'Reconnect' : 'Connect again'}
                          </Link>
                        ) : null}
                        {row.status !== 'disconnected' ? (
                          <Form method="post" className="inline-form">
                            <CsrfInput />
                            <input type="hidden" name="intent" value="disconnect" />
                            <input type="hidden" name="connectionId" value={row.id} />
                            <button
                              type="submit"
                              className="button button-ghost button-small"
                              disabled={busy}
                              aria-label={`Disconnect QuickBooks for ${row.clientName}`}
                            >
                              Disconnect
                            </button>
                          </Form>
                        ) : null}
                      </span>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}

export function ErrorBoundary() {
  return <PageErrorBoundary homeHref="/app" />;
}
