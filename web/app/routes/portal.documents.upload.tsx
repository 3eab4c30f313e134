import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { DocumentRequest } from '../../../db/documents/document-request.entity';
import { UploadField } from '../documents/upload-field';
import { portalRoute } from '../http/route.server';
import { PortalErrorBoundary } from '../portal/portal-error';

export const meta: MetaFunction = () => [
  { title: 'Upload documents · Client portal' },
  { name: 'robots', content: 'noindex' },
];

const statusText: Record<string, string> = {
  open: 'Needed',
  rejected: 'Needed again',
  received: 'Received; you can add more files',
};

/** Every document the client's open engagements still take, each with an upload field. */
export async function loader(args: LoaderFunctionArgs) {
  return portalRoute(args, 'portal.documents.upload', async ({ portal, em }) => {
    const requests = await em.find(
      DocumentRequest,
      {
        organization: portal.organizationId,
        engagement: { client: portal.clientId, status: 'active' },
        status: { $in: ['open', 'rejected', 'received'] },
      },
      {
        populate: ['engagement'],
        orderBy: { engagement: { createdAt: 'asc' }, createdAt: 'asc' },
        limit: 100,
      },
    );
    return {
      requests: requests.map((request) => ({
        id: request.id,
        label: request.label,
        note: request.note,
        status: statusText[request.status] ?? request.status,
        engagementTitle: request.engagement.title,
      })),
    };
  });
}

export default function UploadDocuments() {
  const { requests } = useLoaderData<typeof loader>();
  return (
    <>
      <p className="portal-greeting">
        <Link to="/portal">← Back to your portal</Link>
      </p>
      <section className="portal-card" aria-labelledby="upload-title">
        <h1 id="upload-title">Upload documents</h1>
        {requests.length === 0 ? (
          <p>Your accountant is not waiting for any documents right now.</p>
        ) : (
          <p className="muted">
            Choose a file for each document. A photo or scan is fine as long as every page is readable.
          </p>
        )}
      </section>
      {requests.map((request) => (
        <section key={request.id} className="portal-card" aria-labelledby={`request-${request.id}`}>
          <h2 id={`request-${request.id}`}>{request.label}</h2>
          <p className="small muted">
            {request.engagementTitle} · {request.status}
          </p>
          {request.note ? <p>{request.note}</p> : null}
          <UploadField requestId={request.id} label={`Files for “${request.label}”`} />
        </section>
      ))}
    </>
  );
}

export const ErrorBoundary = PortalErrorBoundary;
