/**
 * The offline pay flow end to end, in Chromium on a phone-sized screen: an invoice issued through
 * the local payments adapter, its payment page, the Pay button delivering a signed `invoice.paid` to
 * the platform's own /webhooks/stripe, the invoice paid, the payment recorded once (even when the
 * webhook is delivered again) and the engagement's workflow told.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WorkflowHandle } from '@temporalio/client';
import type { Browser, Page } from 'playwright-core';
import { launchTestBrowser } from './support/browser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBillingActivities } from '../../activities/billing/billing.activities';
import { Invoice } from '../../db/billing/invoice.entity';
import { Payment } from '../../db/billing/payment.entity';
import { forSystem, forTenant } from '../../db/tenancy/tenant-context';
import { WebhookEvent } from '../../db/webhooks/webhook-event.entity';
import {
  buildLocalInvoicePaidEvent,
  createLocalPayments,
  localPaymentIds,
} from '../../integrations/payments/local-payments';
import {
  billableEngagement,
  deliver,
  invoicePaidSignals,
  issueLocalInvoice,
  settledEvent,
  startSignalCollector,
  webhookSecret,
} from './support/payments';
import { startTestPlatform, type TestPlatform } from './support/test-platform';

const screenshotsDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../screenshots');

let platform: TestPlatform;
let browser: Browser;
const collectors: WorkflowHandle[] = [];
const browserProblems: string[] = [];

beforeAll(async () => {
  platform = await startTestPlatform({
    name: 'local payment',
    reminders: { intervalsSeconds: [86_400], followUpAfterSeconds: 86_400 },
  });
  browser = await launchTestBrowser();
  mkdirSync(screenshotsDir, { recursive: true });
}, 120_000);

afterAll(async () => {
  for (const handle of collectors) await handle.terminate('test finished').catch(() => undefined);
  await browser?.close();
  await platform?.stop();
});

/** A phone-sized page that records script errors and failed requests other than the expected 404s. */
async function phone(): Promise<Page> {
  const page = await browser.newPage({
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
  });
  page.on('pageerror', (error) => browserProblems.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error' && !/status of 404/.test(message.text()))
      browserProblems.push(message.text());
  });
  return page;
}

const tenant = () => forTenant(platform.orm, platform.demoFirmId);

describe('local payment page', () => {
  it('pays an invoice offline through a signed webhook, records the payment once and tells the workflow', async () => {
    const engagement = await billableEngagement(platform.orm, platform.demoFirmId);
    const workflow = await startSignalCollector(platform.temporal, engagement.workflowId);
    collectors.push(workflow);
    const issued = await issueLocalInvoice(platform.orm, platform.web.url, engagement);
    expect(issued.hostedUrl).toMatch(
      new RegExp(`^${platform.web.url}/pay/${issued.invoiceId}\\?key=[\\w-]{43}$`),
    );

    const page = await phone();
    await page.goto(issued.hostedUrl!);
    await expect
      .poll(() => page.getByText('Local test payment — no real card is charged.').isVisible())
      .toBe(true);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Tax preparation 2025');
    expect(await page.getByText(`Invoice ${issued.number} from Harborview CPA`).isVisible()).toBe(true);
    expect(await page.getByRole('cell', { name: '2025 individual tax return' }).isVisible()).toBe(true);
    expect(await page.getByRole('cell', { name: '$450.00' }).isVisible()).toBe(true);
    const pay = page.getByRole('button', { name: 'Pay $575.00' });
    expect(await pay.isVisible()).toBe(true);
    // Big enough to tap, and the page fits the phone's width.
    expect((await pay.boundingBox())!.height).toBeGreaterThanOrEqual(44);
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    await page.screenshot({ path: path.join(screenshotsDir, 'local-payment.png'), fullPage: true });

    await pay.click();
    await page.getByText('Thank you! Your payment was received and Harborview CPA has been told.').waitFor();
    expect(await page.getByRole('button', { name: /^Pay/ }).count()).toBe(0);
    expect(await page.getByText('This invoice is paid.').isVisible()).toBe(true);
    await page.screenshot({ path: path.join(screenshotsDir, 'local-payment-paid.png'), fullPage: true });

    const invoice = await tenant().findOneOrFail(Invoice, { id: issued.invoiceId });
    expect(invoice).toMatchObject({ status: 'paid', amountPaidMinor: 57_500 });
    const payments = await tenant().find(Payment, { invoice: issued.invoiceId });
    expect(payments).toMatchObject([
      {
        stripePaymentIntentId: localPaymentIds.paymentIntent(issued.invoiceId),
        amountMinor: 57_500,
        status: 'succeeded',
      },
    ]);
    const [delivered] = await forSystem(platform.orm, 'test assertions').find(WebhookEvent, {
      provider: 'stripe',
      providerEventId: { $like: 'evt_local_%' },
      organization: platform.demoFirmId,
    });
    expect(delivered).toMatchObject({ type: 'invoice.paid', status: 'processed' });
    await expect.poll(async () => (await invoicePaidSignals(workflow)).length).toBe(1);
    expect((await invoicePaidSignals(workflow))[0]).toMatchObject({
      invoiceId: issued.invoiceId,
      amountPaidMinor: 57_500,
    });

    // The same delivery again, and another delivery of the same payment: nothing more is recorded.
    expect((await deliver(platform.web.url, JSON.stringify(delivered!.payload))).body).toEqual({
      received: true,
      duplicate: true,
    });
    const again = buildLocalInvoicePaidEvent(
      {
        invoiceId: invoice.id,
        organizationId: platform.demoFirmId,
        clientId: engagement.clientId,
        engagementId: engagement.engagementId,
        providerInvoiceId: invoice.stripeInvoiceId!,
        customerId: invoice.stripeCustomerId ?? null,
        number: invoice.number,
        amountMinor: 57_500,
        currency: 'usd',
        hostedUrl: issued.hostedUrl,
      },
      { webhookSecret: webhookSecret() },
    );
    expect((await deliver(platform.web.url, again.payload, again.signature)).body).toEqual({
      received: true,
    });
    expect((await settledEvent(platform.orm, again.eventId)).status).toBe('processed');
    expect(await tenant().fork().count(Payment, { invoice: issued.invoiceId })).toBe(1);
    expect((await tenant().fork().findOneOrFail(Invoice, { id: issued.invoiceId })).amountPaidMinor).toBe(
      57_500,
    );

    await page.reload();
    expect(await page.getByText('This invoice is paid.').isVisible()).toBe(true);
    expect(browserProblems).toEqual([]);
  });

  it('answers the same 404 for a wrong key, another invoice, and a malformed link', async () => {
    const engagement = await billableEngagement(platform.orm, platform.demoFirmId);
    const first = await issueLocalInvoice(platform.orm, platform.web.url, engagement, [10_000]);
    const second = await issueLocalInvoice(platform.orm, platform.web.url, engagement, [20_000]);
    const keyOfFirst = new URL(first.hostedUrl!).searchParams.get('key')!;
    const page = await phone();
    for (const href of [
      `/pay/${first.invoiceId}?key=${'A'.repeat(43)}`,
      `/pay/${second.invoiceId}?key=${keyOfFirst}`,
      `/pay/${first.invoiceId}`,
      `/pay/not-an-invoice?key=${keyOfFirst}`,
    ]) {
      const response = await page.goto(`${platform.web.url}${href}`);
      expect(response?.status(), href).toBe(404);
      expect(
        await page
          .getByText('This payment page could not be found. Check the link in your invoice email.')
          .isVisible(),
      ).toBe(true);
      expect(await page.getByText('Tax preparation 2025').count()).toBe(0);
    }
  });

  it('shows a cancelled invoice with nothing to pay', async () => {
    const engagement = await billableEngagement(platform.orm, platform.demoFirmId);
    const issued = await issueLocalInvoice(platform.orm, platform.web.url, engagement, [15_000]);
    const billing = createBillingActivities({
      orm: platform.orm,
      payments: createLocalPayments({ publicUrl: platform.web.url, webhookSecret: webhookSecret() }),
    });
    expect(
      await billing.voidInvoice({
        organizationId: platform.demoFirmId,
        invoiceId: issued.invoiceId,
        reason: 'engagement_cancelled',
      }),
    ).toEqual({
      outcome: 'voided',
    });
    const page = await phone();
    await page.goto(issued.hostedUrl!);
    expect(
      await page.getByText('Harborview CPA cancelled this invoice. There is nothing to pay.').isVisible(),
    ).toBe(true);
    expect(await page.getByRole('button', { name: /^Pay/ }).count()).toBe(0);
  });
});
