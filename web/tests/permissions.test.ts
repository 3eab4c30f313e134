/**
 * The permission matrix over real HTTP: every route file of the web app × every role (owner, admin,
 * manager, preparer, reviewer, client, anonymous), loaders and actions, with the answer each must get
 * (the page, a redirect to sign-in, or the same 404 as a missing page). A route file that is not in
 * the matrix fails the test, so a new route cannot slip in unchecked.
 *
 * Then: another firm's client, engagement, document and task IDs answer 404 on every staff route that
 * takes an ID, for every role; another client's engagement, document and invoice answer 404 in the
 * portal; a preparer sees only the engagements assigned to them (and their clients, tasks and
 * documents) until the firm lets preparers see all.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Organization } from '../../db/organizations/organization.entity';
import type { Orm } from '../../db/orm';
import { demoLogins } from '../../db/seed/demo-logins';
import { Task } from '../../db/tasks/task.entity';
import { forSystem } from '../../db/tenancy/tenant-context';
import type { TStaffRole } from '../../db/users/membership.entity';
import { createAccessFixtures, signInPortalContact, type TAccessFixtures } from './support/access-fixtures';
import { HttpSession, locationOf, signInStaff, visibleText } from './support/http-session';
import { startTestPlatform, type TestPlatform } from './support/test-platform';

const routesDir = fileURLToPath(new URL('../app/routes', import.meta.url));

const staffRoles = ['owner', 'admin', 'manager', 'preparer', 'reviewer'] as const satisfies TStaffRole[];
const roles = [...staffRoles, 'client', 'anonymous'] as const;
type TRole = (typeof roles)[number];
const allStaff: TStaffRole[] = [...staffRoles];

/** What a request must get. */
type TOutcome =
  /** 200, the page. */
  | 'ok'
  /** 302 to the staff sign-in page. */
  | 'login'
  /**
   * Without a portal session: a page (GET) redirects to the portal's sign-in page, which brings the
   * person back afterwards; a post answers 401, the "please sign in" page.
   */
  | 'portal-login'
  /** 404, the same as a page that does not exist. */
  | 'not-found'
  /** The route took the request and answered the form itself: 200 or 400 (an incomplete form). */
  | 'answered'
  | { status: number; location?: string | RegExp };

type TExpect = Record<TRole, TOutcome>;

interface TCase {
  method: 'GET' | 'POST';
  path: (f: TAccessFixtures) => string;
  form?: (f: TAccessFixtures) => Record<string, string>;
  /** A JSON body (sent with the CSRF header, as the upload script does). */
  json?: unknown;
  accept?: string;
  expect: TExpect;
}

/** A staff route: the allowed roles get `ok`, other staff a 404, the rest the sign-in redirect. */
function staff(allowed: readonly TStaffRole[], ok: TOutcome = 'ok'): TExpect {
  const expect = {} as TExpect;
  for (const role of staffRoles) expect[role] = allowed.includes(role) ? ok : 'not-found';
  expect.client = 'login';
  expect.anonymous = 'login';
  return expect;
}

/** A portal route: the client gets `ok`; staff and anonymous visitors the portal's sign-in page. */
function portal(ok: TOutcome = 'ok'): TExpect {
  const expect = {} as TExpect;
  for (const role of roles) expect[role] = role === 'client' ? ok : 'portal-login';
  return expect;
}

/** The same answer for everyone. */
function everyone(outcome: TOutcome): TExpect {
  return Object.fromEntries(roles.map((role) => [role, outcome])) as TExpect;
}

/** Per role, from a default. */
function each(fallback: TOutcome, overrides: Partial<TExpect>): TExpect {
  return { ...everyone(fallback), ...overrides };
}

const absolute = /^https?:\/\//;
const staffSignedIn: Partial<TExpect> = Object.fromEntries(
  staffRoles.map((role) => [role, { status: 302, location: '/app' }]),
);
const missingId = '00000000-0000-4000-8000-000000000000';

/**
 * The matrix: one entry per route file. Actions are posted with a form each allowed role gets a
 * telling answer to (a validation 400, or 409 for a task already done), and that changes nothing.
 */
const matrix: Record<string, TCase[]> = {
  '_index.tsx': [{ method: 'GET', path: () => '/', expect: everyone({ status: 302, location: '/app' }) }],
  'app.tsx': [{ method: 'GET', path: () => '/app', expect: staff(allStaff) }],
  // The Temporal UI's codec endpoint answers only the UI's origin (TEMPORAL_UI_ORIGIN): posted from this
  // app's origin, as here, it refuses everyone. Its roles on the UI's origin (owner and admin decode, other
  // staff 404, no session 401) are tested in web/tests/temporal-codec.test.ts.
  'codec.decode.ts': [
    { method: 'GET', path: () => '/codec/decode', expect: everyone({ status: 405 }) },
    {
      method: 'POST',
      path: () => '/codec/decode',
      json: { payloads: [] },
      expect: everyone({ status: 403 }),
    },
  ],
  'codec.encode.ts': [
    { method: 'GET', path: () => '/codec/encode', expect: everyone({ status: 405 }) },
    {
      method: 'POST',
      path: () => '/codec/encode',
      json: { payloads: [] },
      expect: everyone({ status: 403 }),
    },
  ],
  'app._index.tsx': [{ method: 'GET', path: () => '/app', expect: staff(allStaff) }],
  'app.account.tsx': [
    { method: 'GET', path: () => '/app/account', expect: staff(allStaff) },
    {
      method: 'POST',
      path: () => '/app/account',
      form: () => ({ intent: 'change-password' }),
      expect: staff(allStaff, { status: 400 }),
    },
  ],
  'app.clients._index.tsx': [{ method: 'GET', path: () => '/app/clients', expect: staff(allStaff) }],
  'app.clients.new.tsx': [
    { method: 'GET', path: () => '/app/clients/new', expect: staff(['owner', 'admin', 'manager']) },
    {
      method: 'POST',
      path: () => '/app/clients/new',
      form: () => ({}),
      expect: staff(['owner', 'admin', 'manager'], { status: 400 }),
    },
  ],
  'app.clients.$clientId.tsx': [
    { method: 'GET', path: (f) => `/app/clients/${f.petes.clientId}`, expect: staff(allStaff) },
    {
      method: 'POST',
      path: (f) => `/app/clients/${f.petes.clientId}`,
      form: () => ({ intent: 'invite' }),
      expect: staff(['owner', 'admin', 'manager', 'preparer'], { status: 400 }),
    },
  ],
  'app.clients.$clientId_.bookkeeping.tsx': [
    {
      method: 'GET',
      path: (f) => `/app/clients/${f.petes.clientId}/bookkeeping`,
      expect: staff(['owner', 'manager']),
    },
    {
      method: 'POST',
      path: (f) => `/app/clients/${f.petes.clientId}/bookkeeping`,
      form: () => ({}),
      expect: staff(['owner', 'manager'], { status: 400 }),
    },
  ],
  'app.documents.$documentId.tsx': [
    { method: 'GET', path: (f) => `/app/documents/${f.petes.documentId}`, expect: staff(allStaff) },
  ],
  'app.documents.$documentId_.download.ts': [
    {
      method: 'GET',
      path: (f) => `/app/documents/${f.petes.documentId}/download`,
      expect: staff(allStaff, { status: 302, location: absolute }),
    },
  ],
  'app.engagements.$engagementId_.tax-return.tsx': [
    {
      method: 'POST',
      path: (f) => `/app/engagements/${f.petes.taxReturnId}/tax-return`,
      form: () => ({}),
      // A resource route: it answers an incomplete form with its message (JSON).
      expect: staff(allStaff, 'answered'),
    },
  ],
  'app.engagements.$engagementId_.close.tsx': [
    {
      method: 'POST',
      path: (f) => `/app/engagements/${f.petes.closeId}/close`,
      form: () => ({}),
      // A resource route: it answers an incomplete form with its message (JSON).
      expect: staff(allStaff, 'answered'),
    },
  ],
  'app.engagements.$engagementId_.onboarding.tsx': [
    {
      method: 'POST',
      path: (f) => `/app/engagements/${f.petes.onboardingId}/onboarding`,
      form: () => ({}),
      // A resource route: it answers an incomplete form with its message (JSON).
      expect: staff(allStaff, 'answered'),
    },
  ],
  'app.engagements.$engagementId_.retry.tsx': [
    {
      method: 'POST',
      path: (f) => `/app/engagements/${f.petes.taxReturnId}/retry`,
      form: () => ({}),
      // A resource route: it answers an incomplete form with its message (JSON).
      expect: staff(allStaff, 'answered'),
    },
  ],
  'app.engagements.intake.new.tsx': [
    { method: 'GET', path: () => '/app/engagements/intake/new', expect: staff(['owner', 'manager']) },
    {
      method: 'POST',
      path: () => '/app/engagements/intake/new',
      form: () => ({}),
      expect: staff(['owner', 'manager'], { status: 400 }),
    },
  ],
  'app.engagements._index.tsx': [{ method: 'GET', path: () => '/app/engagements', expect: staff(allStaff) }],
  'app.engagements.$engagementId.tsx': [
    { method: 'GET', path: (f) => `/app/engagements/${f.petes.engagementId}`, expect: staff(allStaff) },
  ],
  'app.engagements.$engagementId_.events.ts': [
    {
      method: 'GET',
      path: (f) => `/app/engagements/${f.petes.engagementId}/events`,
      accept: 'text/event-stream',
      expect: staff(allStaff),
    },
  ],
  'app.engagements.$engagementId_.intake.tsx': [
    {
      method: 'POST',
      path: (f) => `/app/engagements/${f.petes.engagementId}/intake`,
      form: () => ({}),
      // A resource route: it answers an incomplete form with its message (JSON).
      expect: staff(allStaff, 'answered'),
    },
  ],
  'app.settings.access.tsx': [
    { method: 'GET', path: () => '/app/settings/access', expect: staff(['owner', 'admin']) },
    {
      method: 'POST',
      path: () => '/app/settings/access',
      form: () => ({}),
      expect: staff(['owner', 'admin'], { status: 400 }),
    },
  ],
  'app.settings.audit.tsx': [
    { method: 'GET', path: () => '/app/settings/audit', expect: staff(['owner', 'admin']) },
  ],
  'app.settings.audit.export.ts': [
    {
      method: 'GET',
      path: () => '/app/settings/audit/export',
      expect: staff(['owner', 'admin'], { status: 302, location: '/app/settings/audit' }),
    },
    {
      method: 'POST',
      path: () => '/app/settings/audit/export',
      form: () => ({ action: 'client.created' }),
      expect: staff(['owner', 'admin']),
    },
  ],
  'app.settings.emails.tsx': [
    {
      method: 'GET',
      path: () => '/app/settings/emails',
      expect: staff(['owner', 'admin', 'manager']),
    },
  ],
  'app.settings.emails_.preview.ts': [
    {
      method: 'GET',
      path: () => '/app/settings/emails/preview?template=invoice',
      expect: staff(['owner', 'admin', 'manager']),
    },
  ],
  'app.settings.integrations.tsx': [
    { method: 'GET', path: () => '/app/settings/integrations', expect: staff(['owner', 'admin']) },
    {
      method: 'POST',
      path: () => '/app/settings/integrations',
      form: () => ({}),
      expect: staff(['owner', 'admin'], { status: 400 }),
    },
  ],
  'app.settings.integrations_.quickbooks.connect.tsx': [
    {
      method: 'GET',
      path: () => `/app/settings/integrations/quickbooks/connect?clientId=${missingId}`,
      // No such client: whoever may connect gets the 404 of the client, the rest the 404 of the page.
      expect: staff(['owner', 'admin'], 'not-found'),
    },
  ],
  'app.settings.team.tsx': [
    { method: 'GET', path: () => '/app/settings/team', expect: staff(['owner', 'admin']) },
    {
      method: 'POST',
      path: () => '/app/settings/team',
      form: () => ({ intent: 'invite', email: '', role: '' }),
      expect: staff(['owner', 'admin'], { status: 400 }),
    },
  ],
  'app.tax-season.tsx': [
    { method: 'GET', path: () => '/app/tax-season', expect: staff(['owner', 'manager']) },
    {
      method: 'POST',
      path: () => '/app/tax-season',
      form: () => ({}),
      expect: staff(['owner', 'manager'], { status: 400 }),
    },
  ],
  'app.tasks.tsx': [
    { method: 'GET', path: () => '/app/tasks', expect: staff(allStaff) },
    {
      method: 'POST',
      path: () => '/app/tasks',
      form: (f) => ({ taskId: f.petes.doneTaskId }),
      expect: staff(allStaff, { status: 409 }),
    },
  ],
  'forgot-password.tsx': [
    { method: 'GET', path: () => '/forgot-password', expect: everyone('ok') },
    {
      method: 'POST',
      path: () => '/forgot-password',
      form: () => ({ email: '' }),
      expect: everyone({ status: 400 }),
    },
  ],
  'healthz.ts': [{ method: 'GET', path: () => '/healthz', expect: everyone('ok') }],
  'join.$token.tsx': [
    { method: 'GET', path: () => '/join/not-a-real-invitation', expect: everyone('not-found') },
    {
      method: 'POST',
      path: () => '/join/not-a-real-invitation',
      form: () => ({
        name: 'Someone Else',
        password: 'lantern orchard velvet 42',
        confirmPassword: 'lantern orchard velvet 42',
      }),
      expect: everyone('not-found'),
    },
  ],
  'login.tsx': [
    { method: 'GET', path: () => '/login', expect: each('ok', staffSignedIn) },
    {
      method: 'POST',
      path: () => '/login',
      form: () => ({ email: '', password: '' }),
      // Signed-in staff are sent on by the page itself.
      expect: each({ status: 400 }, staffSignedIn),
    },
  ],
  'login_.mfa.tsx': [
    {
      method: 'GET',
      path: () => '/login/mfa',
      expect: each({ status: 302, location: /^\/login/ }, staffSignedIn),
    },
    {
      method: 'POST',
      path: () => '/login/mfa',
      form: () => ({ code: '' }),
      expect: each({ status: 302, location: /^\/login/ }, staffSignedIn),
    },
  ],
  'logout.tsx': [
    { method: 'GET', path: () => '/logout', expect: everyone({ status: 302, location: '/app' }) },
    // POST /logout is checked last (it ends the sessions): see "signing out" below.
  ],
  'mfa.enrol.tsx': [
    {
      method: 'GET',
      path: () => '/mfa/enrol',
      // Signed-in staff already have an authenticator: the page says so, with nothing to scan.
      expect: each(
        { status: 302, location: /^\/login/ },
        Object.fromEntries(staffRoles.map((role) => [role, 'ok'])),
      ),
    },
  ],
  'oauth.quickbooks.callback.ts': [
    {
      method: 'GET',
      path: () => '/oauth/quickbooks/callback?state=not-a-state',
      expect: each(
        { status: 302, location: /^\/app\/settings\/integrations\?/ },
        { client: { status: 302, location: /^\/portal\/connect\/quickbooks\?/ } },
      ),
    },
  ],
  'pay.$invoiceId.tsx': [
    { method: 'GET', path: () => `/pay/${missingId}?key=not-a-key`, expect: everyone('not-found') },
    {
      method: 'POST',
      path: () => `/pay/${missingId}?key=not-a-key`,
      form: () => ({}),
      expect: everyone('not-found'),
    },
  ],
  'portal.tsx': [{ method: 'GET', path: () => '/portal', expect: portal() }],
  'portal._index.tsx': [
    { method: 'GET', path: () => '/portal', expect: portal() },
    {
      method: 'POST',
      path: () => '/portal?index',
      form: () => ({ legalName: '' }),
      expect: portal({ status: 400 }),
    },
  ],
  'portal.account.tsx': [
    { method: 'GET', path: () => '/portal/account', expect: portal() },
    { method: 'POST', path: () => '/portal/account', form: () => ({}), expect: portal({ status: 400 }) },
  ],
  'portal.close.$engagementId.questions.tsx': [
    { method: 'GET', path: (f) => `/portal/close/${f.ava.closeId}/questions`, expect: portal() },
    {
      method: 'POST',
      path: (f) => `/portal/close/${f.ava.closeId}/questions`,
      form: () => ({}),
      expect: portal('answered'),
    },
  ],
  'portal.connect.quickbooks.tsx': [
    { method: 'GET', path: () => '/portal/connect/quickbooks', expect: portal() },
  ],
  'portal.documents.$documentId.ts': [
    {
      method: 'GET',
      path: (f) => `/portal/documents/${f.ava.documentId}`,
      expect: portal({ status: 302, location: absolute }),
    },
  ],
  'portal.documents.upload.tsx': [
    { method: 'GET', path: () => '/portal/documents/upload', expect: portal() },
  ],
  'portal.engagements.$engagementId.tsx': [
    { method: 'GET', path: (f) => `/portal/engagements/${f.ava.engagementId}`, expect: portal() },
  ],
  'portal.engagements.$engagementId_.approve.tsx': [
    { method: 'GET', path: (f) => `/portal/engagements/${f.ava.taxReturnId}/approve`, expect: portal() },
    {
      method: 'POST',
      path: (f) => `/portal/engagements/${f.ava.taxReturnId}/approve`,
      form: () => ({}),
      expect: portal('answered'),
    },
  ],
  'portal.engagements.$engagementId_.documents.tsx': [
    { method: 'GET', path: (f) => `/portal/engagements/${f.ava.engagementId}/documents`, expect: portal() },
  ],
  'portal.invite.$token.tsx': [
    { method: 'GET', path: () => '/portal/invite/not-a-real-token', expect: everyone('not-found') },
  ],
  'portal.invoices.$invoiceId.tsx': [
    { method: 'GET', path: (f) => `/portal/invoices/${f.ava.invoiceId}`, expect: portal() },
  ],
  'portal.login.tsx': [
    {
      method: 'GET',
      path: () => '/portal/login',
      expect: each('ok', { client: { status: 302, location: '/portal' } }),
    },
    {
      method: 'POST',
      path: () => '/portal/login',
      form: () => ({ intent: 'password', email: 'not an email', password: '' }),
      // A signed-in client is sent on by the page itself.
      expect: each({ status: 400 }, { client: { status: 302, location: '/portal' } }),
    },
  ],
  'portal.login_.choose.tsx': [
    {
      method: 'GET',
      path: () => '/portal/login/choose',
      expect: everyone({ status: 302, location: '/portal/login' }),
    },
    {
      method: 'POST',
      path: () => '/portal/login/choose',
      form: (f) => ({ contactId: f.ava.contactId }),
      expect: everyone({ status: 302, location: '/portal/login' }),
    },
  ],
  'portal.login_.code.tsx': [
    {
      method: 'GET',
      path: () => '/portal/login/code',
      expect: everyone({ status: 302, location: '/portal/login' }),
    },
    {
      method: 'POST',
      path: () => '/portal/login/code',
      form: () => ({ intent: 'verify', code: '123456' }),
      expect: everyone({ status: 302, location: '/portal/login' }),
    },
  ],
  'portal.login_.verify.tsx': [
    {
      method: 'GET',
      path: () => '/portal/login/verify',
      expect: each(
        { status: 302, location: '/portal/login' },
        { client: { status: 302, location: '/portal' } },
      ),
    },
    {
      method: 'POST',
      path: () => '/portal/login/verify',
      form: () => ({ code: '123456' }),
      expect: everyone({ status: 302, location: '/portal/login' }),
    },
  ],
  'portal.logout.tsx': [
    { method: 'GET', path: () => '/portal/logout', expect: everyone({ status: 302, location: '/portal' }) },
    // POST /portal/logout is checked last: see "signing out" below.
  ],
  'portal.uploads.ts': [
    { method: 'POST', path: () => '/portal/uploads', json: {}, expect: portal({ status: 400 }) },
  ],
  'portal.uploads_.$uploadId.complete.ts': [
    {
      method: 'POST',
      path: () => `/portal/uploads/${missingId}/complete`,
      json: { sha256: 'a'.repeat(64) },
      // No such upload: the client gets its 404; anyone else is not signed in to the portal.
      expect: portal('not-found'),
    },
  ],
  'reset-password.$token.tsx': [
    { method: 'GET', path: () => '/reset-password/not-a-real-token', expect: everyone('not-found') },
    {
      method: 'POST',
      path: () => '/reset-password/not-a-real-token',
      form: () => ({ password: 'lantern orchard velvet 42', confirmPassword: 'lantern orchard velvet 42' }),
      expect: everyone('not-found'),
    },
  ],
  'webhooks.quickbooks.ts': [
    { method: 'GET', path: () => '/webhooks/quickbooks', expect: everyone({ status: 405 }) },
    { method: 'POST', path: () => '/webhooks/quickbooks', json: {}, expect: everyone({ status: 401 }) },
  ],
  'webhooks.stripe.ts': [
    { method: 'GET', path: () => '/webhooks/stripe', expect: everyone({ status: 405 }) },
    { method: 'POST', path: () => '/webhooks/stripe', json: {}, expect: everyone({ status: 400 }) },
  ],
};

let platform: TestPlatform;
let orm: Orm;
let fixtures: TAccessFixtures;
const sessions = {} as Record<TRole, HttpSession>;

beforeAll(async () => {
  platform = await startTestPlatform({ name: 'permissions' });
  orm = platform.orm;
  fixtures = await createAccessFixtures(orm, platform.demoFirmId);
  for (const role of staffRoles) {
    sessions[role] = new HttpSession(platform.web.url);
    await signInStaff(
      sessions[role],
      demoLogins.find((login) => login.role === role)!,
    );
  }
  sessions.client = new HttpSession(platform.web.url);
  await signInPortalContact(sessions.client, orm, {
    organizationId: fixtures.demoFirmId,
    contactId: fixtures.ava.contactId,
  });
  sessions.anonymous = new HttpSession(platform.web.url);
}, 240_000);

afterAll(async () => {
  await platform?.stop();
});

async function send(session: HttpSession, request: Omit<TCase, 'expect'>): Promise<Response> {
  const path = request.path(fixtures);
  if (request.method === 'GET') {
    if (request.accept === 'text/event-stream') {
      const controller = new AbortController();
      const response = await session.get(path, {
        headers: { Accept: 'text/event-stream' },
        signal: controller.signal,
      });
      controller.abort();
      return response;
    }
    return session.get(path);
  }
  if (request.json !== undefined) {
    return session.fetch(path, {
      method: 'POST',
      body: JSON.stringify(request.json),
      headers: {
        'Content-Type': 'application/json',
        Origin: new URL(platform.web.url).origin,
        'X-CSRF-Token': await session.csrfToken(),
      },
    });
  }
  return session.post(path, request.form?.(fixtures) ?? {});
}

/** What a response was, in the matrix's words (for a readable failure). */
function describeResponse(response: Response): string {
  const location = response.headers.get('location');
  return location ? `${response.status} → ${location}` : String(response.status);
}

function matches(response: Response, outcome: TOutcome, method: TCase['method']): boolean {
  const location = response.headers.get('location');
  const path = location && !absolute.test(location) ? locationOf(response) : location;
  switch (outcome) {
    case 'ok':
      return response.status === 200;
    case 'login':
      return response.status === 302 && (path ?? '').startsWith('/login?redirectTo=');
    case 'portal-login':
      if (method === 'POST') return response.status === 401;
      return response.status === 302 && /^\/portal\/login(\?redirectTo=%2Fportal|$)/.test(path ?? '');
    case 'not-found':
      return response.status === 404;
    case 'answered':
      return response.status === 200 || response.status === 400;
    default:
      if (response.status !== outcome.status) return false;
      if (outcome.location === undefined) return true;
      if (!path) return false;
      return typeof outcome.location === 'string' ? path === outcome.location : outcome.location.test(path);
  }
}

function label(outcome: TOutcome): string {
  return typeof outcome === 'string'
    ? outcome
    : `${outcome.status}${outcome.location ? ` → ${String(outcome.location)}` : ''}`;
}

describe('the route matrix', () => {
  it('lists every route file of the app, and only those', () => {
    const files = readdirSync(routesDir)
      .filter((file) => /\.(tsx?|jsx?)$/.test(file) && !/\.test\./.test(file) && !file.startsWith('.'))
      .sort();
    const listed = Object.keys(matrix).sort();
    expect({ missingFromMatrix: files.filter((file) => !listed.includes(file)) }).toEqual({
      missingFromMatrix: [],
    });
    expect({ notARoute: listed.filter((file) => !files.includes(file)) }).toEqual({ notARoute: [] });
  });

  for (const [file, cases] of Object.entries(matrix)) {
    for (const request of cases) {
      it(`${file}: ${request.method} answers each role as the permission table says`, async () => {
        const wrong: string[] = [];
        for (const role of roles) {
          const response = await send(sessions[role], request);
          const outcome = request.expect[role];
          if (!matches(response, outcome, request.method)) {
            wrong.push(`${role}: expected ${label(outcome)}, got ${describeResponse(response)}`);
          }
          await response.body?.cancel().catch(() => undefined);
        }
        expect(wrong, `${request.method} ${request.path(fixtures)}`).toEqual([]);
      });
    }
  }
});

describe('another firm’s records', () => {
  const staffPaths = (f: TAccessFixtures) => [
    `/app/clients/${f.otherFirm.clientId}`,
    `/app/engagements/${f.otherFirm.engagementId}`,
    `/app/engagements/${f.otherFirm.engagementId}/events`,
    `/app/documents/${f.otherFirm.documentId}`,
    `/app/documents/${f.otherFirm.documentId}/download`,
    `/app/settings/integrations/quickbooks/connect?clientId=${f.otherFirm.clientId}`,
  ];

  it('answer 404 on every staff page that takes an ID, for every role, owners included', async () => {
    const wrong: string[] = [];
    for (const role of staffRoles) {
      for (const path of staffPaths(fixtures)) {
        const response = await sessions[role].get(path);
        if (response.status !== 404) wrong.push(`${role} GET ${path}: ${describeResponse(response)}`);
        await response.body?.cancel().catch(() => undefined);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('cannot be acted on: completing their task or inviting their contact is a 404 that changes nothing', async () => {
    const wrong: string[] = [];
    for (const role of staffRoles) {
      const task = await sessions[role].post('/app/tasks', { taskId: fixtures.otherFirm.taskId });
      if (task.status !== 404) wrong.push(`${role} complete task: ${task.status}`);
      const invite = await sessions[role].post(`/app/clients/${fixtures.otherFirm.clientId}`, {
        intent: 'invite',
        contactId: fixtures.otherFirm.contactId,
      });
      if (invite.status !== 404) wrong.push(`${role} invite: ${invite.status}`);
      const intake = await sessions[role].post(`/app/engagements/${fixtures.otherFirm.engagementId}/intake`, {
        intent: 'cancel',
        reason: 'Not ours to cancel',
      });
      if (intake.status !== 404) wrong.push(`${role} intake: ${intake.status}`);
      const taxReturn = await sessions[role].post(
        `/app/engagements/${fixtures.otherFirm.taxReturnId}/tax-return`,
        {},
      );
      if (taxReturn.status !== 404) wrong.push(`${role} tax return: ${taxReturn.status}`);
      const close = await sessions[role].post(`/app/engagements/${fixtures.otherFirm.closeId}/close`, {});
      if (close.status !== 404) wrong.push(`${role} close: ${close.status}`);
    }
    expect(wrong).toEqual([]);
    const em = forSystem(orm, 'test assertions');
    const task = await em.findOneOrFail(Task, { id: fixtures.otherFirm.taskId });
    expect(task.status).toBe('open');
  });

  it('never show on the lists, the dashboard or in the audit log', async () => {
    for (const path of ['/app', '/app/clients?q=Olive', '/app/engagements', '/app/tasks']) {
      const page = await sessions.owner.page(path);
      expect(visibleText(page.html), path).not.toContain('Olive Otherfirm');
    }
    const audit = await sessions.owner.page(`/app/settings/audit?target=engagement`);
    expect(audit.html).not.toContain(fixtures.otherFirm.engagementId);
  });
});

describe('another client of the same firm, in the portal', () => {
  it('answers 404 for their engagement, document, invoice, checklist, approval and questions', async () => {
    const paths = [
      `/portal/engagements/${fixtures.petes.engagementId}`,
      `/portal/documents/${fixtures.petes.documentId}`,
      `/portal/invoices/${fixtures.petes.invoiceId}`,
      `/portal/engagements/${fixtures.petes.engagementId}/documents`,
      `/portal/engagements/${fixtures.petes.taxReturnId}/approve`,
      `/portal/close/${fixtures.petes.closeId}/questions`,
      `/portal/engagements/${fixtures.otherFirm.engagementId}`,
      `/portal/documents/${fixtures.otherFirm.documentId}`,
      `/portal/invoices/${fixtures.otherFirm.invoiceId}`,
    ];
    for (const path of paths) {
      const response = await sessions.client.get(path);
      expect(response.status, path).toBe(404);
      await response.body?.cancel();
    }
  });

  it('cannot answer their month-end questions or sign their tax return approval', async () => {
    const answers = await sessions.client.post(`/portal/close/${fixtures.petes.closeId}/questions`, {});
    expect(answers.status).toBe(404);
    const approval = await sessions.client.post(
      `/portal/engagements/${fixtures.petes.taxReturnId}/approve`,
      {},
    );
    expect(approval.status).toBe(404);
  });

  it('shows only the client’s own engagements, documents and invoices on the portal home', async () => {
    const home = visibleText((await sessions.client.page('/portal')).html);
    expect(home).toContain('Document intake for Ava Thompson');
    expect(home).not.toContain('Paula Petesclient');
    expect(home).not.toContain('Nora Notpetes');
    expect(home).not.toContain('Olive Otherfirm');
  });
});

describe('a preparer’s engagements', () => {
  const hidden = (f: TAccessFixtures) => [
    `/app/engagements/${f.notPetes.engagementId}`,
    `/app/engagements/${f.notPetes.engagementId}/events`,
    `/app/clients/${f.notPetes.clientId}`,
    `/app/documents/${f.notPetes.documentId}`,
    `/app/documents/${f.notPetes.documentId}/download`,
  ];

  async function statusesFor(role: TRole): Promise<number[]> {
    const statuses: number[] = [];
    for (const path of hidden(fixtures)) {
      const response = await sessions[role].get(path, { headers: { Accept: 'text/html' } });
      statuses.push(response.status);
      await response.body?.cancel().catch(() => undefined);
    }
    return statuses;
  }

  async function setPreparersSeeAll(value: boolean) {
    const response = await sessions.owner.post('/app/settings/access', {
      preparersSeeAllEngagements: value ? 'all' : 'assigned',
      portalInvitationExpiryDays: '7',
    });
    expect(response.status).toBe(302);
    const em = forSystem(orm, 'test assertions');
    const firm = await em.findOneOrFail(Organization, { id: fixtures.demoFirmId });
    expect(firm.settings.preparersSeeAllEngagements).toBe(value);
  }

  it('are all a preparer sees while the firm keeps them to their own: everything else is a 404', async () => {
    expect(await statusesFor('preparer')).toEqual([404, 404, 404, 404, 404]);
    const complete = await sessions.preparer.post('/app/tasks', { taskId: fixtures.notPetes.taskId });
    expect(complete.status).toBe(404);
    const intake = await sessions.preparer.post(
      `/app/engagements/${fixtures.notPetes.engagementId}/intake`,
      {},
    );
    expect(intake.status).toBe(404);
    const taxReturn = await sessions.preparer.post(
      `/app/engagements/${fixtures.notPetes.taxReturnId}/tax-return`,
      {},
    );
    expect(taxReturn.status).toBe(404);
    const close = await sessions.preparer.post(`/app/engagements/${fixtures.notPetes.closeId}/close`, {});
    expect(close.status).toBe(404);

    for (const path of ['/app', '/app/engagements', '/app/clients?q=Nora', '/app/tasks']) {
      const text = visibleText((await sessions.preparer.page(path)).html);
      expect(text, path).not.toContain('Nora Notpetes');
    }
    const own = visibleText((await sessions.preparer.page('/app/clients?q=Paula')).html);
    expect(own).toContain('Paula Petesclient');
    expect((await sessions.preparer.page(`/app/engagements/${fixtures.petes.engagementId}`)).status).toBe(
      200,
    );

    // Everyone else of the firm sees them.
    for (const role of ['owner', 'admin', 'manager', 'reviewer'] as const) {
      expect(
        (await statusesFor(role)).map((status) => (status === 302 ? 200 : status)),
        role,
      ).toEqual([200, 200, 200, 200, 200]);
    }
  });

  it('widen to every engagement when the firm lets preparers see all, and narrow again when it stops', async () => {
    await setPreparersSeeAll(true);
    try {
      expect((await statusesFor('preparer')).map((status) => (status === 302 ? 200 : status))).toEqual([
        200, 200, 200, 200, 200,
      ]);
      const text = visibleText((await sessions.preparer.page('/app/clients?q=Nora')).html);
      expect(text).toContain('Nora Notpetes');
    } finally {
      await setPreparersSeeAll(false);
    }
    expect(await statusesFor('preparer')).toEqual([404, 404, 404, 404, 404]);
  });
});

describe('signing out', () => {
  it('POST /logout and /portal/logout end the session of whoever is signed in, and nothing else', async () => {
    const wrong: string[] = [];
    for (const role of roles) {
      const staffOut = await sessions[role].post('/logout', {});
      if (staffOut.status !== 302 || !locationOf(staffOut).startsWith('/login')) {
        wrong.push(`${role} /logout: ${describeResponse(staffOut)}`);
      }
      const portalOut = await sessions[role].post('/portal/logout', {});
      if (portalOut.status !== 302 || locationOf(portalOut) !== '/portal/login?signedOut=1') {
        wrong.push(`${role} /portal/logout: ${describeResponse(portalOut)}`);
      }
    }
    expect(wrong).toEqual([]);
    for (const role of staffRoles) {
      const after = await sessions[role].get('/app');
      expect(after.status, role).toBe(302);
      expect(locationOf(after), role).toMatch(/^\/login/);
    }
    const portalAfter = await sessions.client.get('/portal');
    expect(portalAfter.status).toBe(302);
    expect(locationOf(portalAfter)).toBe('/portal/login');
  });
});
