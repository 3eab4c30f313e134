import { randomUUID } from 'node:crypto';
import { data } from '@remix-run/node';
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { z } from 'zod';
import { Client } from '../../../db/clients/client.entity';
import { Organization } from '../../../db/organizations/organization.entity';
import { isUuid } from '../../../lib/ids';
import { isAppError } from '../../../lib/errors';
import { fieldErrorsOf, formValues } from '../forms/validation.server';
import { RedirectError } from '../http/redirect.server';
import { staffRoute } from '../http/route.server';
import { startDocumentIntake } from '../intake/intake-workflow.server';
import { FieldError, FormError, PageHeader, TextField } from '../ui/components';
import { CsrfInput } from '../ui/csrf-input';
import { PageErrorBoundary } from '../ui/error-panel';
import { checklistTemplate } from '../../../workflows/intake/checklist-templates';
import { endOfDayInTimeZone } from '../../../workflows/tax-return/due-dates';

export const meta: MetaFunction = () => [{ title: 'Collect documents · CPA Platform' }];

const fields = ['engagementId', 'clientId', 'checklistType', 'taxYear', 'period', 'dueDate'] as const;

const thisYear = new Date().getUTCFullYear();

const ZStartIntakeForm = z
  .object({
    engagementId: z.uuid('Open the form again: it has expired'),
    clientId: z.uuid('Choose a client'),
    checklistType: z.enum(['document_intake', 'tax_return', 'monthly_close'], {
      error: 'Choose which checklist to start from',
    }),
    taxYear: z
      .string()
      .trim()
      .transform((v) => (v === '' ? undefined : Number(v)))
      .pipe(
        z
          .number({ error: 'Enter a tax year such as 2026' })
          .int('Enter a tax year such as 2026')
          .min(2000, 'Enter a tax year from 2000')
          .max(thisYear + 1, `Enter a tax year up to ${thisYear + 1}`)
          .optional(),
      ),
    period: z
      .string()
      .trim()
      .transform((v) => (v === '' ? undefined : v))
      .pipe(
        z
          .string()
          .regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'Enter the month as YYYY-MM, for example 2026-10')
          .optional(),
      ),
    dueDate: z
      .string()
      .trim()
      .transform((v) => (v === '' ? undefined : v))
      .pipe(
        z
          .string()
          .regex(/^\d{4}-\d{2}-\d{2}$/, 'Enter a date')
          .optional(),
      ),
  })
  .refine((f) => f.checklistType !== 'tax_return' || f.taxYear !== undefined, {
    message: 'Enter the tax year',
    path: ['taxYear'],
  })
  .refine((f) => f.checklistType !== 'monthly_close' || f.period !== undefined, {
    message: 'Enter the month',
    path: ['period'],
  });

/** The firm's clients to choose from (the first 500 by name; a `?client=` link preselects one). */
export async function loader(args: LoaderFunctionArgs) {
  return staffRoute(args, 'engagements.assign', async ({ staff, em }) => {
    const clients = await em.find(
      Client,
      { organization: staff.organizationId, status: { $ne: 'inactive' } },
      { orderBy: { displayName: 'asc', id: 'asc' }, limit: 500, fields: ['id', 'displayName', 'kind'] },
    );
    const preselected = new URL(args.request.url).searchParams.get('client');
    return {
      engagementId: randomUUID(),
      clients: clients.map((c) => ({ id: c.id, name: c.displayName, kind: c.kind })),
      preselected: isUuid(preselected ?? undefined) ? preselected : null,
      examples: {
        document_intake: checklistTemplate('document_intake', { clientKind: 'individual' }).map(
          (i) => i.label,
        ),
        tax_return: checklistTemplate('tax_return', { clientKind: 'individual', taxYear: thisYear }).map(
          (i) => i.label,
        ),
        monthly_close: checklistTemplate('monthly_close', { clientKind: 'business' }).map((i) => i.label),
      },
    };
  });
}

/** Starts a standalone document intake and opens its engagement page. */
export async function action(args: ActionFunctionArgs) {
  return staffRoute(args, 'engagements.assign', async ({ staff, em }) => {
    const form = await args.request.formData();
    const values = formValues(form, fields);
    const parsed = ZStartIntakeForm.safeParse(values);
    if (!parsed.success) {
      return data({ fieldErrors: fieldErrorsOf(parsed.error), formError: null, values }, { status: 400 });
    }
    const input = parsed.data;
    const client = await em.findOne(Client, { id: input.clientId, organization: staff.organizationId });
    if (!client) {
      return data({ fieldErrors: { clientId: 'Choose a client' }, formError: null, values }, { status: 400 });
    }
    const firm = await em.findOneOrFail(Organization, { id: staff.organizationId });
    // Due at the end of that day in the firm's time zone.
    const dueAt = input.dueDate ? endOfDayInTimeZone(input.dueDate, firm.settings.timeZone) : undefined;
    if (dueAt && dueAt.getTime() < Date.now()) {
      return data(
        { fieldErrors: { dueDate: 'Choose a date from today' }, formError: null, values },
        { status: 400 },
      );
    }
    try {
      await startDocumentIntake({
        organizationId: staff.organizationId,
        clientId: client.id,
        engagementId: input.engagementId,
        checklistType: input.checklistType,
        clientKind: client.kind,
        taxYear: input.checklistType === 'tax_return' ? input.taxYear : undefined,
        period: input.checklistType === 'monthly_close' ? input.period : undefined,
        dueAt: dueAt?.toISOString(),
        startedByUserId: staff.userId,
        reviewConfidenceThreshold: firm.settings.reviewConfidenceThreshold,
      });
    } catch (error) {
      if (isAppError(error) && (error.code === 'unavailable' || error.code === 'conflict')) {
        return data({ fieldErrors: {}, formError: error.userMessage, values }, { status: error.httpStatus });
      }
      throw error;
    }
    throw new RedirectError(`/app/engagements/${input.engagementId}`);
  });
}

export default function StartIntake() {
  const { engagementId, clients, preselected, examples } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state === 'submitting';
  const values: Record<string, string> = result?.values ?? {};
  const errors: Record<string, string> = result?.fieldErrors ?? {};
  return (
    <>
      <PageHeader
        title="Collect documents"
        description="Emails the client a checklist, reads every upload, sends reminders on the firm's schedule and asks staff to review what the reader is unsure about."
      />
      <section className="card form-card">
        <Form method="post" noValidate className="stack">
          <CsrfInput />
          <FormError message={result?.formError} />
          <input type="hidden" name="engagementId" value={values.engagementId || engagementId} />
          <div className={errors.clientId ? 'field field-invalid' : 'field'}>
            <label htmlFor="field-clientId">Client</label>
            <select
              id="field-clientId"
              name="clientId"
              defaultValue={values.clientId || preselected || ''}
              aria-invalid={errors.clientId ? true : undefined}
              aria-describedby={errors.clientId ? 'field-clientId-error' : undefined}
            >
              <option value="" disabled>
                Choose a client
              </option>
              {clients.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name}
                </option>
              ))}
            </select>
            <FieldError id="field-clientId-error" message={errors.clientId} />
          </div>
          <fieldset className={errors.checklistType ? 'field field-invalid' : 'field'}>
            <legend>Start from the checklist for</legend>
            <div className="choices">
              {(
                [
                  ['document_intake', 'General documents'],
                  ['tax_return', 'A tax return'],
                  ['monthly_close', 'A monthly close'],
                ] as const
              ).map(([value, label]) => (
                <label className="choice" key={value}>
                  <input
                    type="radio"
                    name="checklistType"
                    value={value}
                    defaultChecked={(values.checklistType || 'document_intake') === value}
                  />
                  <span>
                    <strong>{label}</strong>
                    <span className="muted small">{examples[value].join(' · ')}</span>
                  </span>
                </label>
              ))}
            </div>
            <FieldError id="field-checklistType-error" message={errors.checklistType} />
          </fieldset>
          <div className="form-row">
            <TextField
              name="taxYear"
              label="Tax year"
              hint="For a tax return checklist"
              inputMode="numeric"
              defaultValue={values.taxYear ?? String(thisYear - 1)}
              error={errors.taxYear}
              optional
            />
            <TextField
              name="period"
              label="Month (YYYY-MM)"
              hint="For a monthly close checklist"
              defaultValue={values.period ?? ''}
              error={errors.period}
              optional
            />
          </div>
          <TextField
            name="dueDate"
            label="Due date"
            type="date"
            hint="Shown to the client; staff see when it passes"
            defaultValue={values.dueDate ?? ''}
            error={errors.dueDate}
            optional
          />
          <div className="form-actions">
            <button type="submit" className="button button-primary" disabled={busy}>
              {busy ? 'Starting…' : 'Email the checklist to the client'}
            </button>
          </div>
        </Form>
      </section>
    </>
  );
}

export { PageErrorBoundary as ErrorBoundary };
