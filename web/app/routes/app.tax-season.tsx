import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Form, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { z } from 'zod';
import { Client } from '../../../db/clients/client.entity';
import { Membership } from '../../../db/users/membership.entity';
import { taxReturnTypeLabels, taxReturnTypes } from '../../../workflows/tax-return/due-dates';
import { RedirectError } from '../http/redirect.server';
import { staffRoute } from '../http/route.server';
import {
  listTaxSeasonRuns,
  readTaxSeasonRun,
  startTaxSeason,
  type TSeasonRun,
} from '../tax-return/tax-return-workflow.server';
import { EmptyState, FieldError, FormError, Notice, PageHeader, ProgressBar } from '../ui/components';
import { CsrfInput } from '../ui/csrf-input';
import { PageErrorBoundary } from '../ui/error-panel';
import { usePolling } from '../ui/live-updates';

export const meta: MetaFunction = () => [{ title: 'Tax season · CPA Platform' }];

/** `/app/tax-season`: start every selected client's tax return at once, and watch it happen. */
export async function loader(args: LoaderFunctionArgs) {
  return staffRoute(args, 'engagements.assign', async ({ staff, em }) => {
    const runParam = new URL(args.request.url).searchParams.get('run');
    const members = await em.find(
      Membership,
      { organization: staff.organizationId, deactivatedAt: null },
      { populate: ['user'] },
    );
    const counts = {
      individual: await em.count(Client, { kind: 'individual', status: 'active' }),
      business: await em.count(Client, { kind: 'business', status: 'active' }),
    };
    const selected = runParam ? await readTaxSeasonRun(staff.organizationId, runParam) : null;
    // The workflow keeps IDs only; names come from the firm's own records.
    const failedIds = selected?.progress?.failures.map((f) => f.clientId) ?? [];
    const names = new Map(
      failedIds.length > 0
        ? (await em.find(Client, { id: { $in: failedIds } }, { fields: ['displayName'] })).map((c) => [
            c.id,
            c.displayName,
          ])
        : [],
    );
    const clientNames = Object.fromEntries(names);
    const runs = await listTaxSeasonRuns(staff.organizationId);
    return {
      defaultYear: new Date().getUTCFullYear() - 1,
      counts,
      staff: members
        .map((m) => ({ userId: m.user.id, name: m.user.name, role: m.role }))
        .sort((a, b) => a.name.localeCompare(b.name)),
      selected,
      clientNames,
      runs,
      returnTypes: taxReturnTypes.map((t) => ({ value: t, label: taxReturnTypeLabels[t] })),
    };
  });
}

const optionalUser = z
  .string()
  .transform((v) => (v === '' ? null : v))
  .pipe(z.uuid('Choose a member of staff').nullable());

const ZSeasonForm = z
  .object({
    taxYear: z.coerce
      .number()
      .int('Enter a year')
      .min(2000, 'Enter a year from 2000')
      .max(2100, 'Enter a year to 2100'),
    clientKind: z.enum(['individual', 'business'], { error: 'Choose which clients' }),
    returnType: z.enum(taxReturnTypes, { error: 'Choose the return form' }),
    preparerUserId: optionalUser,
    reviewerUserId: optionalUser,
    managerUserId: optionalUser,
    fee: z
      .string()
      .trim()
      .transform((v) => v.replace(/[$,\s]/g, ''))
      .pipe(
        z
          .string()
          .regex(/^(\d{1,6}(\.\d{1,2})?)?$/, 'Enter the fee in dollars, for example 450, or leave it empty'),
      ),
  })
  .refine((v) => v.clientKind !== 'individual' || v.returnType === '1040', {
    message: 'Individual clients file Form 1040',
    path: ['returnType'],
  })
  .refine((v) => v.clientKind !== 'business' || v.returnType !== '1040', {
    message: 'Choose the business return form (1065, 1120 or 1120-S)',
    path: ['returnType'],
  })
  .refine((v) => !v.preparerUserId || v.preparerUserId !== v.reviewerUserId, {
    message: 'The preparer and the reviewer must be different people',
    path: ['reviewerUserId'],
  });

export async function action(args: ActionFunctionArgs) {
  return staffRoute(args, 'engagements.assign', async ({ staff, em }) => {
    const parsed = ZSeasonForm.safeParse(Object.fromEntries(await args.request.formData()));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return data(
        { field: String(issue?.path[0] ?? ''), message: issue?.message ?? 'Check the form.' },
        { status: 400 },
      );
    }
    const input = parsed.data;
    for (const userId of [input.preparerUserId, input.reviewerUserId, input.managerUserId]) {
      if (
        userId &&
        (await em.count(Membership, {
          organization: staff.organizationId,
          user: userId,
          deactivatedAt: null,
        })) === 0
      ) {
        return data({ field: '', message: 'Choose people who work at your firm.' }, { status: 400 });
      }
    }
    const amountMinor = input.fee === '' ? 0 : Math.round(Number(input.fee) * 100);
    const { workflowId } = await startTaxSeason({
      organizationId: staff.organizationId,
      taxYear: input.taxYear,
      clientKind: input.clientKind,
      returnType: input.returnType,
      preparerUserId: input.preparerUserId,
      reviewerUserId: input.reviewerUserId,
      managerUserId: input.managerUserId,
      startedByUserId: staff.userId,
      fee:
        amountMinor > 0
          ? {
              amountMinor,
              currency: 'usd',
              description: `${input.taxYear} tax return (${taxReturnTypeLabels[input.returnType]})`,
            }
          : null,
    });
    throw new RedirectError(`/app/tax-season?run=${encodeURIComponent(workflowId)}`);
  });
}

function Progress({ run, names }: { run: TSeasonRun; names: Record<string, string> }) {
  const p = run.progress;
  if (!p) return <p className="muted">Starting…</p>;
  const handled = p.started + p.alreadyRunning + p.failed;
  const percent = p.total === 0 ? 100 : Math.round((handled / p.total) * 100);
  return (
    <div className="stack">
      <ProgressBar value={p.done ? 100 : percent} label={`Tax season ${p.taxYear}: progress`} />
      <dl className="details">
        <dt>Clients selected</dt>
        <dd>{p.total}</dd>
        <dt>Returns started</dt>
        <dd>{p.started}</dd>
        <dt>Already started before</dt>
        <dd>{p.alreadyRunning}</dd>
        <dt>Could not start</dt>
        <dd>{p.failed}</dd>
      </dl>
      {p.failures.length > 0 ? (
        <ul className="item-list">
          {p.failures.map((f) => (
            <li key={f.clientId} className="item">
              <div className="item-main">
                <a className="item-title" href={`/app/clients/${f.clientId}`}>
                  {names[f.clientId] ?? 'A client no longer on file'}
                </a>
                <span className="item-meta">{f.reason}</span>
              </div>
            </li>
          ))}
        </ul>
      ) : null}
      <p className="small muted">{p.done ? 'Finished.' : run.running ? 'Running…' : 'Stopped.'}</p>
    </div>
  );
}

export default function TaxSeason() {
  const { defaultYear, counts, staff, selected, clientNames, runs, returnTypes } =
    useLoaderData<typeof loader>();
  const failure = useActionData<typeof action>();
  const submitting = useNavigation().state === 'submitting';
  usePolling(Boolean(selected && !selected.progress?.done), 1_500);
  const fieldError = (name: string) => (failure?.field === name ? failure.message : undefined);
  const people = (
    <>
      <option value="">Nobody yet</option>
      {staff.map((s) => (
        <option key={s.userId} value={s.userId}>
          {s.name} ({s.role})
        </option>
      ))}
    </>
  );
  return (
    <>
      <PageHeader
        title="Tax season"
        description="Start the tax return of every active client of a kind at once. Clients whose return is already started are skipped, so starting again is safe."
      />
      {selected ? (
        <section className="card" aria-labelledby="progress-title">
          <h2 id="progress-title">Progress</h2>
          <Progress run={selected} names={clientNames} />
        </section>
      ) : null}
      <section className="card" aria-labelledby="start-title">
        <h2 id="start-title">Start a season</h2>
        <Form method="post" className="stack">
          <CsrfInput />
          <FormError message={failure && !failure.field ? failure.message : null} />
          <div className="field">
            <label htmlFor="taxYear">Tax year</label>
            <input
              id="taxYear"
              name="taxYear"
              type="number"
              min={2000}
              max={2100}
              defaultValue={defaultYear}
              required
            />
            <FieldError id="taxYear-error" message={fieldError('taxYear')} />
          </div>
          <fieldset className="field">
            <legend>Which clients</legend>
            <div className="choices">
              <label className="choice">
                <input type="radio" name="clientKind" value="individual" defaultChecked /> Every active
                individual client ({counts.individual})
              </label>
              <label className="choice">
                <input type="radio" name="clientKind" value="business" /> Every active business client (
                {counts.business})
              </label>
            </div>
          </fieldset>
          <div className="field">
            <label htmlFor="returnType">Return form</label>
            <select id="returnType" name="returnType" defaultValue="1040">
              {returnTypes.map((t) => (
                <option key={t.value} value={t.value}>
                  {t.label}
                </option>
              ))}
            </select>
            <FieldError id="returnType-error" message={fieldError('returnType')} />
          </div>
          <div className="field">
            <label htmlFor="preparerUserId">Preparer</label>
            <select id="preparerUserId" name="preparerUserId" defaultValue="">
              {people}
            </select>
          </div>
          <div className="field">
            <label htmlFor="reviewerUserId">Reviewer</label>
            <select id="reviewerUserId" name="reviewerUserId" defaultValue="">
              {people}
            </select>
            <FieldError id="reviewerUserId-error" message={fieldError('reviewerUserId')} />
          </div>
          <div className="field">
            <label htmlFor="managerUserId">Manager (gets the deadline escalations)</label>
            <select id="managerUserId" name="managerUserId" defaultValue="">
              {people}
            </select>
          </div>
          <div className="field">
            <label htmlFor="fee">Fee per return (dollars)</label>
            <p className="hint">Invoiced after the client approves the return. Leave empty to not bill.</p>
            <input id="fee" name="fee" inputMode="decimal" placeholder="450" />
            <FieldError id="fee-error" message={fieldError('fee')} />
          </div>
          <div className="form-actions">
            <button type="submit" className="button button-primary" disabled={submitting}>
              {submitting ? 'Starting…' : 'Start the season'}
            </button>
          </div>
        </Form>
      </section>
      <section className="card" aria-labelledby="runs-title">
        <h2 id="runs-title">Recent season starts</h2>
        {runs === null ? (
          <Notice tone="warning">
            Temporal is not reachable right now, so recent starts cannot be listed.
          </Notice>
        ) : runs.length === 0 ? (
          <EmptyState title="No season started yet" />
        ) : (
          <ul className="item-list">
            {runs.map((run) => (
              <li key={run.workflowId} className="item">
                <div className="item-main">
                  <a
                    className="item-title"
                    href={`/app/tax-season?run=${encodeURIComponent(run.workflowId)}`}
                  >
                    {run.progress
                      ? `${run.progress.taxYear} · ${run.progress.clientKind} · ${run.progress.returnType}`
                      : run.workflowId}
                  </a>
                  <span className="item-meta">
                    {run.progress
                      ? `${run.progress.started} started, ${run.progress.alreadyRunning} already running, ${run.progress.failed} could not start`
                      : ''}
                    {run.running ? ' · running' : ''}
                  </span>
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
