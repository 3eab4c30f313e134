import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { DocumentRequest } from '../../../db/documents/document-request.entity';
import { Engagement } from '../../../db/engagements/engagement.entity';
import { isUuid } from '../../../lib/ids';
import { UploadField } from '../documents/upload-field';
import { notFound, portalRoute } from '../http/route.server';
import { PortalErrorBoundary } from '../portal/portal-error';
import { dateFormat } from '../ui/dates.server';

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `Documents for ${data.engagement.title} · Client portal` : 'Documents · Client portal' },
  { name: 'robots', content: 'noindex' },
];

/**
 * "Documents we need" for one engagement of the signed-in client (the page the request and reminder
 * emails link to): what is still needed, with an upload field each, what was sent again after a
 * rejection (with the reason), and what is done. Another client's engagement answers 404.
 */
export async function loader(args: LoaderFunctionArgs) {
  return portalRoute(args, 'portal.documents.upload', async ({ portal, em }) => {
    const engagementId = args.params.engagementId;
    if (!isUuid(engagementId)) notFound('This page');
    const engagement = await em.findOne(Engagement, {
      id: engagementId,
      organization: portal.organizationId,
      client: portal.clientId,
    });
    if (!engagement) notFound('This page');
    const requests = await em.find(
      DocumentRequest,
      { engagement: engagement.id, organization: portal.organizationId, status: { $ne: 'withdrawn' } },
      { orderBy: { createdAt: 'asc', key: 'asc' } },
    );
    const open = engagement.status === 'active';
    const item = (request: (typeof requests)[number]) => ({
      id: request.id,
      label: request.label,
      note: request.note ?? null,
      required: request.required,
      reason: request.status === 'rejected' ? request.rejectionReason : null,
    });
    return {
      engagement: {
        id: engagement.id,
        title: engagement.title,
        status: engagement.status,
        due: engagement.dueAt ? dateFormat(portal.timeZone).date(engagement.dueAt) : null,
      },
      needed: open ? requests.filter((r) => r.status === 'open' || r.status === 'rejected').map(item) : [],
      received: requests.filter((r) => r.status === 'received').map(item),
      done: requests
        .filter((r) => r.status === 'accepted' || r.status === 'waived')
        .map((r) => ({ ...item(r), waived: r.status === 'waived' })),
    };
  });
}

export default function EngagementDocuments() {
  const { engagement, needed, received, done } = useLoaderData<typeof loader>();
  return (
    <>
      <p className="portal-greeting">
        <Link to={`/portal/engagements/${engagement.id}`}>← Back to {engagement.title}</Link>
      </p>
      <section className="portal-card" aria-labelledby="needed-title">
        <h1 id="needed-title">Documents we need</h1>
        {engagement.status !== 'active' ? (
          <p>This work has ended, so we do not need anything more for it.</p>
        ) : needed.length === 0 ? (
          <p>Thank you: we have everything we asked for. We will tell you if we need anything else.</p>
        ) : (
          <p className="muted">
            {needed.length === 1 ? 'One document is' : `${needed.length} documents are`} still needed
            {engagement.due ? `, by ${engagement.due}` : ''}. A photo or scan is fine as long as every page is
            readable.
          </p>
        )}
      </section>
      {needed.map((request) => (
        <section key={request.id} className="portal-card" aria-labelledby={`needed-${request.id}`}>
          <h2 id={`needed-${request.id}`}>
            {request.label}
            {request.required ? null : <span className="muted"> (if it applies to you)</span>}
          </h2>
          {request.reason ? (
            <div className="alert alert-warning">
              We could not use the file you sent: {request.reason} Please upload it again.
            </div>
          ) : null}
          {request.note ? <p>{request.note}</p> : null}
          <UploadField requestId={request.id} label={`Files for “${request.label}”`} />
        </section>
      ))}
      {received.length > 0 ? (
        <section className="portal-card" aria-labelledby="received-title">
          <h2 id="received-title">Received, we are looking at them</h2>
          <ul className="item-list">
            {received.map((request) => (
              <li key={request.id} className="item">
                {request.label}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      {done.length > 0 ? (
        <section className="portal-card" aria-labelledby="done-title">
          <h2 id="done-title">Done</h2>
          <ul className="item-list">
            {done.map((request) => (
              <li key={request.id} className="item">
                {request.label}
                <span className="muted small">
                  {' '}
                  · {request.waived ? 'not needed' : 'received, thank you'}
                </span>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </>
  );
}

export const ErrorBoundary = PortalErrorBoundary;
