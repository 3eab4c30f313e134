import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../lib/errors';
import type { TActor } from '../audit/actor';
import { recordAuditEvent } from '../audit/record-audit-event';
import { DocumentRequest, type IDocumentRequest } from './document-request.entity';

/**
 * Marks a checklist item as no longer needed, with the reason. An item already waived is returned as
 * it is; an accepted or withdrawn one cannot be waived.
 */
export async function waiveDocumentRequest(
  em: EntityManager,
  input: { organizationId: string; requestId: string; reason: string; actor: TActor },
): Promise<IDocumentRequest> {
  return em.transactional(async (tx) => {
    const request = await tx.findOne(DocumentRequest, {
      id: input.requestId,
      organization: input.organizationId,
    });
    if (!request) throw new AppError('not_found', 'Document request not found.');
    if (request.status === 'waived') return request;
    if (request.status === 'accepted' || request.status === 'withdrawn') {
      throw new AppError('conflict', `This item is already ${request.status}, so it cannot be waived.`, {
        reason: 'invalid_status_transition',
      });
    }
    request.status = 'waived';
    request.waivedReason = input.reason.trim().slice(0, 500);
    recordAuditEvent(tx, {
      organizationId: input.organizationId,
      actor: input.actor,
      action: 'document_request.waived',
      target: { type: 'document_request', id: request.id },
    });
    return request;
  });
}
