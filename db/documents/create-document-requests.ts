import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../lib/errors';
import type { TActor } from '../audit/actor';
import { recordAuditEvent } from '../audit/record-audit-event';
import { Engagement } from '../engagements/engagement.entity';
import { DocumentRequest, type IDocumentRequest } from './document-request.entity';

export interface TDocumentRequestItem {
  /** Business key within the engagement, e.g. `w2` or `staff:1`. */
  key: string;
  category: string;
  label: string;
  required: boolean;
  note?: string | null;
}

/**
 * Adds checklist items to an engagement, once per key: an item whose key the engagement already has
 * is returned as it is (a retried activity creates nothing twice). Returns the items in input order.
 */
export async function createDocumentRequests(
  em: EntityManager,
  input: { organizationId: string; engagementId: string; items: TDocumentRequestItem[]; actor: TActor },
): Promise<IDocumentRequest[]> {
  return em.transactional(async (tx) => {
    const engagement = await tx.findOne(Engagement, {
      id: input.engagementId,
      organization: input.organizationId,
    });
    if (!engagement) throw new AppError('not_found', 'Engagement not found.');
    const keys = input.items.map((item) => item.key);
    const existing = await tx.find(DocumentRequest, { engagement: engagement.id, key: { $in: keys } });
    const byKey = new Map(existing.map((row) => [row.key ?? '', row]));
    const created: string[] = [];
    const rows = input.items.map((item) => {
      const found = byKey.get(item.key);
      if (found) return found;
      const row = tx.create(DocumentRequest, {
        organization: input.organizationId,
        engagement,
        key: item.key,
        category: item.category,
        label: item.label,
        required: item.required,
        status: 'open',
        note: item.note ?? null,
      });
      byKey.set(item.key, row);
      created.push(row.id);
      return row;
    });
    if (created.length > 0) {
      recordAuditEvent(tx, {
        organizationId: input.organizationId,
        actor: input.actor,
        action: 'document_request.created',
        target: { type: 'engagement', id: engagement.id },
        details: { requestIds: created, count: created.length },
      });
    }
    return rows;
  });
}
