/**
 * /pay/<invoiceId>?key=…: the local payment page (PAYMENTS_PROVIDER=local only; 404 otherwise).
 *
 * It stands in for Stripe's hosted invoice page, so it lives where that page's link can point
 * without a portal session: clients open it from the invoice email on their phone, as they would
 * Stripe's. The key in the link (an HMAC of the invoice ID) is the access check; an invoice of
 * another firm or a wrong key answers the same 404. See payments/local-payment.server.ts.
 */
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, useActionData, useLoaderData, useNavigation, useRouteError } from '@remix-run/react';
import { isAppError } from '../../../lib/errors';
import { RedirectError } from '../http/redirect.server';
import { publicRoute } from '../http/route.server';
import {
  invoiceForPaymentLink,
  localPaymentView,
  payLocally,
  type TLocalPaymentState,
} from '../payments/local-payment.server';
import type { ReactNode } from 'react';
import { describeRouteError } from '../http/route-error';
import { CsrfInput } from '../ui/csrf-input';
import { ErrorPanel } from '../ui/error-panel';

export const meta: MetaFunction = () => [
  { title: 'Pay your invoice (local test payment)' },
  { name: 'robots', content: 'noindex' },
  { name: 'referrer', content: 'no-referrer' },
];

function linkOf(request: Request, params: { invoiceId?: string }) {
  return { invoiceId: params.invoiceId, key: new URL(request.url).searchParams.get('key') };
}

export async function loader(args: LoaderFunctionArgs) {
  return publicRoute(args, async ({ em }) => {
    const link = linkOf(args.request, args.params);
    const invoice = await invoiceForPaymentLink(em, link);
    const search = new URL(args.request.url).searchParams;
    return {
      view: await localPaymentView(em, invoice),
      justPaid: search.get('paid') === '1',
      confirming: search.get('paid') === 'pending',
    };
  });
}

export async function action(args: ActionFunctionArgs) {
  return publicRoute(args, async ({ em }) => {
    const link = linkOf(args.request, args.params);
    const invoice = await invoiceForPaymentLink(em, link);
    const back = `/pay/${invoice.id}?key=${encodeURIComponent(link.key ?? '')}`;
    if (invoice.status !== 'open' && invoice.status !== 'uncollectible') throw new RedirectError(back);
    let recorded: boolean;
    try {
      ({ recorded } = await payLocally(em, invoice, { request: args.request }));
    } catch (error) {
      // The delivery failed: say so on the page, which still offers to pay.
      if (isAppError(error) && error.code === 'unavailable') return { error: error.userMessage };
      throw error;
    }
    throw new RedirectError(`${back}&paid=${recorded ? '1' : 'pending'}`);
  });
}

const stateBadges: Record<TLocalPaymentState, { label: string; className: string }> = {
  payable: { label: 'Due', className: 'badge badge-warning' },
  paid: { label: 'Paid', className: 'badge badge-success' },
  void: { label: 'Cancelled', className: 'badge badge-neutral' },
  not_ready: { label: 'Not issued yet', className: 'badge badge-neutral' },
};

function PaymentFrame({ firmName, children }: { firmName: string; children: ReactNode }) {
  return (
    <div className="portal">
      <header className="portal-header">
        <span className="brand-mark" aria-hidden="true">
          CPA
        </span>
        <span className="portal-title">{firmName}</span>
      </header>
      <main id="main" className="portal-main stack">
        <div className="alert alert-warning" role="note">
          <strong>Local test payment — no real card is charged.</strong> This page stands in for the card
          payment page while the platform runs without Stripe.
        </div>
        {children}
      </main>
      <footer className="portal-footer">Local test mode: paying here moves no money.</footer>
    </div>
  );
}

export default function LocalPaymentPage() {
  const { view, justPaid, confirming } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state === 'submitting';
  const badge = stateBadges[view.state];

  return (
    <PaymentFrame firmName={view.firmName}>
      {justPaid && view.state === 'paid' ? (
        <div className="alert alert-success" role="status">
          Thank you! Your payment was received and {view.firmName} has been told.
        </div>
      ) : null}
      {confirming && view.state !== 'paid' ? (
        <div className="alert alert-info" role="status">
          Your payment was sent and is being recorded. Reload this page in a moment to see it confirmed.
        </div>
      ) : null}
      {result?.error ? (
        <div className="alert alert-danger" role="alert">
          {result.error}
        </div>
      ) : null}
      <section
        className={view.state === 'paid' ? 'portal-card portal-success' : 'portal-card'}
        aria-labelledby="invoice-title"
      >
        <p className="eyebrow">
          Invoice {view.number} from {view.firmName}
        </p>
        <h1 id="invoice-title">{view.description}</h1>
        <div className="table-wrap">
          <table className="table">
            <caption className="visually-hidden">What this invoice is for</caption>
            <thead>
              <tr>
                <th scope="col">Item</th>
                <th scope="col" className="nowrap">
                  Amount
                </th>
              </tr>
            </thead>
            <tbody>
              {view.lines.map((line, index) => (
                <tr key={index}>
                  <td>{line.description}</td>
                  <td className="nowrap">{line.amount}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <dl className="details">
          {view.state === 'paid' ? (
            <>
              <dt>Amount paid</dt>
              <dd className="strong">{view.amountPaid}</dd>
              {view.paidOn ? (
                <>
                  <dt>Paid on</dt>
                  <dd>{view.paidOn}</dd>
                </>
              ) : null}
            </>
          ) : (
            <>
              <dt>Amount due</dt>
              <dd className="strong">{view.total}</dd>
            </>
          )}
          {view.dueDate && view.state === 'payable' ? (
            <>
              <dt>Due</dt>
              <dd>
                {view.dueDate} {view.overdue ? <span className="badge badge-danger">Overdue</span> : null}
              </dd>
            </>
          ) : null}
          <dt>Status</dt>
          <dd>
            <span className={badge.className}>{badge.label}</span>
          </dd>
        </dl>
        {view.state === 'payable' ? (
          <Form method="post">
            <CsrfInput />
            <button type="submit" className="button button-primary button-block button-large" disabled={busy}>
              {busy ? 'Paying…' : `Pay ${view.total}`}
            </button>
          </Form>
        ) : view.state === 'paid' ? (
          <p>This invoice is paid. There is nothing more to do; you can close this page.</p>
        ) : view.state === 'void' ? (
          <p>{view.firmName} cancelled this invoice. There is nothing to pay.</p>
        ) : (
          <p>
            This invoice is not ready to be paid yet. Please use the link in the email {view.firmName} sends
            you.
          </p>
        )}
      </section>
    </PaymentFrame>
  );
}

export function ErrorBoundary() {
  return (
    <main className="standalone">
      <ErrorPanel error={describeRouteError(useRouteError())} />
    </main>
  );
}
