import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../lib/errors';
import type { TActor } from '../audit/actor';
import { recordAuditEvent } from '../audit/record-audit-event';
import { Client } from '../clients/client.entity';
import { Engagement } from '../engagements/engagement.entity';
import { Invoice, type IInvoice, type TInvoiceLine } from './invoice.entity';

export interface TCreateInvoiceDraftInput {
  organizationId: string;
  /** Business key: the same ID never creates a second invoice. */
  invoiceId: string;
  clientId: string;
  engagementId: string | null;
  description: string;
  lines: TInvoiceLine[];
  currency: string;
  dueAt: Date;
  actor: TActor;
}

/** The largest amount an invoice may total (the amount columns are 32-bit integers of cents). */
const MAX_TOTAL_MINOR = 2_147_483_647;

/**
 * Creates a draft invoice with the next number of the firm's year (`INV-2026-00042`). Idempotent by
 * invoice ID: a second call returns the invoice the first one made, so a retried activity bills once.
 * The client and engagement must be the firm's, and the engagement the client's.
 */
export async function createInvoiceDraft(
  em: EntityManager,
  input: TCreateInvoiceDraftInput,
): Promise<IInvoice> {
  const description = input.description.trim();
  if (!description || description.length > 300) {
    throw new AppError('invalid_input', 'An invoice needs a description of at most 300 characters.', {
      reason: 'invalid_description',
    });
  }
  if (input.lines.length === 0) {
    throw new AppError('invalid_input', 'An invoice needs at least one line.', { reason: 'no_lines' });
  }
  const lines = input.lines.map((line) => ({
    description: line.description.trim(),
    amountMinor: line.amountMinor,
  }));
  for (const line of lines) {
    if (!line.description || line.description.length > 200) {
      throw new AppError(
        'invalid_input',
        'Each invoice line needs a description of at most 200 characters.',
        {
          reason: 'invalid_line',
        },
      );
    }
    if (!Number.isInteger(line.amountMinor) || line.amountMinor <= 0) {
      throw new AppError('invalid_input', 'Each invoice line must be a positive whole number of cents.', {
        reason: 'invalid_amount',
      });
    }
  }
  const total = lines.reduce((sum, line) => sum + line.amountMinor, 0);
  if (total > MAX_TOTAL_MINOR) {
    throw new AppError('invalid_input', 'The invoice total is too large.', { reason: 'invalid_amount' });
  }
  const currency = input.currency.toLowerCase();
  if (!/^[a-z]{3}$/.test(currency)) {
    throw new AppError('invalid_input', 'The currency must be a three-letter code such as USD.', {
      reason: 'invalid_currency',
    });
  }
  if (Number.isNaN(input.dueAt.getTime())) {
    throw new AppError('invalid_input', 'The invoice needs a due date.', { reason: 'invalid_due_date' });
  }

  return em.transactional(async (tx) => {
    const existing = await tx.findOne(Invoice, { id: input.invoiceId });
    if (existing) {
      if (existing.organization.id !== input.organizationId || existing.client.id !== input.clientId) {
        throw new AppError('conflict', 'This invoice already exists.', {
          reason: 'invoice_id_taken',
          logMessage: `invoice ${input.invoiceId} exists for another client or firm`,
        });
      }
      return existing;
    }
    const client = await tx.findOne(Client, { id: input.clientId, organization: input.organizationId });
    if (!client) throw new AppError('not_found', 'Client not found.', { reason: 'client_not_found' });
    if (input.engagementId) {
      const engagement = await tx.findOne(Engagement, {
        id: input.engagementId,
        organization: input.organizationId,
      });
      if (!engagement || engagement.client.id !== input.clientId) {
        throw new AppError('not_found', 'Engagement not found.', { reason: 'engagement_not_found' });
      }
    }
    const invoice = tx.create(Invoice, {
      id: input.invoiceId,
      organization: input.organizationId,
      client,
      engagement: input.engagementId,
      number: await nextInvoiceNumber(tx, input.organizationId),
      description,
      lines,
      amountDueMinor: total,
      amountPaidMinor: 0,
      currency,
      status: 'draft',
      dueAt: input.dueAt,
      stripeCustomerId: client.stripeCustomerId ?? null,
    });
    recordAuditEvent(tx, {
      organizationId: input.organizationId,
      actor: input.actor,
      action: 'invoice.created',
      target: { type: 'invoice', id: invoice.id },
      details: {
        clientId: input.clientId,
        engagementId: input.engagementId,
        amountDueMinor: total,
        currency,
        lines: lines.length,
      },
    });
    return invoice;
  });
}

/**
 * The firm's next invoice number this year: one more than the highest so far. A transaction-scoped
 * advisory lock per firm makes concurrent drafts wait for each other's number.
 */
async function nextInvoiceNumber(tx: EntityManager, organizationId: string): Promise<string> {
  const prefix = `INV-${new Date().getUTCFullYear()}-`;
  await tx.execute('SELECT pg_advisory_xact_lock(hashtext(?))', [`invoice-number:${organizationId}`]);
  const [row] = await tx.execute<{ last: number | null }[]>(
    `SELECT max(substring(number FROM ?)::int) AS last FROM invoice
      WHERE organization_id = ? AND number ~ ?`,
    [`^${prefix}(\\d+)$`, organizationId, `^${prefix}\\d+$`],
  );
  return `${prefix}${String((row?.last ?? 0) + 1).padStart(5, '0')}`;
}
