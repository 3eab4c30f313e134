import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { isUuid } from '../../../lib/ids';
import { notFound, portalRoute } from '../http/route.server';
import { PortalErrorBoundary } from '../portal/portal-error';
import { PortalDocumentList, PortalItem, PortalItemList } from '../portal/portal-list';
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
          <PortalItemList>
            {checklist.map((item) => (
              <PortalItem
                key={item.id}
                title={item.label}
                meta={`${item.required ? 'Required' : 'If you have it'}${item.note ? ` · ${item.note}` : ''}`}
                side={
                  <StatusBadge status={requestTone[item.status] ?? 'inactive'} label={item.statusLabel} />
                }
              />
            ))}
          </PortalItemList>
        </section>
      ) : null}
      <section className="portal-card" aria-labelledby="files-title">
        <h2 id="files-title">Files</h2>
        {documents.length === 0 ? (
          <p className="muted">No files yet.</p>
        ) : (
          <PortalDocumentList documents={documents} />
        )}
      </section>
      {invoices.length > 0 ? (
        <section className="portal-card" aria-labelledby="engagement-invoices-title">
          <h2 id="engagement-invoices-title">Invoices</h2>
          <PortalItemList>
            {invoices.map((invoice) => (
              <PortalItem
                key={invoice.id}
                title={invoice.number}
                to={`/portal/invoices/${invoice.id}`}
                meta={invoice.statusLabel}
                side={<span className="strong">{invoice.amount}</span>}
              />
            ))}
          </PortalItemList>
        </section>
      ) : null}
    </>
  );
}

export function ErrorBoundary() {
  return <PortalErrorBoundary />;
}
