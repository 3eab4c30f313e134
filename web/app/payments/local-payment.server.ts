/**
 * The local payment page (PAYMENTS_PROVIDER=local): the stand-in for Stripe's hosted invoice page.
 * A client reaches it through the unguessable link the local adapter gives an invoice
 * (`/pay/<invoiceId>?key=<HMAC>`); pressing Pay delivers a correctly signed `invoice.paid` event to
 * the platform's own /webhooks/stripe, so the payment is recorded by the production code path.
 * No card is asked for and no money moves. With the Stripe adapter the page does not exist (404).
 */
import { Invoice, type IInvoice } from '../../../db/billing/invoice.entity';
import { Organization } from '../../../db/organizations/organization.entity';
import type { EntityManager } from '../../../db/types';
import {
  buildLocalInvoicePaidEvent,
  isLocalPaymentKey,
  localPaymentUrl,
} from '../../../integrations/payments/local-payments';
import { paymentsProviderOf } from '../../../integrations/payments/payments-config';
import { AppError } from '../../../lib/errors';
import { isUuid } from '../../../lib/ids';
import { webEnv } from '../env.server';
import { dateFormat } from '../ui/dates.server';

export type TLocalPaymentState = 'payable' | 'paid' | 'void' | 'not_ready';

export interface TLocalPaymentView {
  firmName: string;
  number: string;
  description: string;
  lines: { description: string; amount: string }[];
  /** What is left to pay. */
  total: string;
  amountPaid: string;
  dueDate: string | null;
  overdue: boolean;
  state: TLocalPaymentState;
  paidOn: string | null;
}

const notFound = () =>
  new AppError('not_found', 'This payment page could not be found. Check the link in your invoice email.');

/** The invoice behind a payment link, or a 404 that looks the same for every reason. */
export async function invoiceForPaymentLink(
  em: EntityManager,
  { invoiceId, key }: { invoiceId: string | undefined; key: string | null },
): Promise<IInvoice> {
  const env = webEnv();
  if (paymentsProviderOf(env) !== 'local' || !env.STRIPE_WEBHOOK_SECRET) throw notFound();
  if (!isUuid(invoiceId) || !isLocalPaymentKey(env.STRIPE_WEBHOOK_SECRET, invoiceId, key)) throw notFound();
  const invoice = await em.findOne(Invoice, { id: invoiceId });
  if (!invoice) throw notFound();
  return invoice;
}

export function formatMoney(amountMinor: number, currency: string): string {
  const format = new Intl.NumberFormat('en-US', { style: 'currency', currency: currency.toUpperCase() });
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
  return format.format(amountMinor / 10 ** digits);
}

function stateOf(invoice: IInvoice): TLocalPaymentState {
  if (invoice.status === 'paid') return 'paid';
  if (invoice.status === 'void') return 'void';
  if (invoice.status === 'draft' || !invoice.stripeInvoiceId) return 'not_ready';
  return 'payable';
}

export async function localPaymentView(em: EntityManager, invoice: IInvoice): Promise<TLocalPaymentView> {
  const firm = await em.findOneOrFail(Organization, { id: invoice.organization.id });
  const format = dateFormat(firm.settings.timeZone);
  const lines = invoice.lines?.length
    ? invoice.lines
    : [{ description: invoice.description, amountMinor: invoice.amountDueMinor }];
  const state = stateOf(invoice);
  return {
    firmName: firm.name,
    number: invoice.number,
    description: invoice.description,
    lines: lines.map((line) => ({
      description: line.description,
      amount: formatMoney(line.amountMinor, invoice.currency),
    })),
    total: formatMoney(Math.max(0, invoice.amountDueMinor - invoice.amountPaidMinor), invoice.currency),
    amountPaid: formatMoney(invoice.amountPaidMinor, invoice.currency),
    dueDate: invoice.dueAt ? format.date(invoice.dueAt) : null,
    overdue: state === 'payable' && !!invoice.dueAt && invoice.dueAt.getTime() < Date.now(),
    state,
    paidOn: invoice.paidAt ? format.date(invoice.paidAt) : null,
  };
}

/**
 * Where the page delivers its webhook: back to the server the browser reached when that is this
 * machine (so tests and `npm run dev` on any port work), else PUBLIC_URL. Never a host named by the
 * request alone, which would hand a signed event to whoever set the Host header.
 */
export function webhookUrlFor(request: Request): string {
  const publicUrl = new URL(webEnv().PUBLIC_URL);
  const reached = new URL(request.url);
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(reached.hostname);
  const origin = loopback || reached.origin === publicUrl.origin ? reached.origin : publicUrl.origin;
  return `${origin}/webhooks/stripe`;
}

/**
 * Pays an invoice the local way: delivers a signed `invoice.paid` for the full amount to the
 * platform's webhook endpoint and waits briefly until the payment is recorded. Paying twice is
 * harmless: the event carries the same payment, which is recorded once.
 */
export async function payLocally(
  em: EntityManager,
  invoice: IInvoice,
  { request }: { request: Request },
): Promise<{ recorded: boolean }> {
  const env = webEnv();
  if (!env.STRIPE_WEBHOOK_SECRET || !invoice.stripeInvoiceId) throw notFound();
  const { payload, signature } = buildLocalInvoicePaidEvent(
    {
      invoiceId: invoice.id,
      organizationId: invoice.organization.id,
      clientId: invoice.client.id,
      engagementId: invoice.engagement?.id ?? null,
      providerInvoiceId: invoice.stripeInvoiceId,
      customerId: invoice.stripeCustomerId ?? null,
      number: invoice.number,
      amountMinor: invoice.amountDueMinor - invoice.amountPaidMinor,
      currency: invoice.currency,
      hostedUrl: localPaymentUrl(
        { publicUrl: env.PUBLIC_URL, webhookSecret: env.STRIPE_WEBHOOK_SECRET },
        invoice.id,
      ),
    },
    { webhookSecret: env.STRIPE_WEBHOOK_SECRET },
  );
  let response: Response;
  try {
    response = await fetch(webhookUrlFor(request), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Stripe-Signature': signature },
      body: payload,
      signal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    throw new AppError(
      'unavailable',
      'The payment could not be sent just now. Nothing was charged; please try again.',
      {
        logMessage: `local payment webhook delivery failed: ${String(error)}`,
      },
    );
  }
  await response.body?.cancel();
  if (!response.ok) {
    throw new AppError(
      'unavailable',
      'The payment could not be recorded just now. Nothing was charged; please try again.',
      {
        logMessage: `local payment webhook answered ${response.status}`,
      },
    );
  }
  // The endpoint answers before it processes; the page waits a moment so the client sees the result.
  for (let waited = 0; waited < 5_000; waited += 100) {
    const current = await em.fork().findOne(Invoice, { id: invoice.id }, { fields: ['status'] });
    if (current?.status === 'paid') return { recorded: true };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { recorded: false };
}
