/**
 * Staff sign-in in a real browser (Chromium via playwright-core): the demo owner signs in with
 * password and an authenticator code, invites a colleague from the team page; the colleague opens the
 * emailed link on a phone-sized screen, sets a name and password, adds the authenticator by its key,
 * confirms with a code, sees the recovery codes once and lands in the app.
 */
import { randomBytes } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { launchTestBrowser } from './support/browser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditEvent } from '../../db/audit/audit-event.entity';
import { demoLogins } from '../../db/seed/demo-logins';
import { forSystem } from '../../db/tenancy/tenant-context';
import { totpCode } from '../../lib/crypto/totp';
import { waitForEmails } from '../../tests/support/mailbox';
import { startTestPlatform, type TestPlatform } from './support/test-platform';

const owner = demoLogins.find((login) => login.role === 'owner')!;

let platform: TestPlatform;
let browser: Browser;
const browserProblems: string[] = [];

function watch(page: Page, label: string): void {
  page.on('pageerror', (error) => browserProblems.push(`${label}: ${error.message}`));
  page.on('console', (message) => {
    // A form answered 400 or 401 on purpose shows up as a failed resource load; anything else is a problem.
    if (message.type() === 'error' && !/status of 40[01]/.test(message.text())) {
      browserProblems.push(`${label}: ${message.text()}`);
    }
  });
}

beforeAll(async () => {
  platform = await startTestPlatform({ name: 'staff auth browser' });
  browser = await launchTestBrowser();
});

afterAll(async () => {
  await browser?.close();
  await platform?.stop();
});

describe('staff sign-in in the browser', () => {
  it('signs the owner in with password and authenticator code; an invited colleague sets up their authenticator', async () => {
    const web = platform.web.url;
    const staff = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    watch(staff, 'owner');

    await staff.goto(`${web}/app/settings/team`);
    await staff.waitForURL(/\/login\?redirectTo=%2Fapp%2Fsettings%2Fteam$/);
    await staff.getByLabel('Email').fill(owner.email);
    await staff.getByLabel('Password').fill(owner.password);
    await staff.getByRole('button', { name: 'Sign in' }).click();
    await staff.waitForURL(/\/login\/mfa\?redirectTo=%2Fapp%2Fsettings%2Fteam$/);
    await staff.getByRole('heading', { name: 'Two-step sign-in' }).waitFor();
    // Nothing opens before the second factor, not even by typing the address.
    await staff.goto(`${web}/app`);
    await staff.waitForURL(/\/login\/mfa\?redirectTo=%2Fapp$/);
    await staff.getByLabel('Authentication code').fill('000000');
    await staff.getByRole('button', { name: 'Verify and continue' }).click();
    await staff.getByText('That code is not right, or it was already used.').waitFor();
    await staff.getByLabel('Authentication code').fill(totpCode(owner.totpSecret!));
    await staff.getByRole('button', { name: 'Verify and continue' }).click();
    await staff.waitForURL(`${web}/app`);

    await staff.getByRole('link', { name: 'Team' }).click();
    await staff.waitForURL(`${web}/app/settings/team`);
    const email = `lena.${randomBytes(4).toString('hex')}@staff-auth-browser.test`;
    await staff.getByLabel('Email').fill(email);
    await staff.getByLabel('Role', { exact: true }).selectOption('preparer');
    await staff.getByRole('button', { name: 'Send invitation' }).click();
    await staff.getByText(`Invitation sent to ${email}.`).waitFor();
    await staff.getByText(email).first().waitFor();

    const [invitation] = await waitForEmails(email, 1);
    // Links point at PUBLIC_URL (the default, http://localhost:3000, in tests): open the same path here.
    const link = `${web}${/\/join\/[A-Za-z0-9_-]{43}/.exec(invitation!.text ?? '')![0]}`;

    const phone = await browser.newPage({
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
    });
    watch(phone, 'invitee');
    await phone.goto(link);
    await phone.getByRole('heading', { name: 'Join Harborview CPA' }).waitFor();
    await phone.getByLabel('Your name').fill('Lena Park');
    await phone.getByLabel('Password', { exact: true }).fill('password1234');
    await phone.getByLabel('Password again').fill('password1234');
    await phone.getByRole('button', { name: 'Create account and continue' }).click();
    await phone.getByText('This password is on lists of leaked passwords').waitFor();
    await phone.getByLabel('Password', { exact: true }).fill('Harbor-lantern-quietly-73');
    await phone.getByLabel('Password again').fill('Harbor-lantern-quietly-73');
    await phone.getByRole('button', { name: 'Create account and continue' }).click();
    await phone.waitForURL(/\/mfa\/enrol\?redirectTo=%2Fapp$/);
    await phone.getByRole('heading', { name: 'Set up two-step sign-in' }).waitFor();
    expect(await phone.locator('.qr-code svg').count()).toBe(1);

    await phone.getByText('Can’t scan it? Enter the key by hand').click();
    const key = ((await phone.locator('.secret-key').textContent()) ?? '').replaceAll(' ', '');
    expect(key).toMatch(/^[A-Z2-7]{32}$/);
    await phone.getByLabel('Code from your app').fill(totpCode(key));
    await phone.getByRole('button', { name: 'Turn on two-step sign-in' }).click();
    await phone.getByRole('heading', { name: 'Save your recovery codes' }).waitFor();
    expect(await phone.locator('.recovery-code-list li').count()).toBe(10);
    await phone.getByRole('link', { name: 'I have saved my codes, continue' }).click();
    await phone.waitForURL(`${web}/app`);
    await phone.getByText('Welcome back, Lena').waitFor();

    // The owner sees the new colleague with two-step sign-in on.
    await staff.reload();
    const row = staff.locator('.member-list li', { hasText: email });
    await row.getByText('Two-step on').waitFor();

    const actions = (
      await forSystem(platform.orm, 'test assertions').find(AuditEvent, {
        organization: platform.demoFirmId,
        action: { $in: ['auth.sign_in', 'staff.invited', 'staff.invitation_accepted', 'auth.mfa_enrolled'] },
      })
    ).map((event) => event.action);
    expect(new Set(actions)).toEqual(
      new Set(['auth.sign_in', 'staff.invited', 'staff.invitation_accepted', 'auth.mfa_enrolled']),
    );
    expect(browserProblems).toEqual([]);
  });
});
