/**
 * CSRF: every route that takes a POST refuses one without this browser's form token, and changes
 * nothing. The list of routes comes from the route files themselves, so a new action is covered the
 * day it is added. Webhooks are the one exception: they take no forms and verify a vendor signature.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '../../db/clients/client.entity';
import { demoLogins } from '../../db/seed/demo-logins';
import { forSystem } from '../../db/tenancy/tenant-context';
import { HttpSession, signInStaff, visibleText } from './support/http-session';
import { startTestPlatform, type TestPlatform } from './support/test-platform';

const routesDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '../app/routes');
const placeholderId = '00000000-0000-4000-8000-000000000000';

/** The URL of a flat-routes file name, with a placeholder for each dynamic segment. */
function urlOf(file: string): string {
  const segments = file
    .replace(/\.tsx?$/, '')
    .split('.')
    .filter((segment) => segment !== '_index' && !segment.startsWith('_'))
    .map((segment) => segment.replace(/_$/, ''))
    .map((segment) => (segment.startsWith('$') ? placeholderId : segment));
  // A post to an index route names it, as Remix's <Form> does.
  return `/${segments.join('/')}${file.includes('_index') ? '?index' : ''}`;
}

const routeFiles = readdirSync(routesDir).filter((file) => /\.tsx?$/.test(file));
const actionRoutes = routeFiles.filter((file) =>
  /export (async )?function action\b|export const action\b/.test(
    readFileSync(path.join(routesDir, file), 'utf8'),
  ),
);
const isWebhook = (file: string) => file.startsWith('webhooks.');
/**
 * The Temporal UI's codec endpoints take cross-origin JSON from the UI, which cannot carry a form
 * token; they accept only the configured UI origin instead (tested in temporal-codec.test.ts), so a
 * forged post from any other page is refused there.
 */
const isCodecEndpoint = (file: string) => file.startsWith('codec.');

let platform: TestPlatform;

let ownerBrowser: Promise<HttpSession> | undefined;

/**
 * A browser signed in as the owner, shared by the tests: every post here is refused and changes
 * nothing, and an authenticator code is accepted once per 30 seconds per account, so signing in
 * again for each route would mostly wait for the clock.
 */
function signedInOwner(): Promise<HttpSession> {
  ownerBrowser ??= (async () => {
    const browser = new HttpSession(platform.web.url);
    const owner = demoLogins.find((login) => login.role === 'owner')!;
    const signIn = await signInStaff(browser, owner);
    expect(signIn.status).toBe(302);
    return browser;
  })();
  return ownerBrowser;
}

beforeAll(async () => {
  platform = await startTestPlatform({
    name: 'csrf',
    reminders: { intervalsSeconds: [86_400], followUpAfterSeconds: 86_400 },
  });
}, 120_000);

afterAll(async () => {
  await platform?.stop();
});

describe('CSRF protection', () => {
  it('finds the routes that take posts', () => {
    expect(actionRoutes.length).toBeGreaterThanOrEqual(4);
    expect(actionRoutes).toContain('login.tsx');
  });

  it.each(actionRoutes.filter((file) => !isWebhook(file) && !isCodecEndpoint(file)))(
    'refuses a post to %s without the form token, and with a token of another browser',
    async (file) => {
      // Signed in, so the refusal is the CSRF check and not the sign-in redirect.
      const browser = await signedInOwner();
      const missing = await browser.post(urlOf(file), { csrf: '' });
      expect(missing.status).toBe(403);
      expect(visibleText(await missing.text())).toContain('This form has expired');

      const otherBrowser = new HttpSession(platform.web.url);
      const foreignToken = await otherBrowser.csrfToken();
      const foreign = await browser.post(urlOf(file), { csrf: foreignToken });
      expect(foreign.status).toBe(403);
    },
  );

  it.each(actionRoutes.filter(isCodecEndpoint))(
    'refuses a post to %s from a page of any origin but the Temporal UI, even signed in as the owner',
    async (file) => {
      const browser = await signedInOwner();
      // HttpSession posts with the web app's own origin: not the UI's, so the codec must say no.
      const refused = await browser.post(urlOf(file), { payloads: '[]' });
      expect(refused.status).toBe(403);
    },
  );

  it('changes nothing when a signed-in staff member is tricked into posting a form', async () => {
    const browser = await signedInOwner();
    const em = forSystem(platform.orm, 'count clients');
    const before = await em.count(Client, {});
    const forged = await browser.post('/app/clients/new', {
      csrf: 'forged',
      clientId: placeholderId,
      kind: 'individual',
      displayName: 'Forged Client',
      contactName: 'Mallory',
      contactEmail: 'mallory@example.com',
    });
    expect(forged.status).toBe(403);
    expect(await em.fork().count(Client, {})).toBe(before);
  });
});
