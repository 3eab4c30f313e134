/**
 * Walks through client onboarding in a real browser and saves screenshots to screenshots/ (git-ignored):
 * sign-in, dashboard, the new-client form with errors, the engagement page, the client portal at
 * 390×844 (form, errors, thank-you) and the engagement page again once it has updated itself (live
 * updates, no reload). Prints any browser console error (a CSP violation shows up there).
 *
 *   WEB_URL=http://localhost:3000 MAILBOX_URL=http://localhost:8025 \
 *     bash scripts/node24.sh tsx web/scripts/screenshots.ts
 *
 * Needs the web app and a worker running against a seeded database (`npm run dev` does all of it)
 * and Chromium (CHROMIUM_PATH, /usr/bin/chromium by default).
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchTestBrowser } from '../tests/support/browser';
import { demoLogins } from '../../db/seed/demo-logins';
import { totpCode } from '../../lib/crypto/totp';

const webUrl = (process.env.WEB_URL ?? 'http://localhost:3000').replace(/\/$/, '');
const mailboxUrl = (process.env.MAILBOX_URL ?? 'http://localhost:8025').replace(/\/$/, '');
const outDir = fileURLToPath(new URL('../../screenshots/', import.meta.url));

const problems: string[] = [];

function watch(page: Page, label: string): void {
  page.on('console', (message) => {
    if (message.type() === 'error')
      problems.push(`${label}: console error: ${message.text().split('\n')[0]}`);
  });
  page.on('pageerror', (error) => problems.push(`${label}: page error: ${error.message}`));
}

async function shoot(page: Page, name: string): Promise<void> {
  // Let the page hydrate first: a screenshot taken while React hydrates can disturb it.
  await page.waitForLoadState('networkidle');
  const file = path.join(outDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  console.log(`saved ${path.relative(process.cwd(), file)}`);
}

interface MailboxMessage {
  to: string[];
  subject: string;
  text: string;
}

async function waitForPortalLink(to: string): Promise<string> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const response = await fetch(`${mailboxUrl}/api/messages`);
    const messages = (await response.json()) as MailboxMessage[];
    const invitation = messages.find((m) => m.to.some((address) => address.toLowerCase() === to));
    const link = invitation && /https?:\/\/\S+\/portal\/invite\/[\w-]+/.exec(invitation.text)?.[0];
    if (link) return link;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  throw new Error(`no invitation email to ${to} arrived at ${mailboxUrl}`);
}

async function staffWalkthrough(browser: Browser): Promise<{ contactEmail: string; engagementPage: Page }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  const page = await context.newPage();
  watch(page, 'staff');

  await page.goto(`${webUrl}/login`);
  await page.getByLabel('Email').fill('olivia.owner@harborview.test');
  await page.getByLabel('Password').fill('not-the-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText('Email or password is incorrect.').waitFor();
  await shoot(page, '01-login-error');

  const owner = demoLogins.find((login) => login.role === 'owner');
  if (!owner) throw new Error('no demo owner login');
  await page.getByLabel('Password').fill(owner.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/login\/mfa/);
  await shoot(page, '01b-second-factor');
  if (!owner.totpSecret) throw new Error('the demo owner has no authenticator secret');
  await page.getByLabel('Authentication code').fill(totpCode(owner.totpSecret));
  await page.getByRole('button', { name: 'Verify and continue' }).click();
  await page.waitForURL(`${webUrl}/app`);
  await shoot(page, '02-dashboard');

  await page.goto(`${webUrl}/app/clients/new`);
  await page.getByLabel('Client name').fill('J');
  await page.getByLabel('Contact email').fill('not-an-email');
  await page.getByRole('button', { name: 'Create client and start onboarding' }).click();
  await page.getByText('Please correct the highlighted fields.').waitFor();
  await shoot(page, '03-new-client-errors');

  const stamp = Date.now().toString(36);
  const contactEmail = `morgan.${stamp}@example.test`;
  await page.getByLabel('Client name').fill(`Morgan Rivera ${stamp}`);
  await page.getByLabel('Contact name').fill('Morgan Rivera');
  await page.getByLabel('Contact email').fill(contactEmail);
  await page.getByRole('button', { name: 'Create client and start onboarding' }).click();
  await page.waitForURL(/\/app\/engagements\/[0-9a-f-]{36}/);
  await page.getByRole('heading', { name: 'Waiting for client profile' }).waitFor({ timeout: 30_000 });
  await shoot(page, '04-engagement-waiting');

  const mobile = await context.newPage();
  watch(mobile, 'staff (mobile)');
  await mobile.setViewportSize({ width: 390, height: 844 });
  await mobile.goto(`${webUrl}/app`);
  await shoot(mobile, '05-dashboard-mobile');
  await mobile.close();
  // The engagement page stays open: it must update by itself when the client answers in the portal.
  return { contactEmail, engagementPage: page };
}

async function portalWalkthrough(browser: Browser, contactEmail: string): Promise<void> {
  const context: BrowserContext = await browser.newContext({
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
  });
  const page = await context.newPage();
  watch(page, 'portal');

  await page.goto(await waitForPortalLink(contactEmail));
  await shoot(page, '05b-portal-invitation');
  await page.getByRole('button', { name: 'Open my client portal' }).click();
  await page.waitForURL(`${webUrl}/portal`);
  await shoot(page, '06-portal-form');

  await page.getByLabel('Full legal name').fill('M');
  await page.getByLabel('Phone number').fill('12');
  await page.getByRole('button', { name: 'Send my details' }).click();
  await page.getByText('your attention').waitFor();
  await shoot(page, '07-portal-errors');

  await page.getByLabel('Full legal name').fill('Morgan A. Rivera');
  await page.getByLabel('Phone number').fill('(617) 555-0142');
  await page.getByLabel('Street address').fill('12 Harbor Street');
  await page.getByLabel('City').fill('Boston');
  await page.getByLabel('State').selectOption('MA');
  await page.getByLabel('ZIP code').fill('02110');
  await page.getByLabel('Email', { exact: true }).check();
  await page.getByRole('button', { name: 'Send my details' }).click();
  await page.waitForURL(`${webUrl}/portal?submitted=1`);
  await shoot(page, '08-portal-thank-you');

  await page.goto(`${webUrl}/portal/invite/this-link-does-not-exist`);
  await shoot(page, '09-portal-bad-link');
  await context.close();
}

/** The engagement page left open during the portal walkthrough updates without a reload. */
async function completedEngagement(page: Page): Promise<void> {
  const url = page.url();
  await page.getByRole('heading', { name: 'Onboarding complete' }).waitFor({ timeout: 30_000 });
  if (page.url() !== url) throw new Error('the engagement page navigated instead of updating in place');
  await shoot(page, '10-engagement-completed');

  await page
    .getByRole('link', { name: /^Morgan Rivera/ })
    .first()
    .click();
  await page.getByRole('heading', { name: 'Profile' }).waitFor();
  await shoot(page, '11-client-detail');
  await page.goto(`${webUrl}/app/clients`);
  await shoot(page, '12-clients');
  await page.goto(`${webUrl}/app/tasks`);
  await shoot(page, '13-tasks');
}

async function main(): Promise<void> {
  await mkdir(outDir, { recursive: true });
  const browser = await launchTestBrowser();
  try {
    const { contactEmail, engagementPage } = await staffWalkthrough(browser);
    await portalWalkthrough(browser, contactEmail);
    await completedEngagement(engagementPage);
  } finally {
    await browser.close();
  }
  // Rejected forms (400, 401) and the invalid portal link (404) answer with those statuses on purpose;
  // the browser reports each as a console error.
  const expected = /Failed to load resource: the server responded with a status of (400|401|404)/;
  const unexpected = problems.filter((problem) => !expected.test(problem));
  if (unexpected.length > 0) {
    console.error(`browser problems:\n  ${unexpected.join('\n  ')}`);
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
