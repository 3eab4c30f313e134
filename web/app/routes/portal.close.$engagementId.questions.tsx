import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { questionsPage, submitAnswers } from '../close/portal-questions.server';
import { portalEngagementForm, portalEngagementPage } from '../portal/portal-engagement-form.server';
import { PortalErrorBoundary } from '../portal/portal-error';
import { FormError } from '../ui/components';
import { CsrfInput } from '../ui/csrf-input';

export const meta: MetaFunction = () => [
  { title: 'Questions about your transactions · Client portal' },
  { name: 'robots', content: 'noindex' },
];

/** `/portal/close/<id>/questions`: what were these transactions? One answer per line, phone-sized. */
export async function loader(args: LoaderFunctionArgs) {
  return portalEngagementPage(args, ({ portal, em, engagementId }) =>
    questionsPage(em, { portal, engagementId }),
  );
}

export async function action(args: ActionFunctionArgs) {
  return portalEngagementForm(args, ({ portal, em, actor, engagementId, form }) =>
    submitAnswers(em, { portal, engagementId, actor, form }),
  );
}

export default function CloseQuestions() {
  const page = useLoaderData<typeof loader>();
  const outcome = useActionData<typeof action>();
  const submitting = useNavigation().state === 'submitting';
  const error = outcome && !outcome.ok ? outcome : null;
  return (
    <>
      <p className="portal-greeting">
        <Link to="/portal">← Back to your portal</Link>
      </p>
      <section className="portal-card" aria-labelledby="questions-title">
        <h1 id="questions-title">What were these transactions?</h1>
        <p className="muted">
          {page.period ? `${page.period}: ` : ''}your bank feed has payments we could not place. Choose what
          each one was; we will categorize it in your books.
        </p>
        {outcome?.ok ? (
          <div className="alert alert-success" role="status">
            Thank you: {outcome.count} answer(s) received. They will show below in a moment.
          </div>
        ) : null}
        {page.closed ? <p className="muted">This month is closed: there is nothing left to answer.</p> : null}
      </section>
      {!page.closed && page.open.length > 0 ? (
        <Form method="post" className="stack">
          <CsrfInput />
          <FormError message={error && !error.questionId ? error.message : null} />
          {page.open.map((q) => (
            <fieldset key={q.id} className="portal-card field">
              <legend>
                <span className="strong">
                  {q.direction === 'expense' ? 'Paid' : 'Received'} {q.amount}
                </span>{' '}
                on {q.date}
              </legend>
              <p className="small">
                {q.payee ? `${q.payee}: ` : ''}
                {q.description}
              </p>
              {error?.questionId === q.id ? (
                <p className="field-error" role="alert">
                  {error.message}
                </p>
              ) : null}
              <label htmlFor={`category-${q.id}`}>What was it?</label>
              <select id={`category-${q.id}`} name={`category:${q.id}`} defaultValue="">
                <option value="">Answer later</option>
                {q.options.map((o) => (
                  <option key={o.accountId} value={o.accountId}>
                    {o.name}
                  </option>
                ))}
                <option value="unsure">I am not sure</option>
              </select>
              <label htmlFor={`note-${q.id}`}>Note (optional)</label>
              <input id={`note-${q.id}`} name={`note:${q.id}`} maxLength={500} />
            </fieldset>
          ))}
          <button type="submit" className="button button-primary button-large" disabled={submitting}>
            {submitting ? 'Sending…' : 'Send answers'}
          </button>
        </Form>
      ) : !page.closed ? (
        <section className="portal-card">
          <p>No open questions. Thank you!</p>
        </section>
      ) : null}
      {page.answered.length > 0 ? (
        <section className="portal-card" aria-labelledby="answered-title">
          <h2 id="answered-title">Answered</h2>
          <ul className="item-list">
            {page.answered.map((q) => (
              <li key={q.id} className="item">
                <div className="item-main">
                  <span className="item-title">
                    {q.date} · {q.payee ?? q.description} · {q.amount}
                  </span>
                  <span className="item-meta">{q.answer}</span>
                </div>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </>
  );
}

export function ErrorBoundary() {
  return <PortalErrorBoundary />;
}
