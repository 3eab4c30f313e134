import type { LoaderFunctionArgs } from '@remix-run/node';
import { Form, NavLink, Outlet, useLoaderData } from '@remix-run/react';
import { can } from '../auth/permissions.server';
import { webEnv } from '../env.server';
import { staffRoute } from '../http/route.server';
import { CsrfInput } from '../ui/csrf-input';

export async function loader(args: LoaderFunctionArgs) {
  return staffRoute(args, 'dashboard.view', ({ staff }) => {
    const env = webEnv();
    return Promise.resolve({
      staff: { name: staff.userName, firmName: staff.firmName, role: staff.role },
      nav: {
        clients: can(staff.role, 'clients.view'),
        engagements: can(staff.role, 'engagements.view'),
        tasks: can(staff.role, 'tasks.view'),
        audit: can(staff.role, 'audit.view'),
        accessSettings: can(staff.role, 'settings.manage'),
        team: can(staff.role, 'users.manage'),
        taxSeason: can(staff.role, 'engagements.assign'),
        integrations: can(staff.role, 'integrations.manage'),
        emails: can(staff.role, 'email_templates.preview'),
      },
      mailboxUrl: env.NODE_ENV === 'development' ? (env.MAILBOX_URL ?? null) : null,
    });
  });
}

const navClass = ({ isActive }: { isActive: boolean }) => (isActive ? 'nav-link active' : 'nav-link');

/** The staff app's frame: navigation on the left (a top bar on small screens) and the page. */
export default function StaffLayout() {
  const { staff, nav, mailboxUrl } = useLoaderData<typeof loader>();
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <aside className="sidebar">
        <div className="sidebar-brand">
          <span className="brand-mark" aria-hidden="true">
            CPA
          </span>
          <span className="sidebar-firm">{staff.firmName}</span>
        </div>
        <nav aria-label="Main" className="sidebar-nav">
          <NavLink to="/app" end className={navClass}>
            Dashboard
          </NavLink>
          {nav.clients ? (
            <NavLink to="/app/clients" className={navClass}>
              Clients
            </NavLink>
          ) : null}
          {nav.engagements ? (
            <NavLink to="/app/engagements" className={navClass}>
              Engagements
            </NavLink>
          ) : null}
          {nav.tasks ? (
            <NavLink to="/app/tasks" className={navClass}>
              Tasks
            </NavLink>
          ) : null}
          {nav.taxSeason ? (
            <NavLink to="/app/tax-season" className={navClass}>
              Tax season
            </NavLink>
          ) : null}
          {nav.integrations ? (
            <NavLink to="/app/settings/integrations" className={navClass}>
              Integrations
            </NavLink>
          ) : null}
          {nav.emails ? (
            <NavLink to="/app/settings/emails" className={navClass}>
              Email templates
            </NavLink>
          ) : null}
          {nav.team ? (
            <NavLink to="/app/settings/team" className={navClass}>
              Team
            </NavLink>
          ) : null}
          {nav.audit ? (
            <NavLink to="/app/settings/audit" className={navClass}>
              Audit log
            </NavLink>
          ) : null}
          {nav.accessSettings ? (
            <NavLink to="/app/settings/access" className={navClass}>
              Access settings
            </NavLink>
          ) : null}
        </nav>
        <div className="sidebar-footer">
          {mailboxUrl ? (
            <a className="nav-link subtle" href={mailboxUrl} target="_blank" rel="noreferrer">
              Mailbox (dev)
            </a>
          ) : null}
          <p className="sidebar-user">
            <span className="sidebar-user-name">{staff.name}</span>
            <span className="sidebar-user-role">{staff.role}</span>
          </p>
          <NavLink to="/app/account" className={navClass}>
            Account
          </NavLink>
          <Form method="post" action="/logout">
            <CsrfInput />
            <button type="submit" className="button button-ghost">
              Sign out
            </button>
          </Form>
        </div>
      </aside>
      <main id="main" className="main" tabIndex={-1}>
        <Outlet />
      </main>
    </div>
  );
}
