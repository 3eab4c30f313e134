import { data } from '@remix-run/node';
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { findPortalAccount } from '../../../db/portal/portal-sign-in';
import { RedirectError } from '../http/redirect.server';
import { portalRoute } from '../http/route.server';
import { PortalErrorBoundary } from '../portal/portal-error';
import { portalAsk, submitProfile } from '../portal/portal-home.server';
import { PortalDocumentList, PortalItem, PortalItemList } from '../portal/portal-list';
import { portalOverview } from '../portal/portal-views.server';
import { usStateNames } from '../portal/us-states';
import { FieldError, FormError, ProgressBar, StatusBadge, TextField } from '../ui/components';
import { dateFormat } from '../ui/dates.server';
import { CsrfInput } from '../ui/csrf-input';

export const meta: MetaFunction = () => [{ title: 'Client portal' }, { name: 'robots', content: 'noindex' }];

export async function loader(args: LoaderFunctionArgs) {
  return portalRoute(args, 'portal.view', async ({ portal, em }) => {
    const justSubmitted = new URL(args.request.url).searchParams.get('submitted') === '1';
    const format = dateFormat(portal.timeZone);
    const ask = await portalAsk(em, { portal, justSubmitted, format });
    const account = await findPortalAccount(em, portal);
    return {
      firstName: portal.contactName.split(/\s+/)[0] ?? portal.contactName,
      firmName: portal.firmName,
      clientName: portal.clientName,
      ask,
      // The first visit asks how to sign in next time (a password, or a code emailed each time).
      choosesSignIn: account?.signInMethod === null,
      ...(await portalOverview(em, { portal, format })),
    };
  });
}

export async function action(args: ActionFunctionArgs) {
  return portalRoute(args, 'portal.profile.submit', async ({ portal }) => {
    const outcome = await submitProfile(portal, await args.request.formData());
    if (outcome.ok) throw new RedirectError('/portal?submitted=1');
    return data(
      { fieldErrors: outcome.fieldErrors, formError: outcome.formError, values: outcome.values },
      { status: outcome.status },
    );
  });
}

export default function PortalHome() {
  const { firstName, firmName, ask, choosesSignIn } = useLoaderData<typeof loader>();
  return (
    <>
      <p className="portal-greeting">Hello {firstName},</p>
      {choosesSignIn ? <ChooseSignIn /> : null}
      {ask.kind === 'profile_form' ? (
        <ProfileForm firmName={firmName} states={ask.states} />
      ) : ask.kind === 'thank_you' ? (
        <section className="portal-card portal-success" aria-labelledby="thanks-title">
          <h1 id="thanks-title">
            {ask.justSubmitted ? 'Thank you! We have your details.' : 'We already have your details.'}
          </h1>
          {ask.submittedAt ? <p className="muted">Received {ask.submittedAt}.</p> : null}
          <h2>What happens next</h2>
          <ul className="portal-steps">
            <li>{firmName} reviews your details and sets up your account.</li>
            <li>They will email you about the next step. There is nothing else to do for now.</li>
          </ul>
          <p className="muted">You can close this page.</p>
        </section>
      ) : ask.kind === 'nothing_to_do' ? (
        <section className="portal-card" aria-labelledby="clear-title">
          <h1 id="clear-title">You are all set</h1>
          <p>{firmName} does not need anything from you right now. We will email you when they do.</p>
        </section>
      ) : ask.kind === 'not_running' ? (
        <section className="portal-card" aria-labelledby="closed-title">
          <h1 id="closed-title">Nothing to fill in here</h1>
          <p>
            {firmName} is no longer waiting for information through this page. If you think something is
            missing, please contact them directly.
          </p>
        </section>
      ) : (
        <section className="portal-card" aria-labelledby="unavailable-title">
          <h1 id="unavailable-title">Please try again in a few minutes</h1>
          <p>
            We cannot load what {firmName} needs from you just now. Nothing is lost; please come back a little
            later.
          </p>
        </section>
      )}
      <Overview />
    </>
  );
}

/** The first visit's question: how to get back in next time. */
function ChooseSignIn() {
  return (
    <section className="portal-card portal-notice" aria-labelledby="signin-choice-title">
      <h2 id="signin-choice-title">How would you like to sign in next time?</h2>
      <p className="muted">
        Choose a password, or we can email you a 6-digit code each time. You can change this later under
        Account.
      </p>
      <div className="portal-actions">
        <Link to="/portal/account#password" className="button button-primary button-large">
          Create a password
        </Link>
        <Form method="post" action="/portal/account">
          <CsrfInput />
          <input type="hidden" name="intent" value="email_codes" />
          <button type="submit" className="button button-secondary button-large">
            Email me a code each time
          </button>
        </Form>
      </div>
    </section>
  );
}

/** Everything of the client's in one place: engagements, invoices and documents. */
function Overview() {
  const { clientName, activeEngagements, completedEngagements, invoices, documents } =
    useLoaderData<typeof loader>();
  return (
    <>
      <section className="portal-card" aria-labelledby="work-title">
        <h2 id="work-title">Your work in progress</h2>
        <p className="muted small">For {clientName}</p>
        {activeEngagements.length === 0 ? (
          <p>Nothing is in progress right now.</p>
        ) : (
          <PortalItemList>
            {activeEngagements.map((engagement) => (
              <PortalItem
                key={engagement.id}
                title={engagement.title}
                to={`/portal/engagements/${engagement.id}`}
                meta={`${engagement.stage}${engagement.due ? ` · due ${engagement.due}` : ''}`}
                side={<ProgressBar value={engagement.progress} label={`${engagement.title}: progress`} />}
              />
            ))}
          </PortalItemList>
        )}
      </section>
      {invoices.length > 0 ? (
        <section className="portal-card" aria-labelledby="invoices-title">
          <h2 id="invoices-title">Invoices</h2>
          <PortalItemList>
            {invoices.map((invoice) => (
              <PortalItem
                key={invoice.id}
                title={invoice.description}
                to={`/portal/invoices/${invoice.id}`}
                meta={`${invoice.number}${invoice.due && invoice.status === 'open' ? ` · due ${invoice.due}` : ''}`}
                side={
                  <>
                    <span className="strong">{invoice.amount}</span>
                    <StatusBadge
                      status={invoice.status === 'open' ? 'open' : 'inactive'}
                      label={invoice.statusLabel}
                    />
                  </>
                }
              />
            ))}
          </PortalItemList>
        </section>
      ) : null}
      {documents.length > 0 ? (
        <section className="portal-card" aria-labelledby="documents-title">
          <h2 id="documents-title">Recent documents</h2>
          <PortalDocumentList documents={documents} />
        </section>
      ) : null}
      {completedEngagements.length > 0 ? (
        <section className="portal-card" aria-labelledby="done-title">
          <h2 id="done-title">Finished</h2>
          <PortalItemList>
            {completedEngagements.map((engagement) => (
              <PortalItem
                key={engagement.id}
                title={engagement.title}
                to={`/portal/engagements/${engagement.id}`}
                meta={`Finished · updated ${engagement.updated}`}
              />
            ))}
          </PortalItemList>
        </section>
      ) : null}
    </>
  );
}

function ProfileForm({ firmName, states }: { firmName: string; states: readonly string[] }) {
  const result = useActionData<typeof action>();
  const navigation = useNavigation();
  const busy = navigation.state === 'submitting';
  const values = result?.values ?? {};
  const errors = result?.fieldErrors ?? {};
  const errorCount = Object.keys(errors).length;
  const preferredContact = values.preferredContact ?? '';

  return (
    <section className="portal-card" aria-labelledby="profile-title">
      <h1 id="profile-title">Tell {firmName} about yourself</h1>
      <p className="muted">
        It takes about two minutes. {firmName} uses these details to set up your account.
      </p>
      <Form method="post" noValidate className="stack portal-form">
        <CsrfInput />
        <FormError message={result?.formError} />
        {errorCount > 0 ? (
          <div className="alert alert-danger" role="alert">
            {errorCount === 1 ? 'One answer needs' : `${errorCount} answers need`} your attention: each one is
            explained next to its field below.
          </div>
        ) : null}
        <TextField
          name="legalName"
          label="Full legal name"
          hint="As it appears on your tax documents."
          autoComplete="name"
          defaultValue={values.legalName}
          error={errors.legalName}
          required
        />
        <TextField
          name="preferredName"
          label="What should we call you?"
          optional
          autoComplete="nickname"
          defaultValue={values.preferredName}
          error={errors.preferredName}
        />
        <TextField
          name="phone"
          label="Phone number"
          type="tel"
          inputMode="tel"
          autoComplete="tel"
          hint="For example (555) 123-4567."
          defaultValue={values.phone}
          error={errors.phone}
          required
        />
        <TextField
          name="addressLine1"
          label="Street address"
          autoComplete="address-line1"
          defaultValue={values.addressLine1}
          error={errors.addressLine1}
          required
        />
        <TextField
          name="addressLine2"
          label="Apartment, suite, unit"
          optional
          autoComplete="address-line2"
          defaultValue={values.addressLine2}
          error={errors.addressLine2}
        />
        <TextField
          name="city"
          label="City"
          autoComplete="address-level2"
          defaultValue={values.city}
          error={errors.city}
          required
        />
        <div className={errors.state ? 'field field-invalid' : 'field'}>
          <label htmlFor="field-state">State</label>
          <select
            id="field-state"
            name="state"
            autoComplete="address-level1"
            defaultValue={values.state ?? ''}
            aria-invalid={errors.state ? true : undefined}
            aria-describedby={errors.state ? 'field-state-error' : undefined}
            required
          >
            <option value="">Choose your state</option>
            {states.map((code) => (
              <option key={code} value={code}>
                {usStateNames[code] ?? code}
              </option>
            ))}
          </select>
          <FieldError id="field-state-error" message={errors.state} />
        </div>
        <TextField
          name="postalCode"
          label="ZIP code"
          inputMode="numeric"
          autoComplete="postal-code"
          maxLength={10}
          defaultValue={values.postalCode}
          error={errors.postalCode}
          required
        />
        <fieldset
          className={errors.preferredContact ? 'field field-invalid' : 'field'}
          aria-describedby={errors.preferredContact ? 'field-preferredContact-error' : undefined}
        >
          <legend>How should we contact you?</legend>
          <div className="choices">
            <label className="choice">
              <input
                type="radio"
                name="preferredContact"
                value="email"
                defaultChecked={preferredContact === 'email'}
              />
              <span>Email</span>
            </label>
            <label className="choice">
              <input
                type="radio"
                name="preferredContact"
                value="phone"
                defaultChecked={preferredContact === 'phone'}
              />
              <span>Phone</span>
            </label>
          </div>
          <FieldError id="field-preferredContact-error" message={errors.preferredContact} />
        </fieldset>
        <button type="submit" className="button button-primary button-block button-large" disabled={busy}>
          {busy ? 'Sending…' : 'Send my details'}
        </button>
      </Form>
    </section>
  );
}

export function ErrorBoundary() {
  return <PortalErrorBoundary />;
}
