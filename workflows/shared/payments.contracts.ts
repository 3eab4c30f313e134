/**
 * Payments: what the web app (the Stripe webhook endpoint), the billing activities and engagement
 * workflows share. Contracts only: no workflow implementation here.
 */
import { defineSignal } from '@temporalio/workflow';
import { z } from 'zod';

/** An invoice line as a workflow bills it: quantity one, amount in minor units (cents). */
export const ZInvoiceLine = z.object({
  description: z.string().trim().min(1).max(200),
  amountMinor: z.number().int().min(1).max(100_000_000),
});
export type TInvoiceLineInput = z.infer<typeof ZInvoiceLine>;

/**
 * What an engagement workflow bills. `invoiceId` is the business key, chosen by the workflow
 * (e.g. `uuid4()` from @temporalio/workflow, stored in its state), so a retried activity issues
 * the same invoice; `dueDate` is fixed by the workflow too, since Stripe refuses a repeated request
 * whose parameters differ.
 */
export const ZIssueInvoiceInput = z.object({
  organizationId: z.uuid(),
  invoiceId: z.uuid(),
  clientId: z.uuid(),
  engagementId: z.uuid().nullable(),
  description: z.string().trim().min(1).max(300),
  lines: z.array(ZInvoiceLine).min(1).max(50),
  currency: z
    .string()
    .regex(/^[a-z]{3}$/, 'must be a lower-case ISO 4217 code, e.g. usd')
    .default('usd'),
  /** ISO 8601. Stripe refuses a due date in the past, so choose one well ahead of issuing. */
  dueDate: z.iso.datetime({ offset: true }),
  /** The staff member who asked for it, for the audit trail; the system otherwise. */
  requestedByUserId: z.uuid().optional(),
});
export type TIssueInvoiceInput = z.input<typeof ZIssueInvoiceInput>;

/**
 * Sent to the engagement's workflow when its invoice is paid in full. Delivered at least once:
 * Stripe announces one payment in several events (`invoice.paid`, `invoice.payment_succeeded`,
 * `invoice_payment.paid`) and a delivery that failed half-way is processed again, so a handler must
 * treat a repeat for the same `invoiceId` as a no-op.
 */
export const ZInvoicePaid = z.object({
  organizationId: z.uuid(),
  invoiceId: z.uuid(),
  engagementId: z.uuid(),
  amountPaidMinor: z.number().int().min(0),
  currency: z.string().regex(/^[a-z]{3}$/),
  /** ISO 8601. */
  paidAt: z.iso.datetime({ offset: true }),
});
export type TInvoicePaid = z.infer<typeof ZInvoicePaid>;

export const invoicePaidSignal = defineSignal<[TInvoicePaid]>('invoicePaid');
