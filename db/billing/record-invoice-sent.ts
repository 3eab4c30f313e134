import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../lib/errors';
import type { TActor } from '../audit/actor';
import { recordAuditEvent } from '../audit/record-audit-event';
import { Invoice, type IInvoice } from './invoice.entity';

/** Records that the invoice was sent to the client (once: later calls change nothing). */
export async function recordInvoiceSent(
  em: EntityManager,
  input: { organizationId: string; invoiceId: string; at: Date; actor: TActor },
): Promise<IInvoice> {
  return em.transactional(async (tx) => {
    const invoice = await tx.findOne(Invoice, { id: input.invoiceId, organization: input.organizationId });
    if (!invoice) throw new AppError('not_found', 'Invoice not found.', { reason: 'invoice_not_found' });
    if (invoice.sentAt) return invoice;
    invoice.sentAt = input.at;
    recordAuditEvent(tx, {
      organizationId: input.organizationId,
      actor: input.actor,
      action: 'invoice.sent',
      target: { type: 'invoice', id: invoice.id },
    });
    return invoice;
  });
}
