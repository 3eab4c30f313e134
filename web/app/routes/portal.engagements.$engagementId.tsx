import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { isUuid } from '../../../lib/ids';
import { notFound, portalRoute } from '../http/route.server';
import { PortalErrorBoundary } from '../portal/portal-error';
import { portalEngagement } from '../portal/portal-views.server';
import { ProgressBar, StatusBadge } from '../ui/components';
import { dateFormat } from '../ui/dates.server';

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `${data.engagement.title} · Client portal` : 'Client portal' },
  { name: 'robots', content: 'noindex' },
];

/** One of the client's engagements: where it stands, the documents asked for and sent, invoices. */
export async function loader(args: LoaderFunctionArgs) {
  return portalRoute(args, 'portal.engagements.view', async ({ portal, em }) => {
    const engagementId = args.params.engagementId;
    if (!isUuid(engagementId)) notFound('This page');
    const view = await portalEngagement(em, { portal, engagementId, format: dateFormat(portal.timeZone) });
    if (!view) notFound('This page');
    return view;
  });
}

const requestTone: Record<string, string> = {
  open: 'open',
  received: 'active',
  accepted: 'completed',
  rejected: 'failed',
  waived: 'inactive',
};

export default function PortalEngagement() {
  const { engagement, checklist, documents, invoices } = useLoaderData<typeof loader>();
  return (
    <>
      <p className="portal-greeting">
        <Link to="/portal">← Back to your portal</Link>
      </p>
      <section className="portal-card" aria-labelledby="engagement-title">
        <h1 id="engagement-title">{engagement.title}</h1>
        <p className="muted">
          {engagement.type}
          {engagement.due ? ` · due ${engagement.due}` : null}
        </p>
        <p>
          <strong>{engagement.status === 'completed' ? 'Finished' : engagement.stage}</strong>
        </p>
        <ProgressBar value={engagement.progress} label={`${engagement.title}: progress`} />
        {engagement.waitingFor && engagement.status === 'active' ? (
          <p className="small muted">Now: {engagement.waitingFor}</p>
        ) : null}
      </section>
      {checklist.length > 0 ? (
        <section className="portal-card" aria-labelledby="checklist-title">
          <h2 id="checklist-title">Documents we asked for</h2>
          <ul className="item-list">
            {checklist.map((item) => (
              <li key={item.id} className="item">
                <div className="item-main">
                  <span className="item-title">{item.label}</span>
                  <span className="item-meta">
                    {item.required ? 'Required' : 'If you have it'}
                    {item.note ? ` · ${item.note}` : null}
                  </span>
                </div>
                <div className="item-side">
                  <StatusBadge status={requestTone[item.status] ?? 'inactive'} label={item.statusLabel} />
                </div>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      <section className="portal-card" aria-labelledby="files-title">
        <h2 id="files-title">Files</h2>
        {documents.length === 0 ? (
          <p className="muted">No files yet.</p>
        ) : (
          <ul className="item-list">
            {documents.map((document) => (
              <li key={document.id} className="item">
                <div className="item-main">
                  <a href={`/portal/documents/${document.id}`} className="item-title">
                    {document.fileName}
                  </a>
                  <span className="item-meta">
                    {document.byYou ? 'Sent by you' : 'From your accountant'} · {document.uploaded} ·{' '}
                    {document.size}
                  </span>
                </div>
              </li>
            ))}
          </ul>
        )}
      </section>
      {invoices.length > 0 ? (
        <section className="portal-card" aria-labelledby="engagement-invoices-title">
          <h2 id="engagement-invoices-title">Invoices</h2>
          <ul className="item-list">
            {invoices.map((invoice) => (
              <li key={invoice.id} className="item">
                <div className="item-main">
                  <Link to={`/portal/invoices/${invoice.id}`} className="item-title">
                    {invoice.number}
                  </Link>
                  <span className="item-meta">{invoice.statusLabel}</span>
                </div>
                <div className="item-side">
                  <span className="strong">{invoice.amount}</span>
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
