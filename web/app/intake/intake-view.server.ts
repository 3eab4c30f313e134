/**
 * The document intake panel of an engagement page: the checklist with each item's state, the uploaded
 * documents with what was read from them (confidence and page per field), and what staff can do now.
 * Built from the intake workflow's live status when it runs, from the read model otherwise.
 */
import { stepInWords } from '../engagements/failing-step';
import { recordDocumentAccess } from '../../../db/audit/record-document-access';
import type { TActor } from '../../../db/audit/actor';
import { Document, type IDocument, type TExtractedField } from '../../../db/documents/document.entity';
import { DocumentRequest } from '../../../db/documents/document-request.entity';
import { Engagement, type TEngagementType } from '../../../db/engagements/engagement.entity';
import type { EntityManager } from '../../../db/types';
import { checklistCategories, checklistCategoryLabels } from '../../../workflows/intake/checklist-templates';
import type {
  TChecklistItemStatus,
  TDocumentIntakeStatus,
  TIntakeDocumentStatus,
} from '../../../workflows/intake/document-intake.contracts';
import type { TDateFormat } from '../ui/dates.server';
import { readIntakeState, type TIntakeLiveState } from './intake-workflow.server';

/** Engagement types whose workflow collects documents through an intake. */
const intakeTypes = new Set<TEngagementType>(['document_intake', 'tax_return', 'monthly_close']);

export const checklistStatusLabels: Record<TChecklistItemStatus, string> = {
  open: 'Waiting for the client',
  processing: 'Uploaded, being read',
  needs_review: 'Needs review',
  accepted: 'Accepted',
  rejected: 'Rejected, asked again',
  waived: 'Waived',
  withdrawn: 'Withdrawn',
};

export const documentStatusLabels: Record<TIntakeDocumentStatus, string> = {
  processing: 'Being read',
  refused: 'Upload refused',
  duplicate: 'Duplicate',
  needs_review: 'Needs review',
  unreadable: 'Could not be read',
  accepted: 'Accepted',
  rejected: 'Rejected',
};

/** The read model's words for an item when no workflow answers. */
const storedItemStatus: Record<string, TChecklistItemStatus> = {
  open: 'open',
  received: 'processing',
  accepted: 'accepted',
  rejected: 'rejected',
  waived: 'waived',
  withdrawn: 'withdrawn',
};

function storedDocumentStatus(document: IDocument): TIntakeDocumentStatus {
  if (document.reviewStatus === 'accepted') return 'accepted';
  if (document.reviewStatus === 'rejected') return 'rejected';
  if (document.ocrStatus === 'failed') return 'unreadable';
  if (document.ocrStatus === 'needs_review') return 'needs_review';
  return 'processing';
}

function displayValue(field: TExtractedField): string {
  if (field.value === null || field.value === '') return '—';
  if (typeof field.value === 'number') {
    return Number.isInteger(field.value) ? String(field.value) : field.value.toFixed(2);
  }
  return field.value;
}

function liveNote(live: TIntakeLiveState): { tone: 'info' | 'warning'; text: string } | null {
  switch (live.kind) {
    case 'running':
      return null;
    case 'no_answer':
      return {
        tone: 'warning',
        text: 'The intake workflow did not answer in time (is a worker running?). The checklist shows the last recorded state; actions are unavailable.',
      };
    case 'closed':
      return { tone: 'info', text: 'Document collection has ended. The checklist shows its final state.' };
    case 'not_found':
      return null;
    case 'unavailable':
      return {
        tone: 'warning',
        text: 'Temporal is not reachable right now. The checklist shows the last recorded state; actions are unavailable.',
      };
  }
}

/** Where a child intake's parent engagement is managed (its panel on the same engagement page). */
const parentPanelAnchor: Partial<Record<TEngagementType, string>> = {
  tax_return: 'tax-return-title',
  monthly_close: 'close-title',
};

/**
 * The intake panel, or null for engagements that collect no documents. Extracted values are shown
 * only for documents waiting for review (to review them); each such showing is audited as a view.
 */
export async function intakePanel(
  em: EntityManager,
  input: {
    organizationId: string;
    engagementId: string;
    actor: TActor;
    format: TDateFormat;
    canWork: boolean;
    canCancel: boolean;
  },
) {
  const engagement = await em.findOne(
    Engagement,
    { id: input.engagementId, organization: input.organizationId },
    { fields: ['type', 'title'], populate: ['organization'] },
  );
  if (!engagement || !intakeTypes.has(engagement.type)) return null;
  const engagementType = engagement.type;
  const threshold = engagement.organization.settings.reviewConfidenceThreshold ?? 0.8;
  const requests = await em.find(
    DocumentRequest,
    { engagement: input.engagementId, organization: input.organizationId },
    { orderBy: { createdAt: 'asc', key: 'asc' } },
  );
  const documents = await em.find(
    Document,
    { engagement: input.engagementId, organization: input.organizationId },
    { orderBy: { createdAt: 'asc', id: 'asc' }, populate: ['reviewer'] },
  );
  const live = await readIntakeState(input.engagementId);
  if (requests.length === 0 && documents.length === 0 && live.kind === 'not_found') return null;

  const status: TDocumentIntakeStatus | null = live.kind === 'running' ? live.status : null;
  const active = status !== null && status.status === 'active';
  const liveItems = new Map((status?.checklist ?? []).map((item) => [item.requestId, item]));
  const liveDocs = new Map(
    (status?.documents ?? []).flatMap((doc) => (doc.documentId ? [[doc.documentId, doc] as const] : [])),
  );
  const labels = new Map(requests.map((r) => [r.id, r.label]));

  const checklist = requests.map((request) => {
    const item = liveItems.get(request.id);
    const itemStatus = item?.status ?? storedItemStatus[request.status] ?? 'open';
    return {
      requestId: request.id,
      label: request.label,
      note: request.note ?? null,
      category:
        checklistCategoryLabels[request.category as keyof typeof checklistCategoryLabels] ?? request.category,
      required: request.required,
      status: itemStatus,
      statusLabel: checklistStatusLabels[itemStatus],
      reason:
        item?.reason ??
        (request.status === 'waived' ? request.waivedReason : request.rejectionReason) ??
        null,
      documents: documents.filter((d) => d.request?.id === request.id).length,
      canWaive: active && input.canWork && !['accepted', 'waived', 'withdrawn'].includes(itemStatus),
    };
  });

  const shown = documents.map((document) => {
    const liveDoc = liveDocs.get(document.id);
    const docStatus = liveDoc?.status ?? storedDocumentStatus(document);
    const reviewable =
      active && input.canWork && (docStatus === 'needs_review' || docStatus === 'unreadable');
    return {
      id: document.id,
      fileName: document.originalFileName,
      forItem: document.request ? (labels.get(document.request.id) ?? null) : null,
      uploaded: input.format.dateTime(document.createdAt),
      status: docStatus,
      statusLabel: documentStatusLabels[docStatus],
      reason: liveDoc?.reason ?? document.reviewNote ?? null,
      confidence:
        document.extractionConfidence === null || document.extractionConfidence === undefined
          ? null
          : Math.round(document.extractionConfidence * 100),
      model: document.extractionModel ?? null,
      reviewedBy:
        document.reviewer?.name ?? (document.reviewStatus === 'accepted' ? 'Accepted automatically' : null),
      reviewable,
      fields: reviewable
        ? (document.extractedFields ?? []).map((field) => ({
            name: field.name,
            label: field.label ?? field.name,
            value: displayValue(field),
            editValue: field.value === null ? '' : String(field.value),
            confidence: Math.round(field.confidence * 100),
            low: field.confidence < threshold,
            page: field.page,
            corrected: field.correctedFrom !== undefined,
          }))
        : [],
    };
  });
  for (const document of shown.filter((d) => d.fields.length > 0)) {
    await recordDocumentAccess(em, {
      organizationId: input.organizationId,
      actor: input.actor,
      documentId: document.id,
      access: 'viewed',
      via: 'staff_app',
    });
  }

  const when = (iso: string | null | undefined) =>
    iso ? `${input.format.dateTime(new Date(iso))} (${input.format.relative(new Date(iso))})` : null;
  const standalone = engagementType === 'document_intake';
  return {
    standalone,
    /**
     * A child intake (of a tax return or a monthly close) shares its parent's engagement and is
     * cancelled only with the parent, whose own panel offers that: where Cancel would be, this points there.
     */
    cancelFromParent:
      standalone || !active || !input.canCancel
        ? null
        : {
            title: engagement.title,
            href: `/app/engagements/${input.engagementId}#${parentPanelAnchor[engagementType] ?? 'main'}`,
          },
    note: liveNote(live),
    active,
    canWork: active && input.canWork,
    canCancel: active && input.canCancel && standalone,
    summary: status
      ? {
          waitingFor: status.waitingFor
            ? `${status.waitingFor.what} (from the ${status.waitingFor.from}, since ${when(status.waitingFor.since)})`
            : null,
          outstanding: status.outstanding,
          reminders: `${status.reminders.sent} of ${status.reminders.planned} sent`,
          nextReminder: when(status.reminders.nextAt),
          reminderNotSent: status.reminders.notSentReason,
          escalated: status.reminders.escalated,
          nextDeadline: status.nextDeadline
            ? `${status.nextDeadline.label}: ${when(status.nextDeadline.at)}`
            : null,
          // On the intake's own page the failing-step notice above says this, with Retry now; inside
          // a tax return or a close the notice speaks for the parent, so the panel names the child's.
          lastError:
            status.lastError && !standalone
              ? `${stepInWords(status.lastError.activity)} keeps failing (attempt ${status.lastError.attempt}): ${status.lastError.message}`
              : null,
        }
      : null,
    checklist,
    documents: shown,
    categories: checklistCategories.map((value) => ({ value, label: checklistCategoryLabels[value] })),
  };
}

export type TIntakePanel = NonNullable<Awaited<ReturnType<typeof intakePanel>>>;
