import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { isUuid } from '../../../lib/ids';
import { notFound, portalRoute } from '../http/route.server';
import { PortalErrorBoundary } from '../portal/portal-error';
import { portalInvoice } from '../portal/portal-views.server';
import { StatusBadge } from '../ui/components';
import { dateFormat } from '../ui/dates.server';

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `Invoice ${data.invoice.number} · Client portal` : 'Client portal' },
  { name: 'robots', content: 'noindex' },
];

/** One of the client's invoices: amounts, dates and, while it is open, the way to pay it. */
export async function loader(args: LoaderFunctionArgs) {
  return portalRoute(args, 'portal.invoices.view', async ({ portal, em }) => {
    const invoiceId = args.params.invoiceId;
    if (!isUuid(invoiceId)) notFound('This invoice');
    const invoice = await portalInvoice(em, { portal, invoiceId, format: dateFormat(portal.timeZone) });
    if (!invoice) notFound('This invoice');
    return { invoice };
  });
}

export default function PortalInvoice() {
  const { invoice } = useLoaderData<typeof loader>();
  return (
    <>
      <p className="portal-greeting">
        <Link to="/portal">← Back to your portal</Link>
      </p>
      <section className="portal-card" aria-labelledby="invoice-title">
        <h1 id="invoice-title">Invoice {invoice.number}</h1>
        <p>
          <StatusBadge status={invoice.status === 'open' ? 'open' : 'inactive'} label={invoice.statusLabel} />
        </p>
        <p>{invoice.description}</p>
        <dl className="details">
          <dt>Amount</dt>
          <dd className="strong">{invoice.amount}</dd>
          {invoice.status === 'open' ? (
            <>
              <dt>Still to pay</dt>
              <dd>{invoice.outstanding}</dd>
            </>
          ) : null}
          <dt>Issued</dt>
          <dd>{invoice.issued}</dd>
          {invoice.due ? (
            <>
              <dt>Due</dt>
              <dd>{invoice.due}</dd>
            </>
          ) : null}
          {invoice.paidOn ? (
            <>
              <dt>Paid</dt>
              <dd>{invoice.paidOn}</dd>
            </>
          ) : null}
          {invoice.engagement ? (
            <>
              <dt>For</dt>
              <dd>
                <Link to={`/portal/engagements/${invoice.engagement.id}`}>{invoice.engagement.title}</Link>
              </dd>
            </>
          ) : null}
        </dl>
        {invoice.payUrl ? (
          <p>
            <a
              href={invoice.payUrl}
              className="button button-primary button-block button-large"
              rel="noreferrer"
            >
              Pay {invoice.outstanding} securely
            </a>
          </p>
        ) : null}
      </section>
    </>
  );
}

export function ErrorBoundary() {
  return <PortalErrorBoundary />;
}
