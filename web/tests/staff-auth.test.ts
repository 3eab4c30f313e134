/**
 * Staff authentication over real HTTP against the test platform: the second factor guards every staff
 * route, TOTP codes (wrong, replayed) and recovery codes, throttling per account and per IP, session
 * rotation, idle and absolute expiry, revocation, password reset, staff invitations, the account page
 * and the team page. Real Postgres, Redis and mail capture; the web server runs in this process.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
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
import { AuditEvent } from '../../db/audit/audit-event.entity';
import { AuthSession } from '../../db/auth/auth-session.entity';
import { PasswordResetToken } from '../../db/auth/password-reset-token.entity';
import { issueRecoveryCodes } from '../../db/auth/recovery-codes';
import { RecoveryCode } from '../../db/auth/recovery-code.entity';
import { TotpFactor } from '../../db/auth/totp-factor.entity';
import { Organization } from '../../db/organizations/organization.entity';
import type { Orm } from '../../db/orm';
import { createStaffMember } from '../../db/seed/factories';
import { demoLogins } from '../../db/seed/demo-logins';
import { forSystem } from '../../db/tenancy/tenant-context';
import { Membership, type TStaffRole } from '../../db/users/membership.entity';
import { SensitiveString } from '../../lib/crypto/sensitive-string';
import { formatTotpSecret, generateTotpSecret, totpCode } from '../../lib/crypto/totp';
import { waitForEmails } from '../../tests/support/mailbox';
import { HttpSession, locationOf, signInStaff, visibleText, type TStaffLogin } from './support/http-session';
import { startTestPlatform, type TestPlatform } from './support/test-platform';

const routesDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '../app/routes');
const placeholderId = '00000000-0000-4000-8000-000000000000';
const demo = (role: string): TStaffLogin => demoLogins.find((login) => login.role === role)!;
const owner = demo('owner');
const admin = demo('admin');
const strongPassword = 'Copper-kettle-marches-north-9';

let platform: TestPlatform;
let orm: Orm;
let baseUrl: string;
let ownerSession: HttpSession;

/** A staff member of the demo firm made for one test, with a unique address (the mailbox is shared). */
interface TTestStaff extends TStaffLogin {
  userId: string;
  membershipId: string;
  totpSecret: string;
}

async function newStaff(role: TStaffRole, options: { authenticator?: boolean } = {}): Promise<TTestStaff> {
  const em = forSystem(orm, 'test setup');
  const firm = await em.findOneOrFail(Organization, { id: platform.demoFirmId });
  const email = `${role}-${randomBytes(5).toString('hex')}@staff-auth.test`;
  const user = await createStaffMember(em, firm, {
    role,
    email,
    password: strongPassword,
    name: `Test ${role}`,
  });
  const totpSecret = generateTotpSecret();
  if (options.authenticator !== false) {
    em.create(TotpFactor, {
      user: user.id,
      secret: new SensitiveString(totpSecret),
      confirmedAt: new Date(),
      lastUsedStep: null,
    });
    await em.flush();
  }
  const membership = await em.findOneOrFail(Membership, { user: user.id });
  return { email, password: strongPassword, totpSecret, userId: user.id, membershipId: membership.id };
}

/** A browser that has passed the password but not the second factor. */
async function passwordOnly(login: TStaffLogin): Promise<HttpSession> {
  const session = new HttpSession(baseUrl);
  const response = await session.post('/login', { email: login.email, password: login.password });
  expect(response.status).toBe(302);
  return session;
}

async function signedIn(login: TStaffLogin): Promise<HttpSession> {
  const session = new HttpSession(baseUrl);
  await signInStaff(session, login);
  return session;
}

/** GET with exactly this staff cookie value (another browser that copied it). */
function getWithCookie(pathname: string, cookieValue: string): Promise<Response> {
  return fetch(new URL(pathname, baseUrl), {
    headers: { Cookie: `cpa_session=${cookieValue}` },
    redirect: 'manual',
  });
}

async function auditEvents(action: string, targetId?: string) {
  return forSystem(orm, 'test assertions').find(
    AuditEvent,
    { organization: platform.demoFirmId, action, ...(targetId ? { targetId } : {}) },
    { orderBy: { occurredAt: 'asc' } },
  );
}

async function latestSession(userId: string) {
  return forSystem(orm, 'test assertions').findOneOrFail(
    AuthSession,
    { user: userId },
    { orderBy: { createdAt: 'desc' }, refresh: true },
  );
}

async function setSessionTimes(sessionId: string, values: Record<string, Date>) {
  await forSystem(orm, 'test setup').nativeUpdate(AuthSession, { id: sessionId }, values);
}

/**
 * Every staff route (flat-routes file names): its URL, with a placeholder ID for each dynamic
 * segment, and whether it answers GET (a loader or a page) and POST (an action). A resource route
 * with only an action answers GET with Remix's own 400, running no code of ours.
 */
function staffRoutes(): { path: string; hasGet: boolean; hasAction: boolean }[] {
  const routes = new Map<string, { hasGet: boolean; hasAction: boolean }>();
  for (const file of readdirSync(routesDir).filter((name) => /^app[.]/.test(name))) {
    const segments = file
      .replace(/\.tsx?$/, '')
      .split('.')
      .filter((segment) => segment !== '_index')
      .map((segment) => segment.replace(/_$/, ''))
      .map((segment) => (segment.startsWith('$') ? placeholderId : segment));
    const source = readFileSync(path.join(routesDir, file), 'utf8');
    const exports = (name: string) =>
      new RegExp(`export (async )?function ${name}\\b|export const ${name}\\b`).test(source);
    const url = `/${segments.join('/')}`;
    const known = routes.get(url) ?? { hasGet: false, hasAction: false };
    routes.set(url, {
      hasGet: known.hasGet || exports('loader') || /export default/.test(source),
      hasAction: known.hasAction || exports('action'),
    });
  }
  return [...routes]
    .map(([url, methods]) => ({ path: url, ...methods }))
    .sort((a, b) => a.path.localeCompare(b.path));
}

const staffRoutePaths = () =>
  staffRoutes()
    .filter((route) => route.hasGet)
    .map((route) => route.path);

beforeAll(async () => {
  platform = await startTestPlatform({ name: 'staff auth' });
  orm = platform.orm;
  baseUrl = platform.web.url;
  ownerSession = await signedIn(owner);
}, 180_000);

afterAll(async () => {
  await platform?.stop();
});

let consoleError: MockInstance<typeof console.error>;
beforeEach(() => {
  consoleError = vi.spyOn(console, 'error');
  vi.spyOn(console, 'info').mockImplementation(() => undefined);
});
afterEach(() => {
  expect(consoleError, 'no unexpected console.error').not.toHaveBeenCalled();
  vi.restoreAllMocks();
});

describe('the second factor', () => {
  it('keeps every staff route closed between the password and the second factor', async () => {
    const member = await newStaff('owner');
    const session = await passwordOnly(member);
    const routes = staffRoutes();
    expect(routes.map((route) => route.path)).toEqual(
      expect.arrayContaining(['/app', '/app/account', '/app/settings/team', '/app/clients']),
    );
    for (const { path: pathname, hasGet, hasAction } of routes) {
      const methods = [...(hasGet ? ['GET' as const] : []), ...(hasAction ? ['POST' as const] : [])];
      for (const method of methods) {
        const response =
          method === 'GET'
            ? await session.get(pathname)
            : await session.post(pathname, { intent: 'anything' });
        expect(response.status, `${method} ${pathname}`).toBe(302);
        expect(locationOf(response), `${method} ${pathname}`).toBe(
          `/login/mfa?${new URLSearchParams({ redirectTo: pathname }).toString()}`,
        );
      }
    }
    // The pages a half-signed-in person may open still open.
    expect((await session.page('/login/mfa')).status).toBe(200);
  });

  it('sends staff without an authenticator to set one up before anything else opens', async () => {
    const member = await newStaff('preparer', { authenticator: false });
    const session = await passwordOnly(member);
    for (const pathname of staffRoutePaths()) {
      const response = await session.get(pathname);
      expect(response.status, pathname).toBe(302);
      expect(locationOf(response), pathname).toMatch(/^\/mfa\/enrol\?redirectTo=/);
    }
    expect(locationOf(await session.get('/login/mfa'))).toBe('/mfa/enrol?redirectTo=%2Fapp');
  });

  it('signs in with the current authenticator code and records the sign-in', async () => {
    const member = await newStaff('reviewer');
    const session = await passwordOnly(member);
    const response = await session.post('/login/mfa', {
      code: totpCode(member.totpSecret),
      redirectTo: '/app/tasks',
    });
    expect(response.status).toBe(302);
    expect(locationOf(response)).toBe('/app/tasks');
    expect((await session.page('/app/tasks')).status).toBe(200);
    const signIns = await auditEvents('auth.sign_in', member.userId);
    expect(signIns).toHaveLength(1);
    expect(signIns[0]!.details).toMatchObject({ secondFactor: 'totp' });
  });

  it('refuses a wrong code, and a code that was already used, even from another browser', async () => {
    const member = await newStaff('preparer');
    const first = await passwordOnly(member);
    const wrongCode = String((Number(totpCode(member.totpSecret)) + 1) % 1_000_000).padStart(6, '0');
    const wrong = await first.post('/login/mfa', { code: wrongCode });
    expect(wrong.status).toBe(401);
    expect(visibleText(await wrong.text())).toContain('That code is not right, or it was already used.');

    const code = totpCode(member.totpSecret);
    expect((await first.post('/login/mfa', { code })).status).toBe(302);

    const second = await passwordOnly(member);
    const replayed = await second.post('/login/mfa', { code });
    expect(replayed.status).toBe(401);
    expect(locationOf(await second.get('/app'))).toBe('/login/mfa?redirectTo=%2Fapp');
    const failures = await auditEvents('auth.mfa_failed', member.userId);
    expect(failures.map((event) => event.details?.reason)).toEqual(['wrong_code', 'replayed_code']);
  });

  it('accepts each recovery code once, tells the person by email, and shows how many are left', async () => {
    const member = await newStaff('manager');
    const codes = await issueRecoveryCodes(forSystem(orm, 'test setup'), member.userId);
    const session = await passwordOnly(member);
    const response = await session.post('/login/mfa', { code: codes[3]!.toUpperCase().replace('-', ' ') });
    expect(response.status).toBe(302);
    expect(locationOf(response)).toBe('/app/account?recovery=used');
    expect(visibleText((await session.page('/app/account?recovery=used')).html)).toContain(
      'You signed in with a recovery code. 9 of 10 codes are left.',
    );
    const again = await passwordOnly(member);
    expect((await again.post('/login/mfa', { code: codes[3]! })).status).toBe(401);
    const stored = await forSystem(orm, 'test assertions').find(RecoveryCode, { user: member.userId });
    expect(stored.filter((row) => row.usedAt)).toHaveLength(1);
    expect(stored.map((row) => row.codeHash)).not.toContain(codes[3]);
    expect(await auditEvents('auth.recovery_code_used', member.userId)).toHaveLength(1);
    const [notice] = await waitForEmails(member.email, 1);
    expect(notice!.subject).toBe('Security notice: A recovery code was used to sign in');
  });
});

describe('throttling', () => {
  let redis: Redis;
  beforeAll(() => {
    redis = new Redis(process.env.REDIS_URL!);
  });
  afterAll(() => redis.disconnect());

  /** Forgets this platform's throttle counters, so one test's limit does not meet the next test. */
  async function clearThrottle() {
    const keys = await redis.keys(`${platform.web.env.REDIS_KEY_PREFIX}throttle:*`);
    if (keys.length > 0) await redis.del(...keys);
  }
  afterEach(clearThrottle);

  it('stops sign-in for an account after five failures, says for how long, and audits it once', async () => {
    const member = await newStaff('preparer');
    const session = new HttpSession(baseUrl);
    const statuses: number[] = [];
    let last = '';
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const response = await session.post('/login', { email: member.email, password: 'not-the-password' });
      statuses.push(response.status);
      last = visibleText(await response.text());
    }
    expect(statuses).toEqual([401, 401, 401, 401, 429]);
    expect(last).toContain('Too many attempts. Try again in 15 minutes.');
    const right = await session.post('/login', { email: member.email, password: member.password });
    expect(right.status).toBe(429);
    expect(visibleText(await right.text())).toContain('Too many attempts. Try again in 15 minutes.');
    expect(session.cookie('cpa_session')).toBeUndefined();
    expect(await auditEvents('auth.sign_in_failed', member.userId)).toHaveLength(5);
    const throttled = await auditEvents('auth.throttled', member.userId);
    expect(throttled).toHaveLength(1);
    expect(throttled[0]!.details).toMatchObject({ scope: 'staff-sign-in', limitedBy: 'account' });
  });

  it('stops sign-in from an IP after twenty failures on any accounts', async () => {
    const session = new HttpSession(baseUrl);
    for (let attempt = 0; attempt < 20; attempt += 1) {
      const response = await session.post('/login', {
        email: `nobody-${attempt}@staff-auth.test`,
        password: 'not-the-password',
      });
      expect(response.status).toBe(attempt < 19 ? 401 : 429);
    }
    const member = await newStaff('reviewer');
    const blocked = await session.post('/login', { email: member.email, password: member.password });
    expect(blocked.status).toBe(429);
    expect(visibleText(await blocked.text())).toMatch(/Too many attempts\. Try again in 1[45] minutes\./);
    const throttled = await auditEvents('auth.throttled', member.userId);
    expect(throttled.map((event) => event.details?.limitedBy)).toEqual(['ip']);
  });

  it('stops second-factor attempts after five wrong codes', async () => {
    const member = await newStaff('manager');
    const session = await passwordOnly(member);
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 6; attempt += 1) {
      statuses.push((await session.post('/login/mfa', { code: `00000${attempt}` })).status);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 429, 429]);
    const right = await session.post('/login/mfa', { code: totpCode(member.totpSecret) });
    expect(right.status).toBe(429);
    expect(visibleText(await right.text())).toContain('Too many attempts. Try again in 15 minutes.');
    expect(await auditEvents('auth.throttled', member.userId)).toHaveLength(1);
  });

  it('limits password reset requests per address, with the same message for every address', async () => {
    const session = new HttpSession(baseUrl);
    const email = `nobody-reset@staff-auth.test`;
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const response = await session.post('/forgot-password', { email });
      expect(response.status).toBe(200);
    }
    const blocked = await session.post('/forgot-password', { email });
    expect(blocked.status).toBe(429);
    expect(visibleText(await blocked.text())).toContain('Too many attempts. Try again in 15 minutes.');
  });
});

describe('sessions', () => {
  it('stores only a hash of the random session ID, in a signed, httpOnly, SameSite=Lax, Secure cookie', async () => {
    const member = await newStaff('preparer');
    const session = new HttpSession(baseUrl);
    const response = await session.post('/login', { email: member.email, password: member.password });
    const header = response.headers.getSetCookie().find((cookie) => cookie.startsWith('cpa_session='))!;
    expect(header).toMatch(/; HttpOnly/i);
    expect(header).toMatch(/; SameSite=Lax/i);
    expect(header).toMatch(/; Secure/i);
    expect(header).toMatch(/; Path=\//i);
    // Remix signs the cookie as <base64 of the JSON value>.<signature>.
    const [encoded, signature] = decodeURIComponent(session.cookie('cpa_session')!).split('.');
    expect(signature).toMatch(/^[A-Za-z0-9+/]+$/);
    const token = JSON.parse(Buffer.from(encoded!, 'base64').toString('utf8')) as string;
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(header).not.toContain(member.userId);
    const row = await latestSession(member.userId);
    expect(row.tokenHash).toBe(createHash('sha256').update(token).digest('hex'));
    expect(row.secondFactorVerifiedAt).toBeNull();
    expect(row.userAgent).toContain('node');
    expect(row.ip).toMatch(/127\.0\.0\.1/);
  });

  it('gives the browser a new session ID at sign-in and again after the second factor', async () => {
    const member = await newStaff('reviewer');
    const session = await signedIn(member);
    const before = session.cookie('cpa_session')!;
    await session.post('/login', { email: member.email, password: member.password });
    const afterPassword = session.cookie('cpa_session')!;
    expect(afterPassword).not.toBe(before);
    // The session from before was ended, not just forgotten.
    const old = await getWithCookie('/app', before);
    expect(locationOf(old)).toBe('/login?redirectTo=%2Fapp&reason=revoked');

    // The next step's code: this account used the current step's code a moment ago.
    const code = totpCode(member.totpSecret, new Date(Date.now() + 30_000));
    expect((await session.post('/login/mfa', { code })).status).toBe(302);
    const afterSecondFactor = session.cookie('cpa_session')!;
    expect(afterSecondFactor).not.toBe(afterPassword);
    expect(locationOf(await getWithCookie('/app', afterPassword))).toBe('/login?redirectTo=%2Fapp');
    expect((await getWithCookie('/app', afterSecondFactor)).status).toBe(200);
  });

  it('ends a session after its idle time and after its absolute lifetime', async () => {
    const member = await newStaff('preparer');
    for (const column of ['idleExpiresAt', 'absoluteExpiresAt']) {
      const session = await signedIn(member);
      expect((await session.get('/app')).status).toBe(200);
      const row = await latestSession(member.userId);
      await setSessionTimes(row.id, { [column]: new Date(Date.now() - 1000) });
      const response = await session.get('/app/clients');
      expect(response.status, column).toBe(302);
      expect(locationOf(response), column).toBe('/login?redirectTo=%2Fapp%2Fclients&reason=expired');
      expect(session.cookie('cpa_session'), column).toBeUndefined();
      expect(visibleText((await session.page('/login?reason=expired')).html)).toContain('Your session ended');
    }
  });

  it('pushes the idle expiry out on activity, never past the absolute expiry', async () => {
    const member = await newStaff('preparer');
    const session = await signedIn(member);
    const row = await latestSession(member.userId);
    const absolute = new Date(Date.now() + 10 * 60_000);
    await setSessionTimes(row.id, {
      lastSeenAt: new Date(Date.now() - 5 * 60_000),
      idleExpiresAt: new Date(Date.now() + 60_000),
      absoluteExpiresAt: absolute,
    });
    expect((await session.get('/app')).status).toBe(200);
    const touched = await latestSession(member.userId);
    expect(touched.lastSeenAt.getTime()).toBeGreaterThan(Date.now() - 10_000);
    expect(touched.idleExpiresAt.getTime()).toBe(absolute.getTime());
  });

  it('signs out: the old cookie, even copied elsewhere, opens nothing afterwards', async () => {
    const member = await newStaff('reviewer');
    const session = await signedIn(member);
    const cookie = session.cookie('cpa_session')!;
    const response = await session.post('/logout', {});
    expect(locationOf(response)).toBe('/login?reason=signed_out');
    expect(session.cookie('cpa_session')).toBeUndefined();
    expect(locationOf(await getWithCookie('/app', cookie))).toBe('/login?redirectTo=%2Fapp&reason=revoked');
    expect((await latestSession(member.userId)).revokedReason).toBe('signed_out');
  });

  it('lists the person’s sessions and revokes one, which takes effect on its next request', async () => {
    const member = await newStaff('manager');
    const laptop = await signedIn(member);
    const phone = await signedIn(member);
    const phoneSession = await latestSession(member.userId);
    const page = visibleText((await laptop.page('/app/account')).html);
    expect(page).toContain('Where you are signed in');
    expect(page).toContain('this device');
    expect(page).toContain('IP 127.0.0.1');
    expect(page).toMatch(/last active just now/);

    const response = await laptop.post('/app/account', {
      intent: 'revoke-session',
      sessionId: phoneSession.id,
    });
    expect(response.status).toBe(200);
    expect(visibleText(await response.text())).toContain('That device was signed out.');
    expect(locationOf(await phone.get('/app'))).toBe('/login?redirectTo=%2Fapp&reason=revoked');
    expect((await laptop.get('/app')).status).toBe(200);
    const revoked = await auditEvents('auth.session_revoked', member.userId);
    expect(revoked.at(-1)!.details).toMatchObject({ sessionId: phoneSession.id, reason: 'revoked_by_user' });
  });

  it('does not revoke another person’s session by its ID', async () => {
    const member = await newStaff('preparer');
    const other = await newStaff('preparer');
    const session = await signedIn(member);
    const otherBrowser = await signedIn(other);
    const otherRow = await latestSession(other.userId);
    const response = await session.post('/app/account', { intent: 'revoke-session', sessionId: otherRow.id });
    expect(visibleText(await response.text())).toContain('That session had already ended.');
    expect((await otherBrowser.get('/app')).status).toBe(200);
  });

  it('signs out every other device, or everywhere including this one', async () => {
    const member = await newStaff('admin');
    const first = await signedIn(member);
    const second = await signedIn(member);
    const third = await signedIn(member);
    const others = await first.post('/app/account', { intent: 'sign-out-others' });
    expect(visibleText(await others.text())).toContain('2 other devices were signed out.');
    expect(locationOf(await second.get('/app'))).toMatch(/reason=revoked/);
    expect(locationOf(await third.get('/app'))).toMatch(/reason=revoked/);
    expect((await first.get('/app')).status).toBe(200);

    const everywhere = await first.post('/app/account', { intent: 'sign-out-everywhere' });
    expect(locationOf(everywhere)).toBe('/login?reason=signed_out');
    expect(first.cookie('cpa_session')).toBeUndefined();
    const open = await forSystem(orm, 'test assertions').count(AuthSession, {
      user: member.userId,
      revokedAt: null,
    });
    expect(open).toBe(0);
  });
});

describe('password change and reset', () => {
  it('changes the password with the current one, checks the policy and signs out other devices', async () => {
    const member = await newStaff('preparer');
    const here = await signedIn(member);
    const elsewhere = await signedIn(member);
    const wrong = await here.post('/app/account', {
      intent: 'change-password',
      currentPassword: 'not-it',
      newPassword: 'Lantern-orchard-basin-42',
      confirmPassword: 'Lantern-orchard-basin-42',
    });
    expect(wrong.status).toBe(400);
    expect(visibleText(await wrong.text())).toContain('Your current password is not right.');
    const weak = await here.post('/app/account', {
      intent: 'change-password',
      currentPassword: member.password,
      newPassword: 'Password1234',
      confirmPassword: 'Password1234',
    });
    expect(visibleText(await weak.text())).toContain('lists of leaked passwords');
    const changed = await here.post('/app/account', {
      intent: 'change-password',
      currentPassword: member.password,
      newPassword: 'Lantern-orchard-basin-42',
      confirmPassword: 'Lantern-orchard-basin-42',
    });
    expect(changed.status).toBe(200);
    expect(visibleText(await changed.text())).toContain(
      'Your password was changed. 1 other device was signed out.',
    );
    expect((await here.get('/app')).status).toBe(200);
    expect(locationOf(await elsewhere.get('/app'))).toMatch(/reason=revoked/);
    expect(await auditEvents('auth.password_changed', member.userId)).toHaveLength(1);
  });

  it('answers a reset request the same for every address and emails a single-use link', async () => {
    const member = await newStaff('reviewer');
    const signedInBefore = await signedIn(member);
    const anonymous = new HttpSession(baseUrl);
    const unknown = visibleText(
      await (await anonymous.post('/forgot-password', { email: 'no-such-person@staff-auth.test' })).text(),
    );
    const known = visibleText(
      await (await anonymous.post('/forgot-password', { email: member.email })).text(),
    );
    expect(known).toContain('If an account exists for that email, we have sent it a link');
    expect(unknown).toContain('If an account exists for that email, we have sent it a link');

    const [email] = await waitForEmails(member.email, 1);
    const link = /\/reset-password\/[A-Za-z0-9_-]{43}/.exec(email!.text ?? '')?.[0];
    expect(link).toBeDefined();
    const token = link!.split('/').pop()!;
    const stored = await forSystem(orm, 'test assertions').findOneOrFail(PasswordResetToken, {
      user: member.userId,
    });
    expect(stored.tokenHash).toBe(createHash('sha256').update(token).digest('hex'));

    // A mail scanner fetching the link first spends nothing: the page only shows.
    for (const scanner of [new HttpSession(baseUrl), new HttpSession(baseUrl)]) {
      expect((await scanner.page(link!)).status).toBe(200);
    }
    const browser = new HttpSession(baseUrl);
    expect(visibleText((await browser.page(link!)).html)).toContain(member.email);
    const weak = await browser.post(link!, { password: 'short', confirmPassword: 'short' });
    expect(weak.status).toBe(400);
    expect(visibleText(await weak.text())).toContain('Use at least 12 characters');
    const done = await browser.post(link!, {
      password: 'Meadow-compass-thirty-7',
      confirmPassword: 'Meadow-compass-thirty-7',
    });
    expect(locationOf(done)).toBe('/login?reason=password_reset');
    expect(locationOf(await signedInBefore.get('/app'))).toMatch(/reason=revoked/);

    const reused = await browser.page(link!);
    expect(reused.status).toBe(410);
    expect(visibleText(reused.html)).toContain('This password reset link has already been used.');
    const reusedPost = await browser.post(link!, {
      password: 'Another-meadow-compass-8',
      confirmPassword: 'Another-meadow-compass-8',
    });
    expect(reusedPost.status).toBe(410);

    await signInStaff(new HttpSession(baseUrl), { ...member, password: 'Meadow-compass-thirty-7' });
    expect(await auditEvents('auth.password_reset', member.userId)).toHaveLength(1);
    const emails = await waitForEmails(member.email, 2);
    expect(emails.map((e) => e.subject)).toContain('Security notice: Your password was reset');
  });

  it('refuses an expired reset link, and a link replaced by a newer one', async () => {
    const member = await newStaff('manager');
    const anonymous = new HttpSession(baseUrl);
    await anonymous.post('/forgot-password', { email: member.email });
    const [first] = await waitForEmails(member.email, 1);
    await anonymous.post('/forgot-password', { email: member.email });
    const emails = await waitForEmails(member.email, 2);
    const links = emails.map((e) => /\/reset-password\/[A-Za-z0-9_-]{43}/.exec(e.text ?? '')![0]);
    const firstLink = /\/reset-password\/[A-Za-z0-9_-]{43}/.exec(first!.text ?? '')![0];
    const newest = links.find((link) => link !== firstLink)!;

    const replaced = await anonymous.page(firstLink);
    expect(replaced.status).toBe(410);
    expect(visibleText(replaced.html)).toContain('This password reset link has expired.');

    await forSystem(orm, 'test setup').nativeUpdate(
      PasswordResetToken,
      { user: member.userId, usedAt: null },
      { expiresAt: new Date(Date.now() - 1000) },
    );
    const expired = await anonymous.page(newest);
    expect(expired.status).toBe(410);
    expect(visibleText(expired.html)).toContain('This password reset link has expired.');
    const unknown = await anonymous.page('/reset-password/not-a-real-token');
    expect(unknown.status).toBe(404);
  });
});

describe('staff invitations and the team page', () => {
  it('invites a colleague by email; they set a name and password, then their authenticator', async () => {
    const email = `invitee-${randomBytes(4).toString('hex')}@staff-auth.test`;
    const invited = await ownerSession.post('/app/settings/team', {
      intent: 'invite',
      email,
      role: 'reviewer',
    });
    expect(invited.status).toBe(200);
    expect(visibleText(await invited.text())).toContain(`Invitation sent to ${email}.`);
    expect(await auditEvents('staff.invited')).not.toHaveLength(0);

    const [message] = await waitForEmails(email, 1);
    expect(message!.subject).toBe('Olivia Owner invited you to join Harborview CPA');
    const link = /\/join\/[A-Za-z0-9_-]{43}/.exec(message!.text ?? '')![0];

    // A mail scanner fetching the link first spends nothing: the page only shows.
    for (const scanner of [new HttpSession(baseUrl), new HttpSession(baseUrl)]) {
      expect((await scanner.page(link)).status).toBe(200);
    }
    const browser = new HttpSession(baseUrl);
    expect(visibleText((await browser.page(link)).html)).toContain('Join Harborview CPA');
    const weak = await browser.post(link, {
      name: 'Nora Quinn',
      password: 'nora-quinn-2026',
      confirmPassword: 'nora-quinn-2026',
    });
    expect(weak.status).toBe(400);
    expect(visibleText(await weak.text())).toContain('Do not use your');
    const accepted = await browser.post(link, {
      name: 'Nora Quinn',
      password: strongPassword,
      confirmPassword: strongPassword,
    });
    expect(locationOf(accepted)).toBe('/mfa/enrol?redirectTo=%2Fapp');
    expect(locationOf(await browser.get('/app/clients'))).toBe('/mfa/enrol?redirectTo=%2Fapp%2Fclients');
    // Submitting the link again (another tab) is refused in words, and creates nothing.
    const late = new HttpSession(baseUrl);
    const secondSubmit = await late.post(link, {
      name: 'Someone Else',
      password: strongPassword,
      confirmPassword: strongPassword,
    });
    expect(secondSubmit.status).toBe(410);
    expect(visibleText(await secondSubmit.text())).toContain(
      'This invitation has already been accepted. Sign in with your email and password.',
    );
    expect(late.cookie('cpa_session')).toBeUndefined();

    const enrol = await browser.page('/mfa/enrol');
    const secret = /class="secret-key">([A-Z2-7 ]+)</.exec(enrol.html)![1]!.replaceAll(' ', '');
    expect(enrol.html).toContain('<svg');
    const wrong = await browser.post('/mfa/enrol', { code: '000000', redirectTo: '/app' });
    expect(wrong.status).toBe(400);
    const before = browser.cookie('cpa_session');
    const done = await browser.post('/mfa/enrol', { code: totpCode(secret), redirectTo: '/app' });
    expect(done.status).toBe(200);
    expect(browser.cookie('cpa_session')).not.toBe(before);
    const codes = (await done.text()).match(/<code>[a-z2-9]{5}-[a-z2-9]{5}<\/code>/g) ?? [];
    expect(codes).toHaveLength(10);
    expect((await browser.page('/app')).status).toBe(200);

    const em = forSystem(orm, 'test assertions');
    const membership = await em.findOneOrFail(Membership, { user: { email } }, { populate: ['user'] });
    expect(membership.role).toBe('reviewer');
    expect(membership.user.name).toBe('Nora Quinn');
    expect(await auditEvents('staff.invitation_accepted')).not.toHaveLength(0);
    expect(await auditEvents('auth.mfa_enrolled', membership.user.id)).toHaveLength(1);
    const again = await new HttpSession(baseUrl).page(link);
    expect(again.status).toBe(410);
    expect(visibleText(again.html)).toContain('This invitation has already been accepted.');
  });

  it('refuses to invite a current member, and lets only owners invite owners', async () => {
    const member = await newStaff('preparer');
    const existing = await ownerSession.post('/app/settings/team', {
      intent: 'invite',
      email: member.email,
      role: 'preparer',
    });
    expect(existing.status).toBe(409);
    expect(visibleText(await existing.text())).toContain('This person is already a member of the firm.');
    const adminSession = await signedIn(admin);
    const ownerInvite = await adminSession.post('/app/settings/team', {
      intent: 'invite',
      email: `would-be-owner@staff-auth.test`,
      role: 'owner',
    });
    expect(ownerInvite.status).toBe(400);
    expect(visibleText(await ownerInvite.text())).toContain('Only an owner can make someone an owner.');
  });

  it('shows members with role and two-step status, and changes a role with an audit event', async () => {
    const member = await newStaff('preparer');
    const page = visibleText((await ownerSession.page('/app/settings/team')).html);
    expect(page).toContain('Olivia Owner (you)');
    expect(page).toContain('Two-step on');
    const changed = await ownerSession.post('/app/settings/team', {
      intent: 'change-role',
      id: member.membershipId,
      role: 'manager',
    });
    expect(visibleText(await changed.text())).toContain('Role changed to Manager.');
    const events = await auditEvents('staff.role_changed', member.userId);
    expect(events).toHaveLength(1);
    expect(events[0]!.details).toMatchObject({ from: 'preparer', to: 'manager' });
    expect(events[0]!.actorType).toBe('user');
  });

  it('opens the team page only to roles that manage users', async () => {
    const preparer = await newStaff('preparer');
    const session = await signedIn(preparer);
    expect((await session.get('/app/settings/team')).status).toBe(404);
    expect(
      (await session.post('/app/settings/team', { intent: 'deactivate', id: preparer.membershipId })).status,
    ).toBe(404);
  });

  it('lets only an owner reset a member’s two-step sign-in, which signs them out and makes them enrol again', async () => {
    const member = await newStaff('reviewer');
    const memberBrowser = await signedIn(member);
    const adminSession = await signedIn(admin);
    const byAdmin = await adminSession.post('/app/settings/team', {
      intent: 'reset-mfa',
      id: member.membershipId,
    });
    expect(byAdmin.status).toBe(404);
    expect(await forSystem(orm, 'test assertions').count(TotpFactor, { user: member.userId })).toBe(1);

    const byOwner = await ownerSession.post('/app/settings/team', {
      intent: 'reset-mfa',
      id: member.membershipId,
    });
    expect(byOwner.status).toBe(200);
    expect(visibleText(await byOwner.text())).toContain('Two-step sign-in was reset');
    expect(await forSystem(orm, 'test assertions').count(TotpFactor, { user: member.userId })).toBe(0);
    expect(locationOf(await memberBrowser.get('/app'))).toMatch(/reason=revoked/);
    expect(await auditEvents('auth.mfa_reset', member.userId)).toHaveLength(1);
    const again = await passwordOnly(member);
    expect(locationOf(await again.get('/app'))).toBe('/mfa/enrol?redirectTo=%2Fapp');
  });

  it('deactivates a member: their sessions end and they cannot sign in until reactivated', async () => {
    const member = await newStaff('preparer');
    const memberBrowser = await signedIn(member);
    const selfDeactivate = await ownerSession.post('/app/settings/team', {
      intent: 'deactivate',
      id: (
        await forSystem(orm, 'test assertions').findOneOrFail(Membership, {
          user: { email: owner.email },
        })
      ).id,
    });
    expect(selfDeactivate.status).toBe(400);
    const deactivated = await ownerSession.post('/app/settings/team', {
      intent: 'deactivate',
      id: member.membershipId,
    });
    expect(visibleText(await deactivated.text())).toContain('Access turned off.');
    expect(locationOf(await memberBrowser.get('/app'))).toMatch(/reason=revoked/);
    const refused = await new HttpSession(baseUrl).post('/login', {
      email: member.email,
      password: member.password,
    });
    expect(refused.status).toBe(401);
    expect(visibleText(await refused.text())).toContain('Your access to this firm has been turned off.');
    expect(await auditEvents('staff.deactivated', member.userId)).toHaveLength(1);

    await ownerSession.post('/app/settings/team', { intent: 'reactivate', id: member.membershipId });
    await signInStaff(new HttpSession(baseUrl), member);
  });
});

describe('sign-in audit trail', () => {
  it('records failed sign-ins of known accounts under their firm, and none for unknown emails', async () => {
    const member = await newStaff('manager');
    const session = new HttpSession(baseUrl);
    await session.post('/login', { email: member.email, password: 'wrong-password-here' });
    const before = await forSystem(orm, 'test assertions').count(AuditEvent, {
      action: 'auth.sign_in_failed',
    });
    await session.post('/login', {
      email: 'unknown-person@staff-auth.test',
      password: 'wrong-password-here',
    });
    const after = await forSystem(orm, 'test assertions').count(AuditEvent, {
      action: 'auth.sign_in_failed',
    });
    expect(after).toBe(before);
    const failed = await auditEvents('auth.sign_in_failed', member.userId);
    expect(failed).toHaveLength(1);
    expect(failed[0]!.details).toEqual({ reason: 'wrong_password' });
    expect(failed[0]!.ip).toMatch(/127\.0\.0\.1/);
  });

  it('lists every demo staff member’s authenticator key in the README, as the seed derives it', () => {
    const readme = readFileSync(path.join(routesDir, '../../../README.md'), 'utf8');
    for (const login of demoLogins.filter((l) => l.totpSecret)) {
      expect(readme).toContain(`| ${login.role.padEnd(8)} | ${formatTotpSecret(login.totpSecret!)} |`);
    }
  });

  it('sends HSTS, frame-ancestors none, a referrer policy and nosniff outside development', async () => {
    const response = await new HttpSession(baseUrl).get('/login');
    expect(response.headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
    expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(response.headers.get('referrer-policy')).toBe('strict-origin-when-cross-origin');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('permissions-policy')).toContain('camera=()');
  });
});
