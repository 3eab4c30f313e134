import { data } from '@remix-run/node';
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { newClientId, submitNewClient } from '../clients/new-client.server';
import { RedirectError } from '../http/redirect.server';
import { staffRoute } from '../http/route.server';
import { FieldError, FormError, PageHeader, TextField } from '../ui/components';
import { PageErrorBoundary } from '../ui/error-panel';
import { CsrfInput } from '../ui/csrf-input';

export const meta: MetaFunction = () => [{ title: 'New client · CPA Platform' }];

export async function loader(args: LoaderFunctionArgs) {
  // The client ID is chosen when the form is shown: a double submit then names the same client and workflow.
  return staffRoute(args, 'clients.create', () => Promise.resolve({ clientId: newClientId() }));
}

export async function action(args: ActionFunctionArgs) {
  return staffRoute(args, 'clients.create', async ({ staff, em }) => {
    const outcome = await submitNewClient(em, staff, await args.request.formData());
    if (outcome.ok) throw new RedirectError(outcome.redirectTo);
    return data(
      { fieldErrors: outcome.fieldErrors, formError: outcome.formError, values: outcome.values },
      { status: outcome.status },
    );
  });
}

export default function NewClient() {
  const { clientId } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const navigation = useNavigation();
  const busy = navigation.state === 'submitting';
  const values = result?.values ?? {};
  const errors = result?.fieldErrors ?? {};
  const kind = values.kind || 'individual';

  return (
    <>
      <PageHeader
        title="New client"
        description="Creates the client and starts Client onboarding: we email the contact a portal invitation and remind them until they send their details."
      />
      <section className="card form-card">
        <Form method="post" noValidate className="stack">
          <CsrfInput />
          <FormError message={result?.formError ?? errors.clientId} />
          {Object.keys(errors).length > 0 && !result?.formError ? (
            <div className="alert alert-danger" role="alert">
              Please correct the highlighted fields.
            </div>
          ) : null}
          <input type="hidden" name="clientId" value={values.clientId || clientId} />

          <fieldset
            className={errors.kind ? 'field field-invalid' : 'field'}
            aria-describedby={errors.kind ? 'field-kind-error' : undefined}
          >
            <legend>Kind of client</legend>
            <div className="choices">
              <label className="choice">
                <input type="radio" name="kind" value="individual" defaultChecked={kind === 'individual'} />
                <span>
                  <strong>Individual</strong>
                  <span className="muted small">A person or household</span>
                </span>
              </label>
              <label className="choice">
                <input type="radio" name="kind" value="business" defaultChecked={kind === 'business'} />
                <span>
                  <strong>Business</strong>
                  <span className="muted small">A company, partnership or nonprofit</span>
                </span>
              </label>
            </div>
            <FieldError id="field-kind-error" message={errors.kind} />
          </fieldset>

          <TextField
            name="displayName"
            label="Client name"
            hint="As your staff will see it, e.g. “Jordan Lee” or “Lee Bakery LLC”."
            autoComplete="off"
            defaultValue={values.displayName}
            error={errors.displayName}
            required
          />
          <div className="form-row">
            <TextField
              name="contactName"
              label="Contact name"
              hint="The person we invite to the client portal."
              autoComplete="off"
              defaultValue={values.contactName}
              error={errors.contactName}
              required
            />
            <TextField
              name="contactEmail"
              label="Contact email"
              hint="The invitation goes to this address."
              type="email"
              inputMode="email"
              autoComplete="off"
              spellCheck={false}
              defaultValue={values.contactEmail}
              error={errors.contactEmail}
              required
            />
          </div>
          <div className="form-actions">
            <button type="submit" className="button button-primary" disabled={busy}>
              {busy ? 'Starting onboarding…' : 'Create client and start onboarding'}
            </button>
            <Link to="/app/clients" className="button button-ghost">
              Cancel
            </Link>
          </div>
        </Form>
      </section>
    </>
  );
}

export function ErrorBoundary() {
  return <PageErrorBoundary homeHref="/app" />;
}
