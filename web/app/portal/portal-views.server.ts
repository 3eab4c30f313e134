import { Invoice, type TInvoiceStatus } from '../../../db/billing/invoice.entity';
import { Document, type IDocument } from '../../../db/documents/document.entity';
import { DocumentRequest, type TDocumentRequestStatus } from '../../../db/documents/document-request.entity';
import { Engagement, type IEngagement } from '../../../db/engagements/engagement.entity';
import type { EntityManager } from '../../../db/types';
import { fileSize } from '../documents/document-view.server';
import { engagementTypeLabels, stageLabel } from '../engagements/stages.server';
import type { TDateFormat } from '../ui/dates.server';
import type { TPortalUser } from './portal-session.server';

/**
 * What the portal shows a client: their own engagements, document checklist, documents and invoices.
 * Every query here is limited to the signed-in contact's client (and firm, by the EntityManager), so
 * another client's ID finds nothing and the page answers 404.
 */

/** Invoices a client sees: not drafts (still being prepared by the firm). */
const visibleInvoiceStatuses: TInvoiceStatus[] = ['open', 'paid', 'void', 'uncollectible'];

function money(amountMinor: number, currency: string): string {
  return new Intl.NumberFormat('en-US', { style: 'currency', currency: currency.toUpperCase() }).format(
    amountMinor / 100,
  );
}

const invoiceStatusLabels: Record<TInvoiceStatus, string> = {
  draft: 'Draft',
  open: 'To pay',
  paid: 'Paid',
  void: 'Cancelled',
  uncollectible: 'Closed',
};

const requestStatusLabels: Record<TDocumentRequestStatus, string> = {
  open: 'Needed',
  received: 'Received, being checked',
  accepted: 'Accepted',
  rejected: 'Please send again',
  waived: 'Not needed',
  withdrawn: 'No longer needed',
};

function engagementSummary(engagement: IEngagement, format: TDateFormat) {
  return {
    id: engagement.id,
    title: engagement.title,
    type: engagementTypeLabels[engagement.type],
    status: engagement.status,
    stage: stageLabel(engagement.type, engagement.stage),
    progress: engagement.progress,
    waitingFor: engagement.waitingFor ?? null,
    updated: format.relative(engagement.updatedAt),
    due: engagement.dueAt ? format.date(engagement.dueAt) : null,
  };
}

function documentSummary(document: IDocument, format: TDateFormat) {
  return {
    id: document.id,
    fileName: document.originalFileName,
    size: fileSize(document.sizeBytes),
    uploaded: format.date(document.createdAt),
    byYou: Boolean(document.uploadedByContact),
  };
}

/** The portal home's lists: engagements (active first), open invoices and recent documents. */
export async function portalOverview(em: EntityManager, input: { portal: TPortalUser; format: TDateFormat }) {
  const { portal, format } = input;
  const scope = { organization: portal.organizationId, client: portal.clientId };
  const [engagements, invoices, documents] = await Promise.all([
    em.find(
      Engagement,
      { ...scope, status: { $in: ['active', 'completed'] } },
      { orderBy: { updatedAt: 'desc' } },
    ),
    em.find(
      Invoice,
      { ...scope, status: { $in: visibleInvoiceStatuses } },
      { orderBy: { createdAt: 'desc' }, limit: 20 },
    ),
    em.find(Document, scope, { orderBy: { createdAt: 'desc' }, limit: 10 }),
  ]);
  const active = engagements.filter((engagement) => engagement.status === 'active');
  const completed = engagements.filter((engagement) => engagement.status === 'completed').slice(0, 10);
  return {
    activeEngagements: active.map((engagement) => engagementSummary(engagement, format)),
    completedEngagements: completed.map((engagement) => engagementSummary(engagement, format)),
    invoices: invoices.map((invoice) => ({
      id: invoice.id,
      number: invoice.number,
      description: invoice.description,
      amount: money(invoice.amountDueMinor, invoice.currency),
      status: invoice.status,
      statusLabel: invoiceStatusLabels[invoice.status as TInvoiceStatus],
      due: invoice.dueAt ? format.date(invoice.dueAt) : null,
    })),
    documents: documents.map((document) => documentSummary(document, format)),
  };
}

/** One engagement of the contact's client with its checklist and documents; null when it is not theirs. */
export async function portalEngagement(
  em: EntityManager,
  input: { portal: TPortalUser; engagementId: string; format: TDateFormat },
) {
  const { portal, format } = input;
  const engagement = await em.findOne(Engagement, {
    id: input.engagementId,
    organization: portal.organizationId,
    client: portal.clientId,
    status: { $in: ['active', 'completed'] },
  });
  if (!engagement) return null;
  const [requests, documents, invoices] = await Promise.all([
    em.find(
      DocumentRequest,
      { engagement: engagement.id, organization: portal.organizationId, status: { $ne: 'withdrawn' } },
      { orderBy: { createdAt: 'asc', id: 'asc' } },
    ),
    em.find(
      Document,
      { engagement: engagement.id, client: portal.clientId, organization: portal.organizationId },
      { orderBy: { createdAt: 'desc' } },
    ),
    em.find(
      Invoice,
      {
        engagement: engagement.id,
        client: portal.clientId,
        organization: portal.organizationId,
        status: { $in: visibleInvoiceStatuses },
      },
      { orderBy: { createdAt: 'desc' } },
    ),
  ]);
  return {
    engagement: engagementSummary(engagement, format),
    checklist: requests.map((request) => ({
      id: request.id,
      label: request.label,
      required: request.required,
      status: request.status,
      statusLabel: requestStatusLabels[request.status as TDocumentRequestStatus],
      note: request.status === 'rejected' ? (request.note ?? null) : null,
    })),
    documents: documents.map((document) => documentSummary(document, format)),
    invoices: invoices.map((invoice) => ({
      id: invoice.id,
      number: invoice.number,
      amount: money(invoice.amountDueMinor, invoice.currency),
      statusLabel: invoiceStatusLabels[invoice.status as TInvoiceStatus],
    })),
  };
}

/** A document of the contact's client, or null. */
export function portalDocument(em: EntityManager, input: { portal: TPortalUser; documentId: string }) {
  return em.findOne(Document, {
    id: input.documentId,
    organization: input.portal.organizationId,
    client: input.portal.clientId,
  });
}

/** An invoice of the contact's client (not a draft), or null. */
export async function portalInvoice(
  em: EntityManager,
  input: { portal: TPortalUser; invoiceId: string; format: TDateFormat },
) {
  const { portal, format } = input;
  const invoice = await em.findOne(
    Invoice,
    {
      id: input.invoiceId,
      organization: portal.organizationId,
      client: portal.clientId,
      status: { $in: visibleInvoiceStatuses },
    },
    { populate: ['engagement'] },
  );
  if (!invoice) return null;
  const outstanding = Math.max(0, invoice.amountDueMinor - invoice.amountPaidMinor);
  return {
    id: invoice.id,
    number: invoice.number,
    description: invoice.description,
    amount: money(invoice.amountDueMinor, invoice.currency),
    paid: money(invoice.amountPaidMinor, invoice.currency),
    outstanding: money(outstanding, invoice.currency),
    status: invoice.status,
    statusLabel: invoiceStatusLabels[invoice.status as TInvoiceStatus],
    issued: format.date(invoice.createdAt),
    due: invoice.dueAt ? format.date(invoice.dueAt) : null,
    paidOn: invoice.paidAt ? format.date(invoice.paidAt) : null,
    // Paying happens on the payment provider's page for this invoice.
    payUrl: invoice.status === 'open' && outstanding > 0 ? (invoice.hostedUrl ?? null) : null,
    engagement: invoice.engagement ? { id: invoice.engagement.id, title: invoice.engagement.title } : null,
  };
}
