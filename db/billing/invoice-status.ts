import type { TInvoiceStatus } from './invoice.entity';

/**
 * The moves an invoice's status may make. Statuses only move forward, so an event that arrives late
 * (Stripe's `invoice.finalized` after `invoice.paid`) cannot take an invoice back: paid and void are
 * final, uncollectible can still be paid or voided.
 */
const forward: Record<TInvoiceStatus, readonly TInvoiceStatus[]> = {
  draft: ['open', 'paid', 'void', 'uncollectible'],
  open: ['paid', 'void', 'uncollectible'],
  uncollectible: ['paid', 'void'],
  paid: [],
  void: [],
};

export function canMoveInvoice(from: TInvoiceStatus, to: TInvoiceStatus): boolean {
  return forward[from].includes(to);
}
