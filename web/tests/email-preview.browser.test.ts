/**
 * The email template preview in a real browser, under the production page policy (`style-src
 * 'self'`: the test server runs in development mode, whose policy also allows inline styles, so the
 * page's policy is swapped for the production one). The email's inline styles must still apply,
 * because the frame loads a document with a policy of its own, and nothing in the frame may run.
 */
import { mkdir } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { launchTestBrowser } from './support/browser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoLogins } from '../../db/seed/demo-logins';
import { HttpSession, signInStaff } from './support/http-session';
import { startTestPlatform, type TestPlatform } from './support/test-platform';

const manager = demoLogins.find((login) => login.role === 'manager')!;

let platform: TestPlatform;
let browser: Browser;
let staff: HttpSession;

beforeAll(async () => {
  platform = await startTestPlatform({ name: 'email preview browser' });
  staff = new HttpSession(platform.web.url);
  await signInStaff(staff, manager);
  browser = await launchTestBrowser();
});

afterAll(async () => {
  await browser?.close();
  await platform?.stop();
});

async function screenshot(page: Page, name: string): Promise<void> {
  const dir = process.env.CPA_SCREENSHOT_DIR;
  if (!dir) return;
  await mkdir(dir, { recursive: true });
  await page.screenshot({ path: `${dir}/${name}.png`, fullPage: true });
}

/** A browser signed in as the manager (the session cookie of the HTTP sign-in). */
async function signedInPage(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 1100 } });
  const url = new URL(platform.web.url);
  await context.addCookies(
    ['cpa_session', 'cpa_csrf'].flatMap((name) => {
      const value = staff.cookie(name);
      return value ? [{ name, value, domain: url.hostname, path: '/' }] : [];
    }),
  );
  return context.newPage();
}

describe('the email preview in a browser', () => {
  it('shows the email’s own styles under the production page policy, and runs nothing in it', async () => {
    const page = await signedInPage();
    const violations: string[] = [];
    page.on('console', (message) => {
      // Only the frame's own refusals count (the page's Vite styles are refused by the swapped policy).
      if (/Content Security Policy/i.test(message.text()) && message.location().url.includes('/preview'))
        violations.push(message.text());
    });
    // The production policy of the page itself (development mode adds 'unsafe-inline' for Vite).
    await page.route(
      (url) => url.pathname === '/app/settings/emails',
      async (route) => {
        const response = await route.fetch();
        const headers = response.headers();
        const policy = headers['content-security-policy'] ?? '';
        expect(policy).toContain("frame-ancestors 'none'");
        headers['content-security-policy'] = policy.replace(
          /style-src [^;]*/,
          "style-src 'self' 'nonce-unused'",
        );
        await route.fulfill({ response, headers });
      },
    );

    await page.goto(`${platform.web.url}/app/settings/emails?template=close_questions`);
    const frame = page.frameLocator('iframe[title="Monthly close questions: HTML version"]');
    const button = frame.getByRole('link', { name: 'Answer the questions' });
    await button.waitFor();
    // The call to action is the accent-blue button the email's inline style draws.
    const cell = button.locator('xpath=ancestor::td[1]');
    expect(await cell.evaluate((el) => getComputedStyle(el).backgroundColor)).toBe('rgb(29, 78, 216)');
    expect(await button.evaluate((el) => getComputedStyle(el).color)).toBe('rgb(255, 255, 255)');
    const body = frame.locator('body');
    expect(await body.evaluate((el) => getComputedStyle(el).fontSize)).toBe('16px');
    await frame.getByText('Questions waiting').waitFor();

    // The frame's document cannot run a script, even one a template might carry by mistake.
    const framed = page.frames().find((f) => f.url().includes('/app/settings/emails/preview'));
    expect(framed).toBeDefined();
    const ran = await framed!.evaluate(() => {
      const script = document.createElement('script');
      script.textContent = 'document.body.dataset.ran = "yes"';
      document.body.append(script);
      return document.body.dataset.ran ?? 'no';
    });
    expect(ran).toBe('no');

    // No style of the email was refused.
    expect(violations.filter((v) => /style/i.test(v))).toEqual([]);
    await screenshot(page, 'email-preview-close-questions');
    await page.context().close();
  });
});
