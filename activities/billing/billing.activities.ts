import type { MikroORM } from '@mikro-orm/postgresql';
import { systemActor, type TActor } from '../../db/audit/actor';
import { createInvoiceDraft } from '../../db/billing/create-invoice-draft';
import { Invoice, type IInvoice, type TInvoiceStatus } from '../../db/billing/invoice.entity';
import { linkStripeInvoice } from '../../db/billing/link-stripe-invoice';
import { recordBillingCustomer } from '../../db/billing/record-billing-customer';
import { recordInvoiceSent } from '../../db/billing/record-invoice-sent';
import { recordInvoiceStatus } from '../../db/billing/record-invoice-status';
import { Client } from '../../db/clients/client.entity';
import { Contact } from '../../db/clients/contact.entity';
import { forTenant } from '../../db/tenancy/tenant-context';
import type { EntityManager } from '../../db/types';
import type { Payments, TProviderInvoice } from '../../integrations/payments/payments';
import { invoiceMetadataKeys } from '../../integrations/payments/payments';
import { AppError } from '../../lib/errors';
import { ZIssueInvoiceInput, type TIssueInvoiceInput } from '../../workflows/shared/payments.contracts';
import { failFastOnBusinessErrors } from '../shared/business-errors';
import { classifyPaymentsFailures } from './payments-failures';

export interface BillingActivityDeps {
  orm: MikroORM;
  payments: Payments;
}

/** What issueInvoice reports back to the workflow. */
export interface TIssuedInvoice {
  invoiceId: string;
  number: string;
  status: TInvoiceStatus;
  stripeInvoiceId: string | null;
  /** Where the client pays (Stripe's hosted invoice page, or the local payment page). */
  hostedUrl: string | null;
  amountDueMinor: number;
  currency: string;
}

export type TVoidInvoiceOutcome =
  /** Voided (or its draft deleted at the provider). */
  | 'voided'
  | 'already_void'
  /** Paid already (here or at the provider): money has moved, so staff refund instead. */
  | 'paid'
  /** No invoice with this ID was ever created: nothing to undo. */
  | 'not_found';

/**
 * Activities that bill clients through the payments port. Each one is idempotent (Temporal may
 * retry it): our invoice ID is the business key, every provider write carries a key derived from it,
 * and every step checks our row (and the provider's state) before acting.
 */
export function createBillingActivities({ orm, payments }: BillingActivityDeps) {
  /** Finds or creates the client's customer at the provider and keeps its ID on the client. */
  async function ensureCustomerFor(
    em: EntityManager,
    input: { organizationId: string; clientId: string; actor: TActor },
  ): Promise<string> {
    const client = await em.findOne(Client, { id: input.clientId, organization: input.organizationId });
    if (!client) throw new AppError('not_found', 'Client not found.', { reason: 'client_not_found' });
    const [contact] = await em.find(
      Contact,
      { client: client.id, organization: input.organizationId },
      { orderBy: { portalAccess: 'desc', createdAt: 'asc' }, limit: 1 },
    );
    if (!contact) {
      throw new AppError('invalid_input', 'The client has no contact with an email address to bill.', {
        reason: 'no_billing_contact',
      });
    }
    const { customerId } = await payments.ensureCustomer({
      organizationId: input.organizationId,
      clientId: client.id,
      email: contact.email,
      name: client.profile?.legalName ?? client.displayName,
      existingCustomerId: client.stripeCustomerId ?? null,
    });
    await recordBillingCustomer(em, { ...input, stripeCustomerId: customerId });
    return customerId;
  }

  const summary = (invoice: IInvoice): TIssuedInvoice => ({
    invoiceId: invoice.id,
    number: invoice.number,
    status: invoice.status,
    stripeInvoiceId: invoice.stripeInvoiceId ?? null,
    hostedUrl: invoice.hostedUrl ?? null,
    amountDueMinor: invoice.amountDueMinor,
    currency: invoice.currency,
  });

  return {
    /** Finds or creates the client's customer at the payment provider. */
    async ensureBillingCustomer(input: {
      organizationId: string;
      clientId: string;
    }): Promise<{ customerId: string }> {
      return failFastOnBusinessErrors(() =>
        classifyPaymentsFailures(async () => {
          const em = forTenant(orm, input.organizationId);
          return { customerId: await ensureCustomerFor(em, { ...input, actor: systemActor }) };
        }),
      );
    },

    /**
     * Bills a client for an engagement: creates our invoice (draft, numbered), the customer and the
     * invoice at the provider, finalizes it and has it sent. Each step is recorded as it completes,
     * so a retry picks up where the last attempt stopped and never bills, finalizes or sends twice.
     */
    async issueInvoice(rawInput: TIssueInvoiceInput): Promise<TIssuedInvoice> {
      return failFastOnBusinessErrors(() =>
        classifyPaymentsFailures(async () => {
          const parsed = ZIssueInvoiceInput.safeParse(rawInput);
          if (!parsed.success) {
            const field = parsed.error.issues[0]?.path.join('.') || 'input';
            throw new AppError(
              'invalid_input',
              `The invoice is not valid: ${field} ${parsed.error.issues[0]?.message ?? ''}`.trim(),
              {
                reason: 'invalid_invoice_input',
              },
            );
          }
          const input = parsed.data;
          const em = forTenant(orm, input.organizationId);
          const actor: TActor = input.requestedByUserId
            ? { type: 'user', id: input.requestedByUserId }
            : systemActor;
          const ids = { organizationId: input.organizationId, invoiceId: input.invoiceId };

          let invoice = await createInvoiceDraft(em, {
            ...ids,
            clientId: input.clientId,
            engagementId: input.engagementId,
            description: input.description,
            lines: input.lines,
            currency: input.currency,
            dueAt: new Date(input.dueDate),
            actor,
          });
          if (invoice.status === 'void') {
            throw new AppError('conflict', `Invoice ${invoice.number} was cancelled and cannot be issued.`, {
              reason: 'invoice_void',
            });
          }
          if (invoice.status !== 'draft' && invoice.sentAt) return summary(invoice);

          let provider: TProviderInvoice | undefined;
          if (invoice.status === 'draft') {
            const customerId = invoice.stripeCustomerId ?? (await ensureCustomerFor(em, { ...input, actor }));
            provider = await payments.createInvoice({
              invoiceId: invoice.id,
              number: invoice.number,
              customerId,
              currency: invoice.currency,
              lines: invoice.lines ?? input.lines,
              dueDate: invoice.dueAt ?? new Date(input.dueDate),
              description: invoice.description,
              metadata: {
                [invoiceMetadataKeys.organizationId]: input.organizationId,
                [invoiceMetadataKeys.invoiceId]: invoice.id,
                [invoiceMetadataKeys.clientId]: input.clientId,
                ...(input.engagementId ? { [invoiceMetadataKeys.engagementId]: input.engagementId } : {}),
              },
              existingProviderInvoiceId: invoice.stripeInvoiceId ?? null,
            });
            invoice = await linkStripeInvoice(em, {
              ...ids,
              stripeInvoiceId: provider.providerInvoiceId,
              stripeCustomerId: customerId,
            });
            provider = await payments.finalizeInvoice({
              invoiceId: invoice.id,
              providerInvoiceId: provider.providerInvoiceId,
            });
            invoice = await recordProviderState(em, ids, provider, actor);
          }
          if (!invoice.stripeInvoiceId) {
            throw new AppError(
              'conflict',
              `Invoice ${invoice.number} was not issued through the payment provider.`,
              {
                reason: 'invoice_not_linked',
              },
            );
          }
          const ref = { invoiceId: invoice.id, providerInvoiceId: invoice.stripeInvoiceId };
          if (invoice.status === 'open' && !invoice.sentAt) {
            provider = await payments.sendInvoice(ref);
            invoice = await recordProviderState(em, ids, provider, actor);
            invoice = await recordInvoiceSent(em, { ...ids, at: new Date(), actor });
          }
          if (!invoice.hostedUrl && invoice.status === 'open') {
            const hostedUrl = await payments.getHostedPaymentUrl(ref);
            if (hostedUrl) {
              invoice = (
                await recordInvoiceStatus(em, {
                  ...ids,
                  status: 'open',
                  at: new Date(),
                  hostedUrl,
                  actor,
                  source: 'activity',
                })
              ).invoice;
            }
          }
          return summary(invoice);
        }),
      );
    },

    /**
     * Cancels an invoice (the compensation when an engagement is abandoned): voids it at the provider
     * (or deletes its draft) and marks ours void. A paid invoice stays paid: the outcome says so, and
     * staff refund it instead. Never fails for an invoice that is already void or was never created.
     */
    async voidInvoice(input: {
      organizationId: string;
      invoiceId: string;
      /** Why, for the audit trail, e.g. `engagement_cancelled`. */
      reason: string;
    }): Promise<{ outcome: TVoidInvoiceOutcome }> {
      return failFastOnBusinessErrors(() =>
        classifyPaymentsFailures(async () => {
          const em = forTenant(orm, input.organizationId);
          const invoice = await em.findOne(Invoice, {
            id: input.invoiceId,
            organization: input.organizationId,
          });
          if (!invoice) return { outcome: 'not_found' };
          if (invoice.status === 'paid') return { outcome: 'paid' };
          if (invoice.status === 'void') return { outcome: 'already_void' };
          if (invoice.stripeInvoiceId) {
            const result = await payments.voidInvoice({
              invoiceId: invoice.id,
              providerInvoiceId: invoice.stripeInvoiceId,
            });
            // Paid at the provider a moment ago: its webhook records the payment; nothing to void.
            if (result.outcome === 'not_voidable') return { outcome: 'paid' };
          }
          await recordInvoiceStatus(em, {
            organizationId: input.organizationId,
            invoiceId: invoice.id,
            status: 'void',
            at: new Date(),
            actor: systemActor,
            source: 'activity',
            reason: input.reason.slice(0, 100),
          });
          return { outcome: 'voided' };
        }),
      );
    },
  };

  /** Records the state the provider reported after a step (a status never moves backwards). */
  async function recordProviderState(
    em: EntityManager,
    ids: { organizationId: string; invoiceId: string },
    provider: TProviderInvoice,
    actor: TActor,
  ): Promise<IInvoice> {
    if (provider.status === 'draft') {
      const invoice = await em.findOneOrFail(Invoice, {
        id: ids.invoiceId,
        organization: ids.organizationId,
      });
      if (provider.hostedUrl && !invoice.hostedUrl) invoice.hostedUrl = provider.hostedUrl;
      await em.flush();
      return invoice;
    }
    const { invoice } = await recordInvoiceStatus(em, {
      ...ids,
      // Paid only through recordPayment (the webhook), which needs the invoice open to take the payment.
      status: provider.status === 'paid' ? 'open' : provider.status,
      at: new Date(),
      hostedUrl: provider.hostedUrl,
      actor,
      source: 'activity',
    });
    return invoice;
  }
}

export type BillingActivities = ReturnType<typeof createBillingActivities>;
