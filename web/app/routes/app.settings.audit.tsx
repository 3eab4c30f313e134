import { data } from '@remix-run/node';
import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, Link, useLoaderData } from '@remix-run/react';
import { isAppError } from '../../../lib/errors';
import { auditFilterOptions, auditLogPage } from '../audit/audit-log.server';
import { filterQuery, parseAuditFilters, type TAuditFilterParams } from '../audit/audit-filters.server';
import { can } from '../auth/permissions.server';
import { staffRoute } from '../http/route.server';
import { EmptyState, FormError, PageHeader, Pagination } from '../ui/components';
import { CsrfInput } from '../ui/csrf-input';
import { dateFormat } from '../ui/dates.server';
import { PageErrorBoundary } from '../ui/error-panel';

export const meta: MetaFunction = () => [{ title: 'Audit log · CPA Platform' }];

const emptyParams: TAuditFilterParams = { actor: '', action: '', target: '', from: '', to: '' };

export async function loader(args: LoaderFunctionArgs) {
  return staffRoute(args, 'audit.view', async ({ staff, em }) => {
    const url = new URL(args.request.url);
    const after = url.searchParams.get('after');
    const options = await auditFilterOptions(em, staff.organizationId);
    const canExport = can(staff.role, 'audit.export');
    let parsed: ReturnType<typeof parseAuditFilters>;
    try {
      parsed = parseAuditFilters(url.searchParams, staff.timeZone);
    } catch (error) {
      if (!isAppError(error) || error.code !== 'invalid_input') throw error;
      // The form stays usable: show what to fix next to the filters, and no events.
      const params = {
        ...emptyParams,
        ...Object.fromEntries(
          Object.keys(emptyParams).map((key) => [key, (url.searchParams.get(key) ?? '').slice(0, 100)]),
        ),
      };
      return data(
        {
          params,
          query: filterQuery(params),
          options,
          rows: [],
          nextCursor: null,
          isFirstPage: true,
          canExport,
          formError: error.userMessage,
          timeZone: staff.timeZone,
        },
        { status: 400 },
      );
    }
    const page = await auditLogPage(em, {
      organizationId: staff.organizationId,
      filters: parsed.filters,
      after,
      format: dateFormat(staff.timeZone),
    });
    return {
      params: parsed.params,
      query: filterQuery(parsed.params),
      options,
      ...page,
      isFirstPage: !after,
      canExport,
      formError: null,
      timeZone: staff.timeZone,
    };
  });
}

export default function AuditLog() {
  const {
    params,
    query: filters,
    options,
    rows,
    nextCursor,
    isFirstPage,
    canExport,
    formError,
    timeZone,
  } = useLoaderData<typeof loader>();
  const filtered = Object.keys(filters).length > 0;
  const href = (extra: Record<string, string>) =>
    `?${new URLSearchParams({ ...filters, ...extra }).toString()}`;
  const actorChoices = [
    { value: 'system', label: 'System (workflows)' },
    { value: 'portal', label: 'Any portal user' },
    ...options.staff,
  ];
  return (
    <>
      <PageHeader
        title="Audit log"
        description={`Who did what in your firm, newest first. Times are in ${timeZone.replaceAll('_', ' ')}.`}
        actions={
          canExport ? (
            <form method="post" action="/app/settings/audit/export">
              <CsrfInput />
              {Object.entries(filters).map(([name, value]) => (
                <input key={name} type="hidden" name={name} value={value} />
              ))}
              <button type="submit" className="button button-secondary">
                {filtered ? 'Export these events (CSV)' : 'Export all events (CSV)'}
              </button>
            </form>
          ) : null
        }
      />
      <section className="card" aria-labelledby="filters-title">
        <h2 id="filters-title" className="visually-hidden">
          Filters
        </h2>
        <Form method="get" className="stack" role="search">
          <FormError message={formError} />
          <div className="form-row">
            <Select
              name="actor"
              label="Who"
              value={params.actor}
              empty="Anyone"
              choices={actorChoices}
              otherLabel="The person you picked in the log"
            />
            <Select
              name="action"
              label="Action"
              value={params.action}
              empty="Any action"
              choices={options.actions}
            />
            <Select
              name="target"
              label="Acted on"
              value={params.target}
              empty="Anything"
              choices={options.targetTypes}
            />
            <div className="field">
              <label htmlFor="field-from">From (day)</label>
              <input id="field-from" type="date" name="from" defaultValue={params.from} />
            </div>
            <div className="field">
              <label htmlFor="field-to">To (day, included)</label>
              <input id="field-to" type="date" name="to" defaultValue={params.to} />
            </div>
          </div>
          <div className="form-actions">
            <button type="submit" className="button button-primary">
              Show events
            </button>
            {filtered ? (
              <Link to="/app/settings/audit" className="button button-ghost">
                Clear filters
              </Link>
            ) : null}
          </div>
        </Form>
      </section>
      <section className="card flush" aria-label="Events">
        {rows.length === 0 ? (
          <EmptyState title={filtered ? 'No events match these filters' : 'No events yet'}>
            {filtered ? 'Try a wider date range or fewer filters.' : null}
          </EmptyState>
        ) : (
          <div className="table-wrap">
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Who</th>
                  <th scope="col">What</th>
                  <th scope="col">Acted on</th>
                  <th scope="col">From</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((row) => (
                  <tr key={row.id}>
                    <td className="nowrap">
                      <time dateTime={row.atIso}>{row.at}</time>
                    </td>
                    <td>
                      {row.actorFilter ? (
                        <Link to={href({ actor: row.actorFilter })} title="Show only this person’s events">
                          {row.actor}
                        </Link>
                      ) : (
                        row.actor
                      )}
                    </td>
                    <td>
                      <span className="strong">{row.actionLabel}</span>
                      <span className="cell-detail">
                        <code>{row.action}</code>
                        {row.details ? ` · ${row.details}` : null}
                      </span>
                    </td>
                    <td>
                      {row.targetTypeLabel}
                      {row.targetName || row.targetId ? ': ' : null}
                      {row.targetHref ? (
                        <Link to={row.targetHref}>{row.targetName ?? row.targetId}</Link>
                      ) : (
                        (row.targetName ?? row.targetId)
                      )}
                    </td>
                    <td className="nowrap">{row.ip ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <Pagination
        isFirstPage={isFirstPage}
        firstHref={href({})}
        nextHref={nextCursor ? href({ after: nextCursor }) : null}
      />
    </>
  );
}

function Select({
  name,
  label,
  value,
  empty,
  choices,
  otherLabel,
}: {
  name: string;
  label: string;
  value: string;
  empty: string;
  choices: { value: string; label: string }[];
  /** The label of a value that is not one of the choices (kept so the filter shows as applied). */
  otherLabel?: string;
}) {
  const known = value === '' || choices.some((choice) => choice.value === value);
  return (
    <div className="field">
      <label htmlFor={`field-${name}`}>{label}</label>
      <select id={`field-${name}`} name={name} defaultValue={value}>
        <option value="">{empty}</option>
        {known ? null : <option value={value}>{otherLabel ?? value}</option>}
        {choices.map((choice) => (
          <option key={choice.value} value={choice.value}>
            {choice.label}
          </option>
        ))}
      </select>
    </div>
  );
}

export function ErrorBoundary() {
  return <PageErrorBoundary homeHref="/app" />;
}
