import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { can } from '../auth/permissions.server';
import { dashboardSummary } from '../dashboard/dashboard.server';
import { staffRoute } from '../http/route.server';
import { dateFormat } from '../ui/dates.server';
import { EmptyState, EngagementItem, PageHeader, StatusBadge } from '../ui/components';
import { PageErrorBoundary } from '../ui/error-panel';

export const meta: MetaFunction = () => [{ title: 'Dashboard · CPA Platform' }];

export async function loader(args: LoaderFunctionArgs) {
  return staffRoute(args, 'dashboard.view', async ({ staff, em, visibility }) => ({
    greeting: staff.userName.split(' ')[0] ?? staff.userName,
    canCreateClients: can(staff.role, 'clients.create'),
    ...(await dashboardSummary(em, {
      organizationId: staff.organizationId,
      visibility,
      format: dateFormat(staff.timeZone),
    })),
  }));
}

export default function Dashboard() {
  const { greeting, canCreateClients, counts, recentEngagements, openTasks } = useLoaderData<typeof loader>();
  return (
    <>
      <PageHeader
        title={`Welcome back, ${greeting}`}
        description="What is moving and what needs you today."
        actions={
          canCreateClients ? (
            <Link to="/app/clients/new" className="button button-primary">
              New client
            </Link>
          ) : null
        }
      />
      <section aria-label="Summary" className="stats">
        <Link to="/app/clients" className="stat card">
          <span className="stat-value">{counts.clients}</span>
          <span className="stat-label">Clients</span>
        </Link>
        <Link to="/app/engagements" className="stat card">
          <span className="stat-value">{counts.activeEngagements}</span>
          <span className="stat-label">Active engagements</span>
        </Link>
        <Link to="/app/tasks" className="stat card">
          <span className="stat-value">{counts.openTasks}</span>
          <span className="stat-label">Open tasks</span>
        </Link>
      </section>

      <div className="columns">
        <section className="card" aria-labelledby="recent-title">
          <div className="card-header">
            <h2 id="recent-title">Recent engagements</h2>
            <Link to="/app/engagements" className="small">
              All engagements
            </Link>
          </div>
          {recentEngagements.length === 0 ? (
            <EmptyState title="No engagements yet">Create a client to start their onboarding.</EmptyState>
          ) : (
            <ul className="item-list">
              {recentEngagements.map((engagement) => (
                <EngagementItem
                  key={engagement.id}
                  engagement={engagement}
                  meta={`${engagement.clientName} · updated ${engagement.updated}`}
                />
              ))}
            </ul>
          )}
        </section>

        <section className="card" aria-labelledby="tasks-title">
          <div className="card-header">
            <h2 id="tasks-title">Open tasks</h2>
            <Link to="/app/tasks" className="small">
              All tasks
            </Link>
          </div>
          {openTasks.length === 0 ? (
            <EmptyState title="Nothing open">Follow-up tasks from workflows will appear here.</EmptyState>
          ) : (
            <ul className="item-list">
              {openTasks.map((task) => (
                <li key={task.id} className="item">
                  <div className="item-main">
                    <span className="item-title">{task.title}</span>
                    <span className="item-meta">
                      {task.clientName ?? 'No client'}
                      {task.engagementId ? (
                        <>
                          {' · '}
                          <Link to={`/app/engagements/${task.engagementId}`}>engagement</Link>
                        </>
                      ) : null}
                    </span>
                  </div>
                  <div className="item-side">
                    {task.due ? (
                      <StatusBadge
                        status={task.overdue ? 'failed' : 'open'}
                        label={`${task.overdue ? 'Overdue' : 'Due'} ${task.due}`}
                      />
                    ) : null}
                  </div>
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>
    </>
  );
}

export function ErrorBoundary() {
  return <PageErrorBoundary homeHref="/app" />;
}
