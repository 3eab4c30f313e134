/**
 * A client accepts a portal invitation in a real browser (Chromium via playwright-core) on a
 * phone-sized screen: staff send the invitation from the client page, the client opens the emailed
 * link (read from the mail capture), creates a password, signs out and signs back in with it.
 */
import { mkdir } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { launchTestBrowser } from './support/browser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditEvent } from '../../db/audit/audit-event.entity';
import { buildClient, buildContact, seedContext } from '../../db/seed/factories';
import { demoLogins } from '../../db/seed/demo-logins';
import { persistSeedRows } from '../../db/seed/persist-rows';
import { forSystem } from '../../db/tenancy/tenant-context';
import { portalLinkIn, waitForEmails } from '../../tests/support/mailbox';
import { HttpSession, signInStaff } from './support/http-session';
import { startTestPlatform, type TestPlatform } from './support/test-platform';

const owner = demoLogins.find((login) => login.role === 'owner')!;
const password = 'copper kettle meadow 19';

let platform: TestPlatform;
let browser: Browser;
const browserProblems: string[] = [];

function watch(page: Page): void {
  page.on('pageerror', (error) => browserProblems.push(error.message));
  page.on('console', (message) => {
    // A form answered 400 and the used link's 410 page show up as failed loads, on purpose.
    if (message.type() === 'error' && !/status of (400|410)/.test(message.text())) {
      browserProblems.push(message.text());
    }
  });
}

/** Nothing on the page is wider than the phone's screen. */
/** A full-page screenshot into CPA_SCREENSHOT_DIR, when it is set (to look at the pages). */
async function screenshot(page: Page, name: string): Promise<void> {
  const dir = process.env.CPA_SCREENSHOT_DIR;
  if (!dir) return;
  await mkdir(dir, { recursive: true });
  await page.screenshot({ path: `${dir}/${name}.png`, fullPage: true });
}

async function fitsTheScreen(page: Page): Promise<boolean> {
  return page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
}

beforeAll(async () => {
  platform = await startTestPlatform({ name: 'portal invitation browser' });
  browser = await launchTestBrowser();
});

afterAll(async () => {
  await browser?.close();
  await platform?.stop();
});

describe('a portal invitation in the browser', () => {
  it('is accepted on a phone: the client creates a password, signs out and signs back in', async () => {
    // A new client of the demo firm whose contact has never been to the portal.
    const ctx = seedContext(`portal-browser-${randomUUID()}`);
    const firmId = platform.demoFirmId;
    const client = buildClient(ctx, {
      organizationId: firmId,
      kind: 'individual',
      status: 'active',
      displayName: 'Maria Lopez',
    });
    const email = `maria.lopez.${randomUUID().slice(0, 6)}@example.test`;
    const contact = buildContact(ctx, {
      organizationId: firmId,
      clientId: client.id,
      name: 'Maria Lopez',
      email,
    });
    await forSystem(platform.orm, 'test setup').transactional((tx) => {
      persistSeedRows(tx, { clients: [client], contacts: [contact] });
      return Promise.resolve();
    });

    // Staff send the invitation from the client page.
    const staff = new HttpSession(platform.web.url);
    await signInStaff(staff, owner);
    const sent = await staff.post(`/app/clients/${client.id}`, { intent: 'invite', contactId: contact.id });
    expect(sent.status).toBe(200);
    const [invitation] = await waitForEmails(email, 1);
    const link = new URL(portalLinkIn(invitation!));

    const context = await browser.newContext({
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
    });
    const phone = await context.newPage();
    watch(phone);

    await phone.goto(`${platform.web.url}${link.pathname}`);
    await phone.getByRole('heading', { name: 'Hello Maria' }).waitFor();
    expect(await fitsTheScreen(phone)).toBe(true);
    await screenshot(phone, 'portal-invitation-link');
    await phone.getByRole('button', { name: 'Open my client portal' }).tap();
    await phone.waitForURL(`${platform.web.url}/portal`);
    await phone.getByText('Hello Maria,').waitFor();
    await phone.getByRole('heading', { name: 'How would you like to sign in next time?' }).waitFor();
    expect(await fitsTheScreen(phone)).toBe(true);

    await phone.getByRole('link', { name: 'Create a password' }).tap();
    await phone.waitForURL(/\/portal\/account/);
    expect(await fitsTheScreen(phone)).toBe(true);
    // Too short first: the rule is explained next to the field and nothing is saved.
    await phone.getByLabel('Password', { exact: true }).fill('short');
    await phone.getByLabel('Type it again').fill('short');
    await phone.getByRole('button', { name: 'Save password' }).tap();
    await phone.getByText('Use at least 12 characters.').waitFor();
    await phone.getByLabel('Password', { exact: true }).fill(password);
    await phone.getByLabel('Type it again').fill(password);
    await phone.getByRole('button', { name: 'Save password' }).tap();
    await phone.getByText('Your password is saved.').waitFor();

    await phone.getByRole('button', { name: 'Sign out', exact: true }).tap();
    await phone.waitForURL(`${platform.web.url}/portal/login?signedOut=1`);
    await phone.getByText('You are signed out.').waitFor();
    expect(await fitsTheScreen(phone)).toBe(true);

    // The invitation link worked once; it does not open the portal again.
    await phone.goto(`${platform.web.url}${link.pathname}`);
    await phone.getByRole('heading', { name: 'This link was already used' }).waitFor();
    await phone.getByRole('link', { name: 'Sign in', exact: true }).tap();
    await phone.waitForURL(`${platform.web.url}/portal/login`);

    await phone.getByLabel('Email').fill(email);
    await phone.getByLabel('Password').fill(password);
    await phone.getByRole('button', { name: 'Sign in', exact: true }).tap();
    await phone.waitForURL(`${platform.web.url}/portal`);
    await phone.getByText('Hello Maria,').waitFor();
    // The first-visit question is answered: it is not asked again.
    expect(
      await phone.getByRole('heading', { name: 'How would you like to sign in next time?' }).count(),
    ).toBe(0);

    const actions = (
      await forSystem(platform.orm, 'test assertions').find(
        AuditEvent,
        { organization: firmId, targetId: contact.id },
        { orderBy: { occurredAt: 'asc', id: 'asc' } },
      )
    ).map((event) => event.action);
    expect(actions).toEqual([
      'portal_link.issued',
      'portal_link.redeemed',
      'portal.signed_in',
      'portal.password_set',
      'auth.session_revoked',
      'portal.signed_in',
    ]);
    expect(browserProblems).toEqual([]);
    await context.close();
  });
});
