import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../lib/errors';
import type { TActor } from '../audit/actor';
import { recordAuditEvent } from '../audit/record-audit-event';
import { Invoice, type IInvoice, type TInvoiceStatus } from './invoice.entity';
import { canMoveInvoice } from './invoice-status';

const auditActions: Record<Exclude<TInvoiceStatus, 'draft'>, string> = {
  open: 'invoice.issued',
  paid: 'invoice.paid',
  void: 'invoice.voided',
  uncollectible: 'invoice.marked_uncollectible',
};

/**
 * Moves an invoice to the status its provider reports, if that is a step forward (see
 * canMoveInvoice); anything else changes nothing, so late or repeated webhooks and retried
 * activities are harmless. Keeps the payment page URL when one is given. Returns whether the
 * status changed.
 */
export async function recordInvoiceStatus(
  em: EntityManager,
  input: {
    organizationId: string;
    invoiceId: string;
    status: Exclude<TInvoiceStatus, 'draft'>;
    at: Date;
    hostedUrl?: string | null;
    actor: TActor;
    /** What reported it, for the audit trail (e.g. `stripe:evt_…`, `activity`). */
    source: string;
    /** Why, when a person or a compensation asked for it (e.g. `engagement_cancelled`). */
    reason?: string;
  },
): Promise<{ invoice: IInvoice; changed: boolean }> {
  return em.transactional(async (tx) => {
    const invoice = await tx.findOne(Invoice, { id: input.invoiceId, organization: input.organizationId });
    if (!invoice) throw new AppError('not_found', 'Invoice not found.', { reason: 'invoice_not_found' });
    if (input.hostedUrl && invoice.hostedUrl !== input.hostedUrl && input.hostedUrl.length <= 500) {
      invoice.hostedUrl = input.hostedUrl;
    }
    if (!canMoveInvoice(invoice.status, input.status)) return { invoice, changed: false };
    const from = invoice.status;
    invoice.status = input.status;
    if (input.status === 'paid') invoice.paidAt ??= input.at;
    if (input.status === 'void') invoice.voidedAt ??= input.at;
    recordAuditEvent(tx, {
      organizationId: input.organizationId,
      actor: input.actor,
      action: auditActions[input.status],
      target: { type: 'invoice', id: invoice.id },
      details: {
        from,
        to: input.status,
        source: input.source,
        ...(input.reason ? { reason: input.reason } : {}),
      },
    });
    return { invoice, changed: true };
  });
}
