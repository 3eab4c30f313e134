import type { EntityManager } from '@mikro-orm/postgresql';
import type { TActor } from './actor';
import { recordAuditEvent } from './record-audit-event';

/**
 * Records that someone looked at a document (`document.viewed`) or took a copy of it
 * (`document.downloaded`): staff on the document page, a client in the portal. Its own transaction,
 * committed before the document is shown or the download link handed out, so no access goes unlogged.
 */
export async function recordDocumentAccess(
  em: EntityManager,
  input: {
    organizationId: string;
    actor: TActor;
    documentId: string;
    access: 'viewed' | 'downloaded';
    /** Where it happened: the staff app or the portal. */
    via: 'staff_app' | 'portal';
  },
): Promise<void> {
  await em.transactional((tx) => {
    recordAuditEvent(tx, {
      organizationId: input.organizationId,
      actor: input.actor,
      action: `document.${input.access}`,
      target: { type: 'document', id: input.documentId },
      details: { via: input.via },
    });
    return Promise.resolve();
  });
}
