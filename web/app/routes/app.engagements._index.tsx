import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { can } from '../auth/permissions.server';
import { listEngagements } from '../engagements/engagement-queries.server';
import { staffRoute } from '../http/route.server';
import { EmptyState, PageHeader, Pagination, ProgressBar, StatusBadge } from '../ui/components';
import { dateFormat } from '../ui/dates.server';
import { PageErrorBoundary } from '../ui/error-panel';

export const meta: MetaFunction = () => [{ title: 'Engagements · CPA Platform' }];

export async function loader(args: LoaderFunctionArgs) {
  return staffRoute(args, 'engagements.view', async ({ staff, em, visibility }) => {
    const after = new URL(args.request.url).searchParams.get('after');
    const page = await listEngagements(em, {
      organizationId: staff.organizationId,
      visibility,
      after,
      format: dateFormat(staff.timeZone),
    });
    return { ...page, isFirstPage: !after, canStart: can(staff.role, 'engagements.assign') };
  });
}

export default function Engagements() {
  const { rows, nextCursor, isFirstPage, canStart } = useLoaderData<typeof loader>();
  return (
    <>
      <PageHeader
        title="Engagements"
        description="Every engagement of the firm, most recently changed first."
        actions={
          canStart ? (
            <Link className="button button-primary" to="/app/engagements/intake/new">
              Collect documents
            </Link>
          ) : null
        }
      />
      <section className="card flush">
        {rows.length === 0 ? (
          <EmptyState title="No engagements yet">
            <Link to="/app/clients/new">Create a client</Link> to start their onboarding.
          </EmptyState>
        ) : (
          <div className="table-wrap">
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">Engagement</th>
                  <th scope="col">Client</th>
                  <th scope="col">Stage</th>
                  <th scope="col">Progress</th>
                  <th scope="col">Updated</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((engagement) => (
                  <tr key={engagement.id}>
                    <td>
                      <Link to={`/app/engagements/${engagement.id}`} className="strong-link">
                        {engagement.title}
                      </Link>
                    </td>
                    <td>
                      <Link to={`/app/clients/${engagement.clientId}`}>{engagement.clientName}</Link>
                    </td>
                    <td>
                      {engagement.status === 'active' ? (
                        engagement.stage
                      ) : (
                        <>
                          <StatusBadge status={engagement.status} />
                          {engagement.failureReason ? (
                            <span className="item-meta engagement-failure">{engagement.failureReason}</span>
                          ) : null}
                        </>
                      )}
                    </td>
                    <td>
                      <ProgressBar value={engagement.progress} label={`${engagement.title}: progress`} />
                    </td>
                    <td className="nowrap">{engagement.updated}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <Pagination
        isFirstPage={isFirstPage}
        firstHref="/app/engagements"
        nextHref={nextCursor ? `?after=${nextCursor}` : null}
      />
    </>
  );
}

export function ErrorBoundary() {
  return <PageErrorBoundary homeHref="/app" />;
}
