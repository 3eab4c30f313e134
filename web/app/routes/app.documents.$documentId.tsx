import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { recordDocumentAccess } from '../../../db/audit/record-document-access';
import { isUuid } from '../../../lib/ids';
import { can } from '../auth/permissions.server';
import { documentDetail, findVisibleDocument } from '../documents/document-view.server';
import { notFound, staffRoute } from '../http/route.server';
import { EmptyState, PageHeader, StatusBadge } from '../ui/components';
import { dateFormat } from '../ui/dates.server';
import { PageErrorBoundary } from '../ui/error-panel';

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `${data.document.fileName} · CPA Platform` : 'Document · CPA Platform' },
];

/** A document's metadata and extracted fields. Every opening is recorded as `document.viewed`. */
export async function loader(args: LoaderFunctionArgs) {
  return staffRoute(args, 'documents.view', async ({ staff, em, actor, visibility }) => {
    const documentId = args.params.documentId;
    if (!isUuid(documentId)) notFound('This document');
    const document = await findVisibleDocument(em, {
      organizationId: staff.organizationId,
      visibility,
      documentId,
    });
    if (!document) notFound('This document');
    await recordDocumentAccess(em, {
      organizationId: staff.organizationId,
      actor,
      documentId: document.id,
      access: 'viewed',
      via: 'staff_app',
    });
    return {
      document: documentDetail(document, dateFormat(staff.timeZone)),
      canDownload: can(staff.role, 'documents.download'),
    };
  });
}

const ocrTone: Record<string, string> = {
  extracted: 'completed',
  needs_review: 'open',
  failed: 'failed',
  pending: 'inactive',
  processing: 'active',
};

export default function DocumentPage() {
  const { document, canDownload } = useLoaderData<typeof loader>();
  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to={`/app/clients/${document.client.id}`}>{document.client.name}</Link>
        {document.engagement ? (
          <>
            {' '}
            <span aria-hidden="true">/</span>{' '}
            <Link to={`/app/engagements/${document.engagement.id}`}>{document.engagement.title}</Link>
          </>
        ) : null}{' '}
        <span aria-hidden="true">/</span> <span>{document.fileName}</span>
      </nav>
      <PageHeader
        title={document.fileName}
        description={
          <>
            {document.category} ·{' '}
            <StatusBadge status={ocrTone[document.ocrStatus] ?? 'inactive'} label={document.ocrLabel} />
          </>
        }
        actions={
          canDownload ? (
            <a className="button button-primary" href={`/app/documents/${document.id}/download`}>
              Download
            </a>
          ) : null
        }
      />
      <section className="card" aria-labelledby="about-title">
        <h2 id="about-title">About this file</h2>
        <dl className="details">
          <dt>Client</dt>
          <dd>
            <Link to={`/app/clients/${document.client.id}`}>{document.client.name}</Link>
          </dd>
          <dt>Engagement</dt>
          <dd>
            {document.engagement ? (
              <Link to={`/app/engagements/${document.engagement.id}`}>{document.engagement.title}</Link>
            ) : (
              'None'
            )}
          </dd>
          {document.request ? (
            <>
              <dt>Requested as</dt>
              <dd>{document.request}</dd>
            </>
          ) : null}
          <dt>Uploaded</dt>
          <dd>
            {document.uploaded} by {document.uploadedBy}
          </dd>
          <dt>Type and size</dt>
          <dd>
            {document.mediaType}, {document.size}
          </dd>
          <dt>Review</dt>
          <dd>
            {document.reviewLabel}
            {document.reviewedBy ? ` by ${document.reviewedBy}` : null}
            {document.reviewed ? `, ${document.reviewed}` : null}
          </dd>
          <dt>SHA-256</dt>
          <dd>
            <code className="small">{document.sha256}</code>
          </dd>
        </dl>
      </section>
      <section className="card" aria-labelledby="fields-title">
        <h2 id="fields-title">Extracted fields</h2>
        {document.fields.length === 0 ? (
          <EmptyState title="No fields read yet">
            {document.ocrStatus === 'failed'
              ? 'The file could not be read. Open it and enter what you need by hand.'
              : 'Fields appear here once the document has been read.'}
          </EmptyState>
        ) : (
          <div className="table-wrap">
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">Field</th>
                  <th scope="col">Value</th>
                  <th scope="col">Confidence</th>
                  <th scope="col">Page</th>
                </tr>
              </thead>
              <tbody>
                {document.fields.map((field) => (
                  <tr key={field.name}>
                    <td>{field.name}</td>
                    <td className="strong">{field.value}</td>
                    <td className={field.confidence < 80 ? 'overdue' : undefined}>{field.confidence}%</td>
                    <td>{field.page ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}

export function ErrorBoundary() {
  return <PageErrorBoundary homeHref="/app" />;
}
