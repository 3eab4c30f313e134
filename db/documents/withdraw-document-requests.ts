import type { EntityManager } from '@mikro-orm/postgresql';
import type { TActor } from '../audit/actor';
import { recordAuditEvent } from '../audit/record-audit-event';
import { DocumentRequest } from './document-request.entity';

/**
 * Withdraws every checklist item of an engagement that still asks the client for something (open,
 * received or rejected): the portal stops asking for them. Accepted and waived items stay as they
 * are. Safe to repeat; returns how many items were withdrawn now.
 */
export async function withdrawDocumentRequests(
  em: EntityManager,
  input: { organizationId: string; engagementId: string; actor: TActor },
): Promise<number> {
  return em.transactional(async (tx) => {
    const requests = await tx.find(DocumentRequest, {
      organization: input.organizationId,
      engagement: input.engagementId,
      status: { $in: ['open', 'received', 'rejected'] },
    });
    for (const request of requests) request.status = 'withdrawn';
    if (requests.length > 0) {
      recordAuditEvent(tx, {
        organizationId: input.organizationId,
        actor: input.actor,
        action: 'document_request.withdrawn',
        target: { type: 'engagement', id: input.engagementId },
        details: { requestIds: requests.map((r) => r.id), count: requests.length },
      });
    }
    return requests.length;
  });
}
