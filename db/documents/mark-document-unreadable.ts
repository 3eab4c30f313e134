import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../lib/errors';
import type { TActor } from '../audit/actor';
import { recordAuditEvent } from '../audit/record-audit-event';
import { Document, type IDocument } from './document.entity';

/**
 * Records that the document reader could not read a file (damaged, encrypted, an unsupported
 * type): the document waits for a person to look at it. The reason is a sentence without content.
 */
export async function markDocumentUnreadable(
  em: EntityManager,
  input: { organizationId: string; documentId: string; reason: string; actor: TActor },
): Promise<IDocument> {
  return em.transactional(async (tx) => {
    const document = await tx.findOne(Document, { id: input.documentId, organization: input.organizationId });
    if (!document) throw new AppError('not_found', 'Document not found.');
    if (document.ocrStatus === 'failed') return document;
    document.ocrStatus = 'failed';
    document.extractionWarnings = [input.reason.slice(0, 300)];
    recordAuditEvent(tx, {
      organizationId: input.organizationId,
      actor: input.actor,
      action: 'document.unreadable',
      target: { type: 'document', id: document.id },
    });
    return document;
  });
}
