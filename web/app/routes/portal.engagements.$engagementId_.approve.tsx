import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { portalEngagementForm, portalEngagementPage } from '../portal/portal-engagement-form.server';
import { PortalErrorBoundary } from '../portal/portal-error';
import { approvalPage, submitApproval } from '../tax-return/portal-approval.server';
import { FieldError, FormError } from '../ui/components';
import { CsrfInput } from '../ui/csrf-input';
import { dateFormat } from '../ui/dates.server';

export const meta: MetaFunction = () => [
  { title: 'Approve your tax return · Client portal' },
  { name: 'robots', content: 'noindex' },
];

/** `/portal/engagements/<id>/approve`: the return's summary and the e-file authorization to sign. */
export async function loader(args: LoaderFunctionArgs) {
  return portalEngagementPage(args, ({ portal, em, engagementId }) =>
    approvalPage(em, { portal, engagementId, format: dateFormat(portal.timeZone) }),
  );
}

export async function action(args: ActionFunctionArgs) {
  return portalEngagementForm(args, ({ portal, em, actor, engagementId, form }) =>
    submitApproval(em, { portal, engagementId, actor, form }),
  );
}

export default function ApproveReturn() {
  const page = useLoaderData<typeof loader>();
  const outcome = useActionData<typeof action>();
  const submitting = useNavigation().state === 'submitting';
  const { approval, summary } = page;
  const open = approval?.status === 'requested' && !(outcome && outcome.ok);
  const error = outcome && !outcome.ok ? outcome : null;

  return (
    <>
      <p className="portal-greeting">
        <Link to={`/portal/engagements/${page.engagement.id}`}>← {page.engagement.title}</Link>
      </p>
      {outcome?.ok ? (
        <section className="portal-card portal-success" aria-labelledby="done-title">
          <h1 id="done-title">
            {outcome.kind === 'signed'
              ? 'Thank you: you approved your return'
              : 'Thank you: we got your message'}
          </h1>
          <p>
            {outcome.kind === 'signed'
              ? 'Your e-file authorization is recorded. We will file your return and tell you when the IRS has it.'
              : 'Your accountant will look at the changes you asked for and send you the return again.'}
          </p>
        </section>
      ) : null}
      {!summary || !approval ? (
        <section className="portal-card" aria-labelledby="nothing-title">
          <h1 id="nothing-title">Nothing to approve yet</h1>
          <p className="muted">We will email you when your return is ready for your approval.</p>
        </section>
      ) : (
        <>
          <section className="portal-card" aria-labelledby="summary-title">
            <h1 id="summary-title">Your {summary.taxYear} tax return</h1>
            <p className="muted">{summary.form}</p>
            <dl className="details">
              <dt>Federal</dt>
              <dd className="strong">{summary.federal}</dd>
              {summary.state ? (
                <>
                  <dt>State</dt>
                  <dd className="strong">{summary.state}</dd>
                </>
              ) : null}
            </dl>
            {summary.notes ? <p>{summary.notes}</p> : null}
          </section>
          {open ? (
            <>
              <section className="portal-card" aria-labelledby="sign-title">
                <h2 id="sign-title">Sign the e-file authorization</h2>
                <Form method="post" className="stack">
                  <CsrfInput />
                  <input type="hidden" name="intent" value="sign" />
                  <input type="hidden" name="round" value={approval.round} />
                  <p className="small">{page.consent}</p>
                  <FormError message={error && !error.field ? error.message : null} />
                  <div className={error?.field === 'consent' ? 'field field-invalid' : 'field'}>
                    <label className="choice">
                      <input
                        type="checkbox"
                        name="consent"
                        value="yes"
                        required
                        aria-invalid={error?.field === 'consent' ? true : undefined}
                        aria-describedby={error?.field === 'consent' ? 'consent-error' : undefined}
                      />{' '}
                      I have reviewed my return and I authorize e-filing
                    </label>
                    <FieldError
                      id="consent-error"
                      message={error?.field === 'consent' ? error.message : undefined}
                    />
                  </div>
                  <div className={error?.field === 'typedName' ? 'field field-invalid' : 'field'}>
                    <label htmlFor="typedName">Type your full name as your signature</label>
                    <p className="hint" id="typedName-hint">
                      As we have it: {page.contactName}. The time, your IP address and browser are recorded
                      with it.
                    </p>
                    <input
                      id="typedName"
                      name="typedName"
                      autoComplete="name"
                      required
                      maxLength={200}
                      aria-invalid={error?.field === 'typedName' ? true : undefined}
                      aria-describedby={
                        error?.field === 'typedName' ? 'typedName-hint typedName-error' : 'typedName-hint'
                      }
                    />
                    <FieldError
                      id="typedName-error"
                      message={error?.field === 'typedName' ? error.message : undefined}
                    />
                  </div>
                  <button type="submit" className="button button-primary button-large" disabled={submitting}>
                    {submitting ? 'Signing…' : 'Approve and sign'}
                  </button>
                </Form>
              </section>
              <section className="portal-card" aria-labelledby="changes-title">
                <h2 id="changes-title">Something looks wrong?</h2>
                <Form method="post" className="stack">
                  <CsrfInput />
                  <input type="hidden" name="intent" value="changes" />
                  <input type="hidden" name="round" value={approval.round} />
                  <div className={error?.field === 'message' ? 'field field-invalid' : 'field'}>
                    <label htmlFor="message">Tell your accountant what should change</label>
                    <textarea
                      id="message"
                      name="message"
                      rows={4}
                      maxLength={2000}
                      required
                      aria-invalid={error?.field === 'message' ? true : undefined}
                      aria-describedby={error?.field === 'message' ? 'message-error' : undefined}
                    />
                    <FieldError
                      id="message-error"
                      message={error?.field === 'message' ? error.message : undefined}
                    />
                  </div>
                  <button
                    type="submit"
                    className="button button-secondary button-large"
                    disabled={submitting}
                  >
                    Ask for changes
                  </button>
                </Form>
              </section>
            </>
          ) : outcome?.ok ? null : (
            <section className="portal-card" aria-labelledby="state-title">
              <h2 id="state-title">
                {approval.status === 'signed'
                  ? 'You approved this return'
                  : approval.status === 'changes_requested'
                    ? 'You asked for changes'
                    : 'This request was withdrawn'}
              </h2>
              <p className="muted">
                {approval.status === 'signed'
                  ? `Signed by ${approval.typedName ?? ''} on ${approval.signedAt ?? ''}.`
                  : approval.status === 'changes_requested'
                    ? `“${approval.changesMessage ?? ''}” Your accountant will send the return again.`
                    : 'Your accountant no longer needs your approval for this return.'}
              </p>
            </section>
          )}
        </>
      )}
    </>
  );
}

export function ErrorBoundary() {
  return <PortalErrorBoundary />;
}
