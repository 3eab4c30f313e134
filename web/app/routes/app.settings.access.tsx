import { data } from '@remix-run/node';
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, useActionData, useLoaderData, useNavigation, useSearchParams } from '@remix-run/react';
import { z } from 'zod';
import { Organization } from '../../../db/organizations/organization.entity';
import { updateAccessSettings } from '../../../db/organizations/update-access-settings';
import {
  maxPortalLinkLifetimeDays,
  minPortalLinkLifetimeDays,
  portalLinkLifetimeDays,
} from '../../../db/portal/issue-portal-link';
import { fieldErrorsOf } from '../forms/validation.server';
import { RedirectError } from '../http/redirect.server';
import { staffRoute } from '../http/route.server';
import { FormError, Notice, PageHeader, TextField } from '../ui/components';
import { CsrfInput } from '../ui/csrf-input';
import { PageErrorBoundary } from '../ui/error-panel';

export const meta: MetaFunction = () => [{ title: 'Access settings · CPA Platform' }];

export async function loader(args: LoaderFunctionArgs) {
  return staffRoute(args, 'settings.manage', async ({ staff, em }) => {
    const { settings } = await em.findOneOrFail(Organization, { id: staff.organizationId });
    return {
      preparersSeeAllEngagements: settings.preparersSeeAllEngagements === true,
      portalInvitationExpiryDays: portalLinkLifetimeDays(settings),
      // Sent from the loader: the page must not import db/ modules into the browser bundle.
      lifetimeDays: { min: minPortalLinkLifetimeDays, max: maxPortalLinkLifetimeDays },
    };
  });
}

const ZAccessForm = z.object({
  preparersSeeAllEngagements: z.enum(['assigned', 'all'], { error: 'Choose what preparers see' }),
  portalInvitationExpiryDays: z.coerce
    .number({ error: 'Enter a number of days' })
    .int('Enter a whole number of days')
    .min(minPortalLinkLifetimeDays, `Choose at least ${minPortalLinkLifetimeDays} day`)
    .max(maxPortalLinkLifetimeDays, `Choose at most ${maxPortalLinkLifetimeDays} days`),
});

export async function action(args: ActionFunctionArgs) {
  return staffRoute(args, 'settings.manage', async ({ staff, em, actor }) => {
    const form = Object.fromEntries(await args.request.formData());
    const parsed = ZAccessForm.safeParse(form);
    if (!parsed.success) {
      return data(
        {
          fieldErrors: fieldErrorsOf(parsed.error),
          values: {
            days: typeof form.portalInvitationExpiryDays === 'string' ? form.portalInvitationExpiryDays : '',
          },
        },
        { status: 400 },
      );
    }
    await updateAccessSettings(em, actor, {
      organizationId: staff.organizationId,
      settings: {
        preparersSeeAllEngagements: parsed.data.preparersSeeAllEngagements === 'all',
        portalInvitationExpiryDays: parsed.data.portalInvitationExpiryDays,
      },
    });
    throw new RedirectError('/app/settings/access?saved=1');
  });
}

export default function AccessSettings() {
  const settings = useLoaderData<typeof loader>();
  const { min: minDays, max: maxDays } = settings.lifetimeDays;
  const result = useActionData<typeof action>();
  const [searchParams] = useSearchParams();
  const busy = useNavigation().state !== 'idle';
  return (
    <>
      <PageHeader
        title="Access settings"
        description="Who at the firm sees which engagements, and how long portal links work."
      />
      {searchParams.get('saved') === '1' && !result ? <Notice tone="success">Settings saved.</Notice> : null}
      <section className="card form-card">
        <Form method="post" noValidate className="stack">
          <CsrfInput />
          <FormError message={result ? 'Please correct the fields below.' : null} />
          <fieldset className="field">
            <legend>What preparers see</legend>
            <div className="choices">
              <label className="choice">
                <input
                  type="radio"
                  name="preparersSeeAllEngagements"
                  value="assigned"
                  defaultChecked={!settings.preparersSeeAllEngagements}
                />
                <span>Only engagements assigned to them</span>
              </label>
              <label className="choice">
                <input
                  type="radio"
                  name="preparersSeeAllEngagements"
                  value="all"
                  defaultChecked={settings.preparersSeeAllEngagements}
                />
                <span>Every engagement of the firm</span>
              </label>
            </div>
            <p className="hint">
              With “only assigned”, a preparer sees the clients, tasks and documents of their own engagements;
              anything else answers “not found”.
            </p>
          </fieldset>
          <TextField
            name="portalInvitationExpiryDays"
            label="Portal invitation links work for (days)"
            type="number"
            inputMode="numeric"
            min={minDays}
            max={maxDays}
            hint={`Between ${minDays} and ${maxDays}. Each link opens the portal once; a new one replaces older ones.`}
            defaultValue={result?.values.days ?? String(settings.portalInvitationExpiryDays)}
            error={result?.fieldErrors.portalInvitationExpiryDays}
            required
          />
          <div className="form-actions">
            <button type="submit" className="button button-primary" disabled={busy}>
              {busy ? 'Saving…' : 'Save settings'}
            </button>
          </div>
        </Form>
      </section>
    </>
  );
}

export function ErrorBoundary() {
  return <PageErrorBoundary homeHref="/app" />;
}
