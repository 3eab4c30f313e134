import type { EntityManager } from '@mikro-orm/postgresql';
import { Invoice, type IInvoice } from './invoice.entity';

export type TInvoiceMatch =
  /** `needsLink`: matched by metadata; the caller links the provider invoice (linkStripeInvoice). */
  | { kind: 'matched'; invoice: IInvoice; needsLink: boolean }
  | { kind: 'none'; reason: string }
  | { kind: 'mismatch'; reason: string };

/**
 * Finds our invoice for a provider invoice named in a verified Stripe event. The firm comes from our
 * row, never from the event: first by the provider invoice ID we stored; else, when the event arrives
 * before the activity stored that ID, by the invoice ID in its metadata, accepted only if that
 * invoice is not linked to another provider invoice and bills the same provider customer. The
 * metadata's firm, when present, must agree. Reads only. Pass a system EntityManager: the firm is not
 * known yet.
 */
export async function findInvoiceForStripeEvent(
  em: EntityManager,
  input: {
    stripeInvoiceId: string;
    customerId: string | null;
    metadataInvoiceId: string | null;
    metadataOrganizationId: string | null;
  },
): Promise<TInvoiceMatch> {
  const agrees = (invoice: IInvoice) =>
    !input.metadataOrganizationId || input.metadataOrganizationId === invoice.organization.id;

  const linked = await em.findOne(
    Invoice,
    { stripeInvoiceId: input.stripeInvoiceId },
    { populate: ['client'] },
  );
  if (linked) {
    return agrees(linked)
      ? { kind: 'matched', invoice: linked, needsLink: false }
      : { kind: 'mismatch', reason: `the metadata names another firm than invoice ${linked.id}` };
  }
  if (!input.metadataInvoiceId)
    return { kind: 'none', reason: `no invoice is linked to ${input.stripeInvoiceId}` };
  const named = await em.findOne(Invoice, { id: input.metadataInvoiceId }, { populate: ['client'] });
  if (!named) return { kind: 'none', reason: `no invoice ${input.metadataInvoiceId}` };
  if (!agrees(named))
    return { kind: 'mismatch', reason: `the metadata names another firm than invoice ${named.id}` };
  if (named.stripeInvoiceId) {
    return { kind: 'mismatch', reason: `invoice ${named.id} is linked to another provider invoice` };
  }
  const customer = named.stripeCustomerId ?? named.client.stripeCustomerId ?? null;
  if (!input.customerId || customer !== input.customerId) {
    return { kind: 'mismatch', reason: `invoice ${named.id} bills another customer` };
  }
  return { kind: 'matched', invoice: named, needsLink: true };
}
