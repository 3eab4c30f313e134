import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, Link, useLoaderData } from '@remix-run/react';
import { can } from '../auth/permissions.server';
import { listClients } from '../clients/client-queries.server';
import { staffRoute } from '../http/route.server';
import { EmptyState, PageHeader, Pagination, StatusBadge } from '../ui/components';
import { dateFormat } from '../ui/dates.server';
import { PageErrorBoundary } from '../ui/error-panel';

export const meta: MetaFunction = () => [{ title: 'Clients · CPA Platform' }];

export async function loader(args: LoaderFunctionArgs) {
  return staffRoute(args, 'clients.view', async ({ staff, em, visibility }) => {
    const url = new URL(args.request.url);
    const search = (url.searchParams.get('q') ?? '').trim().slice(0, 100);
    const after = url.searchParams.get('after');
    const page = await listClients(em, {
      organizationId: staff.organizationId,
      visibility,
      search,
      after,
      format: dateFormat(staff.timeZone),
    });
    return { ...page, search, isFirstPage: !after, canCreate: can(staff.role, 'clients.create') };
  });
}

const kindLabels = { individual: 'Individual', business: 'Business' } as const;

export default function Clients() {
  const { rows, nextCursor, search, isFirstPage, canCreate } = useLoaderData<typeof loader>();
  const query = (extra: Record<string, string>) =>
    `?${new URLSearchParams({ ...(search ? { q: search } : {}), ...extra }).toString()}`;
  return (
    <>
      <PageHeader
        title="Clients"
        actions={
          canCreate ? (
            <Link to="/app/clients/new" className="button button-primary">
              New client
            </Link>
          ) : null
        }
      />
      <Form method="get" className="search" role="search">
        <label htmlFor="client-search" className="visually-hidden">
          Search clients by name
        </label>
        <input
          id="client-search"
          type="search"
          name="q"
          defaultValue={search}
          placeholder="Name starts with…"
        />
        <button type="submit" className="button button-secondary">
          Search
        </button>
        {search ? <Link to="/app/clients">Clear</Link> : null}
      </Form>
      <section className="card flush">
        {rows.length === 0 ? (
          <EmptyState title={search ? `No clients whose name starts with “${search}”` : 'No clients yet'}>
            {canCreate && !search ? <Link to="/app/clients/new">Create the first client</Link> : null}
          </EmptyState>
        ) : (
          <div className="table-wrap">
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Kind</th>
                  <th scope="col">Status</th>
                  <th scope="col">Created</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((client) => (
                  <tr key={client.id}>
                    <td>
                      <Link to={`/app/clients/${client.id}`} className="strong-link">
                        {client.displayName}
                      </Link>
                    </td>
                    <td>{kindLabels[client.kind]}</td>
                    <td>
                      <StatusBadge status={client.status} />
                    </td>
                    <td className="nowrap">{client.created}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <Pagination
        isFirstPage={isFirstPage}
        firstHref={query({})}
        nextHref={nextCursor ? query({ after: nextCursor }) : null}
      />
    </>
  );
}

export function ErrorBoundary() {
  return <PageErrorBoundary homeHref="/app" />;
}
