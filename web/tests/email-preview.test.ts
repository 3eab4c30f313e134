/**
 * The staff preview of every email template, over real HTTP: who may see it, and that each template
 * shows its subject, its HTML in a sandboxed frame and its plain text.
 */
import {
  afterAll,
  afterEach,
  beforeAll,
  beforeEach,
  describe,
  expect,
  it,
  vi,
  type MockInstance,
} from 'vitest';
import { demoLogins } from '../../db/seed/demo-logins';
import { emailTemplateNames } from '../../integrations/email/templates';
import { HttpSession, signInStaff, visibleText } from './support/http-session';
import { startTestPlatform, type TestPlatform } from './support/test-platform';

const login = (role: string) => demoLogins.find((l) => l.role === role)!;
let platform: TestPlatform;
let manager: HttpSession;
let preparer: HttpSession;

beforeAll(async () => {
  platform = await startTestPlatform({ name: 'email preview' });
  manager = new HttpSession(platform.web.url);
  await signInStaff(manager, login('manager'));
  preparer = new HttpSession(platform.web.url);
  await signInStaff(preparer, login('preparer'));
});

afterAll(async () => {
  await platform?.stop();
});

let consoleError: MockInstance<typeof console.error>;
beforeEach(() => {
  consoleError = vi.spyOn(console, 'error');
});
afterEach(() => {
  expect(consoleError, 'no unexpected console.error').not.toHaveBeenCalled();
  consoleError.mockRestore();
});

/** The preview frame's document address, as the page gives it. */
function frameSource(html: string): string {
  const frame = /<iframe[^>]*>/.exec(html)?.[0] ?? '';
  return (/src="([^"]*)"/.exec(frame)?.[1] ?? '').replace(/&amp;/g, '&');
}

describe('the email template preview', () => {
  it('lists every template and shows the first one', async () => {
    const { status, html } = await manager.page('/app/settings/emails');
    expect(status).toBe(200);
    const text = visibleText(html);
    expect(text).toContain('Email templates');
    for (const name of emailTemplateNames) expect(html).toContain(`<option value="${name}"`);
    expect(text).toContain('Staff invitation');
    expect(text).toContain('invited you to join Harborview CPA');
  });

  it.each(emailTemplateNames)(
    'renders %s with this firm’s sample data, as sandboxed HTML and as text',
    async (name) => {
      const { status, html } = await manager.page(`/app/settings/emails?template=${name}`);
      expect(status).toBe(200);
      const frame = /<iframe[^>]*>/.exec(html)?.[0] ?? '';
      expect(frame).toMatch(/sandbox=""/);
      expect(frame).not.toMatch(/allow-scripts|allow-same-origin/);
      expect(frameSource(html)).toBe(`/app/settings/emails/preview?template=${name}`);
      const framed = await manager.page(frameSource(html));
      expect(framed.status).toBe(200);
      const document = framed.html;
      expect(document).toMatch(/^<!doctype html><html lang="en">/);
      expect(document).toContain(name === 'password_reset' ? 'CPA Platform' : 'Harborview CPA');
      expect(document).not.toContain('<script');
      // Its own policy: the email's inline styles apply; no script, no request, framed only by this site.
      const policy = framed.response.headers.get('content-security-policy') ?? '';
      expect(policy.split(';').map((d) => d.trim())).toEqual([
        "default-src 'none'",
        "style-src 'unsafe-inline'",
        'img-src data:',
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'self'",
        'sandbox',
      ]);
      expect(framed.response.headers.get('x-frame-options')).toBe('SAMEORIGIN');
      const pre = /<pre[^>]*>([\s\S]*?)<\/pre>/.exec(html)?.[1] ?? '';
      expect(pre.length).toBeGreaterThan(50);
      expect(visibleText(pre)).toContain(name === 'password_reset' ? 'CPA Platform' : 'Harborview CPA');
    },
  );

  it('answers 404 for an unknown template', async () => {
    expect((await manager.page('/app/settings/emails?template=toString')).status).toBe(404);
    expect((await manager.page('/app/settings/emails/preview?template=toString')).status).toBe(404);
    expect((await manager.page('/app/settings/emails/preview')).status).toBe(404);
  });

  it('keeps the app’s own policy on every other page', async () => {
    const { response } = await manager.page('/app/settings/emails');
    expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(response.headers.get('content-security-policy')).toContain("style-src 'self'");
    expect(response.headers.get('x-frame-options')).toBe('DENY');
  });

  it('answers 404 to staff without the permission, and sends others to sign in', async () => {
    const { status, html } = await preparer.page('/app/settings/emails');
    expect(status).toBe(404);
    expect(html).not.toContain('<iframe');
    expect((await preparer.page('/app/settings/emails/preview?template=invoice')).status).toBe(404);
    for (const path of ['/app/settings/emails', '/app/settings/emails/preview?template=invoice']) {
      const stranger = await new HttpSession(platform.web.url).get(path);
      expect(stranger.status).toBe(302);
      expect(stranger.headers.get('location')).toMatch(/^\/login\?redirectTo=/);
    }
  });
});
