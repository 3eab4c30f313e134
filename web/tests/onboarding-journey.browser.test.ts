/**
 * The onboarding journey in a real browser (Chromium via playwright-core): a staff member signs in,
 * creates a client and watches the engagement page; the workflow reminds the client and opens a
 * follow-up task; the client opens the emailed link on a phone, corrects a bad form and submits;
 * the staff page, never reloaded, shows each change and finally "Onboarding complete".
 */
import { forSystem } from '../../db/tenancy/tenant-context';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchTestBrowser } from './support/browser';
import { Client } from '../../db/clients/client.entity';
import { Engagement } from '../../db/engagements/engagement.entity';
import { demoLogins } from '../../db/seed/demo-logins';
import { totpCode } from '../../lib/crypto/totp';
import { portalLinkIn, waitForEmails } from '../../tests/support/mailbox';
import { startTestPlatform, type TestPlatform } from './support/test-platform';

const owner = demoLogins.find((login) => login.role === 'owner')!;

let platform: TestPlatform;
let browser: Browser;
const browserProblems: string[] = [];

function watch(page: Page, label: string): void {
  page.on('pageerror', (error) => browserProblems.push(`${label}: ${error.message}`));
  page.on('console', (message) => {
    // Forms answered 400 on purpose show up as failed resource loads; anything else is a problem.
    if (message.type() === 'error' && !/status of 400/.test(message.text())) {
      browserProblems.push(`${label}: ${message.text()}`);
    }
  });
}

/** Saves a full-page screenshot when CPA_SCREENSHOTS_DIR names a folder (for looking at the pages). */
async function screenshot(page: Page, name: string): Promise<void> {
  const dir = process.env.CPA_SCREENSHOTS_DIR;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true });
}

let signedIn: Page | undefined;

/** A staff page signed in as the owner (once per file: an authenticator code works once per 30 seconds). */
async function signedInPage(): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  watch(page, 'staff');
  await signIn(page);
  signedIn = page;
  return page;
}

async function signIn(page: Page): Promise<void> {
  await page.goto(`${platform.web.url}/app`);
  await page.waitForURL(/\/login\?redirectTo=%2Fapp$/);
  await page.getByLabel('Email').fill(owner.email);
  await page.getByLabel('Password').fill(owner.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/login\/mfa\?redirectTo=%2Fapp$/);
  await page.getByLabel('Authentication code').fill(totpCode(owner.totpSecret!));
  await page.getByRole('button', { name: 'Verify and continue' }).click();
  await page.waitForURL(`${platform.web.url}/app`);
}

beforeAll(async () => {
  // One reminder after 2 s and the follow-up 2 s later, so the test sees both happen.
  platform = await startTestPlatform({
    name: 'browser journey',
    reminders: { intervalsSeconds: [2], followUpAfterSeconds: 2 },
  });
  browser = await launchTestBrowser();
});

afterAll(async () => {
  await browser?.close();
  await platform?.stop();
});

describe('client onboarding in the browser', () => {
  it('runs from a new client to a completed onboarding, with live updates on the staff page', async () => {
    const staff = await signedInPage();

    await staff.goto(`${platform.web.url}/app/clients/new`);
    const contactEmail = `casey.${Date.now().toString(36)}@example.test`;
    await staff.getByLabel('Client name').fill('Casey Morgan');
    await staff.getByLabel('Contact name').fill('Casey Morgan');
    await staff.getByLabel('Contact email').fill(contactEmail);
    await staff.getByRole('button', { name: 'Create client and start onboarding' }).click();
    await staff.waitForURL(/\/app\/engagements\/[0-9a-f-]{36}(\?.*)?$/);
    const engagementUrl = staff.url();
    await staff.getByRole('heading', { name: 'Waiting for client profile' }).waitFor({ timeout: 30_000 });
    await expect
      .poll(() => staff.getByRole('link', { name: 'Open in Temporal UI' }).getAttribute('href'))
      .toMatch(/\/namespaces\/default\/workflows\/onboarding%3A[0-9a-f-]{36}\/[0-9a-f-]{36}\/history$/);
    // Marks this document: a reload or navigation would lose it.
    await staff.evaluate(() => Object.assign(window, { journeyMarker: true }));

    // The reminder and the follow-up task reach the open page without a reload.
    await staff.getByText('1 of 1 sent').waitFor({ timeout: 30_000 });
    await staff
      .getByText('Follow up: client has not completed their portal profile')
      .first()
      .waitFor({ timeout: 30_000 });
    await screenshot(staff, 'onboarding-waiting-escalated');
    const emails = await waitForEmails(contactEmail, 2);

    const phone = await browser.newPage({
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
    });
    watch(phone, 'portal');
    await phone.goto(portalLinkIn(emails[0]!));
    await phone.getByRole('button', { name: 'Open my client portal' }).tap();
    await phone.waitForURL(`${platform.web.url}/portal`);
    await phone.getByRole('heading', { name: 'Tell Harborview CPA about yourself' }).waitFor();

    await phone.getByLabel('Full legal name').fill('C');
    await phone.getByLabel('Phone number').fill('555');
    await phone.getByRole('button', { name: 'Send my details' }).click();
    await phone.getByText('Enter your full legal name').waitFor();
    await phone.getByText('Enter a 10-digit US phone number, for example (555) 123-4567').waitFor();
    expect(await phone.getByLabel('Phone number').inputValue()).toBe('555');

    await phone.getByLabel('Full legal name').fill('Casey Jordan Morgan');
    await phone.getByLabel('Phone number').fill('(617) 555-0199');
    await phone.getByLabel('Street address').fill('48 Beacon Street');
    await phone.getByLabel('City').fill('Boston');
    await phone.getByLabel('State').selectOption('MA');
    await phone.getByLabel('ZIP code').fill('02108');
    await phone.getByLabel('Email', { exact: true }).check();
    await phone.getByRole('button', { name: 'Send my details' }).click();
    await phone.waitForURL(`${platform.web.url}/portal?submitted=1`);

    await staff.getByRole('heading', { name: 'Onboarding complete' }).waitFor({ timeout: 30_000 });
    await screenshot(staff, 'onboarding-complete');
    expect(staff.url()).toBe(engagementUrl);
    expect(await staff.evaluate(() => (window as unknown as { journeyMarker?: boolean }).journeyMarker)).toBe(
      true,
    );

    const client = await forSystem(platform.orm, 'test assertions').findOneOrFail(Client, {
      displayName: 'Casey Morgan',
    });
    expect(client.status).toBe('active');
    expect(client.profile).toMatchObject({ legalName: 'Casey Jordan Morgan', postalCode: '02108' });
    expect(browserProblems).toEqual([]);
  });

  it('sends a new portal link and cancels an onboarding from its page, with the workflow’s answer shown', async () => {
    // The same signed-in page as the journey above: an authenticator code works once per 30 seconds.
    const staff = signedIn ?? (await signedInPage());
    await staff.goto(`${platform.web.url}/app/clients/new`);
    const contactEmail = `robin.${Date.now().toString(36)}@example.test`;
    await staff.getByLabel('Client name').fill('Robin Ellis');
    await staff.getByLabel('Contact name').fill('Robin Ellis');
    await staff.getByLabel('Contact email').fill(contactEmail);
    await staff.getByRole('button', { name: 'Create client and start onboarding' }).click();
    await staff.waitForURL(/\/app\/engagements\/[0-9a-f-]{36}(\?.*)?$/);
    const engagementId = /engagements\/([0-9a-f-]{36})/.exec(staff.url())![1]!;
    await staff.getByRole('heading', { name: 'Waiting for client profile' }).waitFor({ timeout: 30_000 });

    await staff.getByRole('button', { name: 'Email a new link' }).click();
    await staff
      .getByText(
        'A new portal link was emailed to the client. Older links they have not used no longer work.',
      )
      .waitFor({ timeout: 30_000 });
    await screenshot(staff, 'onboarding-new-link-sent');

    await staff.getByText('Cancel this onboarding').click();
    await staff.getByLabel('Why').fill('x');
    await staff.getByRole('button', { name: 'Cancel onboarding' }).click();
    // The browser's own check (minLength) stops a too-short reason before it is posted.
    expect(await staff.getByLabel('Why').evaluate((input: HTMLInputElement) => input.validity.tooShort)).toBe(
      true,
    );
    await staff.getByLabel('Why').fill('The client decided to stay with their current accountant');
    await staff.getByRole('button', { name: 'Cancel onboarding' }).click();
    await staff.getByRole('heading', { name: 'Onboarding cancelled' }).waitFor({ timeout: 30_000 });
    await staff.getByText('The client decided to stay with their current accountant').first().waitFor();
    await screenshot(staff, 'onboarding-cancelled');

    const engagement = await forSystem(platform.orm, 'test assertions').findOneOrFail(Engagement, {
      id: engagementId,
    });
    expect(engagement).toMatchObject({ status: 'cancelled', stage: 'cancelled' });
    const stopped = (await waitForEmails(contactEmail, 2)).filter((e) =>
      e.subject.includes('has stopped work'),
    );
    expect(stopped).toHaveLength(1);
    expect(browserProblems).toEqual([]);
  });
});
