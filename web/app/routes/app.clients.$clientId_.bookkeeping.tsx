import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { z } from 'zod';
import { isAppError } from '../../../lib/errors';
import { isUuid } from '../../../lib/ids';
import { isClosePeriod, previousPeriod } from '../../../workflows/close/monthly-close.contracts';
import {
  bookkeepingPage,
  closeMonthNow,
  endBookkeepingService,
  saveBookkeepingService,
} from '../close/bookkeeping.server';
import { RedirectError } from '../http/redirect.server';
import { notFound, staffRoute } from '../http/route.server';
import { EmptyState, FormError, Notice, PageHeader, StatusBadge } from '../ui/components';
import { CsrfInput } from '../ui/csrf-input';
import { dateFormat } from '../ui/dates.server';
import { PageErrorBoundary } from '../ui/error-panel';

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `Bookkeeping: ${data.client.name} · CPA Platform` : 'Bookkeeping · CPA Platform' },
];

/** `/app/clients/<id>/bookkeeping`: the monthly close service (schedule, bank accounts) and its closes. */
export async function loader(args: LoaderFunctionArgs) {
  return staffRoute(args, 'engagements.assign', async ({ staff, em }) => {
    const clientId = args.params.clientId;
    if (!isUuid(clientId)) notFound('This client');
    const page = await bookkeepingPage(em, {
      organizationId: staff.organizationId,
      clientId,
      format: dateFormat(staff.timeZone),
    });
    if (!page) notFound('This client');
    return { ...page, defaultPeriod: previousPeriod(new Date()) };
  });
}

const ZBookkeepingForm = z.discriminatedUnion('intent', [
  z.object({
    intent: z.literal('save'),
    closeDayOfMonth: z.coerce
      .number()
      .int('Choose a day')
      .min(2, 'Choose a day from the 2nd')
      .max(28, 'Choose a day up to the 28th'),
  }),
  z.object({ intent: z.literal('stop') }),
  z.object({
    intent: z.literal('close_now'),
    period: z.string().trim().refine(isClosePeriod, 'Enter the month as yyyy-mm, for example 2027-03'),
  }),
]);

export async function action(args: ActionFunctionArgs) {
  return staffRoute(args, 'engagements.assign', async ({ staff, em, actor }) => {
    const clientId = args.params.clientId;
    if (!isUuid(clientId)) notFound('This client');
    const form = await args.request.formData();
    const parsed = ZBookkeepingForm.safeParse(Object.fromEntries(form));
    if (!parsed.success)
      return data({ message: parsed.error.issues[0]?.message ?? 'Check the form.' }, { status: 400 });
    const ids = { organizationId: staff.organizationId, clientId };
    try {
      switch (parsed.data.intent) {
        case 'save':
          await saveBookkeepingService(em, {
            ...ids,
            closeDayOfMonth: parsed.data.closeDayOfMonth,
            ledgerAccountIds: form
              .getAll('ledgerAccountId')
              .filter((v): v is string => typeof v === 'string'),
            assigneeUserId: staff.userId,
            byUserId: staff.userId,
            actor,
          });
          throw new RedirectError(`/app/clients/${clientId}/bookkeeping`);
        case 'stop':
          await endBookkeepingService(em, { ...ids, actor });
          throw new RedirectError(`/app/clients/${clientId}/bookkeeping`);
        case 'close_now': {
          const started = await closeMonthNow(em, {
            ...ids,
            period: parsed.data.period,
            byUserId: staff.userId,
          });
          throw new RedirectError(`/app/engagements/${started.engagementId}?client=${clientId}`);
        }
      }
    } catch (error) {
      if (
        isAppError(error) &&
        (error.code === 'conflict' || error.code === 'invalid_input' || error.code === 'unavailable')
      ) {
        return data({ message: error.userMessage }, { status: error.httpStatus });
      }
      throw error;
    }
  });
}

export default function Bookkeeping() {
  const page = useLoaderData<typeof loader>();
  const failure = useActionData<typeof action>();
  const submitting = useNavigation().state === 'submitting';
  const chosen = new Set(
    page.service?.status === 'active' ? page.service.bankAccounts.map((a) => a.ledgerAccountId) : [],
  );
  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to={`/app/clients/${page.client.id}`}>{page.client.name}</Link>{' '}
        <span aria-hidden="true">/</span> <span>Bookkeeping</span>
      </nav>
      <PageHeader
        title="Monthly bookkeeping"
        description="While the service runs, the previous month is closed on the chosen day: QuickBooks is read, the client answers questions about uncategorized transactions, statements are reconciled, and the client gets a close report."
      />
      <FormError message={failure?.message} />
      <section className="card" aria-labelledby="service-title">
        <h2 id="service-title">
          Service{' '}
          <StatusBadge
            status={page.service?.status === 'active' ? 'active' : 'inactive'}
            label={page.service?.status === 'active' ? 'Running' : 'Not running'}
          />
        </h2>
        {page.schedule?.nextRuns.length ? (
          <p className="muted">Next close starts {page.schedule.nextRuns[0]}.</p>
        ) : null}
        {page.problem ? <Notice tone="warning">{page.problem}</Notice> : null}
        {page.accounts.length > 0 ? (
          <Form method="post" className="stack">
            <CsrfInput />
            <input type="hidden" name="intent" value="save" />
            <fieldset className="field">
              <legend>Bank accounts to reconcile</legend>
              <div className="choices">
                {page.accounts.map((account) => (
                  <label key={account.ledgerAccountId} className="choice">
                    <input
                      type="checkbox"
                      name="ledgerAccountId"
                      value={account.ledgerAccountId}
                      defaultChecked={chosen.has(account.ledgerAccountId)}
                    />{' '}
                    {account.name}
                  </label>
                ))}
              </div>
            </fieldset>
            <div className="field">
              <label htmlFor="closeDayOfMonth">Close the previous month on day</label>
              <p className="hint">Between the 2nd and the 28th, at 6:00 in the morning, firm time.</p>
              <input
                id="closeDayOfMonth"
                name="closeDayOfMonth"
                type="number"
                min={2}
                max={28}
                defaultValue={page.service?.closeDayOfMonth ?? 5}
                required
              />
            </div>
            <div className="form-actions">
              <button type="submit" className="button button-primary" disabled={submitting}>
                {page.service?.status === 'active' ? 'Save changes' : 'Start the service'}
              </button>
            </div>
          </Form>
        ) : null}
        {page.service?.status === 'active' ? (
          <Form method="post">
            <CsrfInput />
            <input type="hidden" name="intent" value="stop" />
            <button type="submit" className="button button-danger" disabled={submitting}>
              Stop the service
            </button>
          </Form>
        ) : null}
      </section>
      {page.service?.status === 'active' ? (
        <section className="card" aria-labelledby="now-title">
          <h2 id="now-title">Close a month now</h2>
          <Form method="post" className="stack">
            <CsrfInput />
            <input type="hidden" name="intent" value="close_now" />
            <div className="field">
              <label htmlFor="period">Month (yyyy-mm)</label>
              <input
                id="period"
                name="period"
                defaultValue={page.defaultPeriod}
                pattern="\d{4}-\d{2}"
                required
              />
            </div>
            <div className="form-actions">
              <button type="submit" className="button button-secondary" disabled={submitting}>
                Start the close
              </button>
            </div>
          </Form>
        </section>
      ) : null}
      <section className="card" aria-labelledby="closes-title">
        <h2 id="closes-title">Closes</h2>
        {page.closes.length === 0 ? (
          <EmptyState title="No month closed yet" />
        ) : (
          <ul className="item-list">
            {page.closes.map((close) => (
              <li key={close.id} className="item">
                <div className="item-main">
                  <Link className="item-title" to={`/app/engagements/${close.id}`}>
                    {close.period}
                  </Link>
                  <span className="item-meta">{close.stage}</span>
                </div>
                <div className="item-side">
                  <StatusBadge status={close.status} />
                </div>
              </li>
            ))}
          </ul>
        )}
      </section>
    </>
  );
}

export function ErrorBoundary() {
  return <PageErrorBoundary />;
}
