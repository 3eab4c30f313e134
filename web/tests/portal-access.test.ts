/**
 * Client portal access over real HTTP: single-use invitation links with the firm's lifetime, staff
 * re-sending them, the first visit choosing a password or emailed codes, password and code sign-in,
 * throttling, the optional authenticator app, choosing between accounts, signing out. Real Postgres,
 * Redis, SMTP capture and sessions; emails are read from the capture.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditEvent } from '../../db/audit/audit-event.entity';
import { AuthSession } from '../../db/auth/auth-session.entity';
import { Contact } from '../../db/clients/contact.entity';
import { Organization } from '../../db/organizations/organization.entity';
import type { Orm } from '../../db/orm';
import { issuePortalLink } from '../../db/portal/issue-portal-link';
import { PortalCredential } from '../../db/portal/portal-credential.entity';
import { PortalLink } from '../../db/portal/portal-link.entity';
import { PortalSignInCode } from '../../db/portal/portal-sign-in-code.entity';
import { buildClient, buildContact, seedContext } from '../../db/seed/factories';
import { demoLogins } from '../../db/seed/demo-logins';
import { persistSeedRows } from '../../db/seed/persist-rows';
import { forSystem, forTenant } from '../../db/tenancy/tenant-context';
import { totpCode, totpStep } from '../../lib/crypto/totp';
import { listEmails, waitForEmails } from '../../tests/support/mailbox';
import { HttpSession, locationOf, signInStaff, visibleText } from './support/http-session';
import { startTestPlatform, type TestPlatform } from './support/test-platform';

const owner = demoLogins.find((login) => login.role === 'owner')!;
const strongPassword = 'lantern orchard velvet 42';

let platform: TestPlatform;
let orm: Orm;
let firmId: string;
const ctx = seedContext(`portal-access-${randomUUID()}`);

beforeAll(async () => {
  platform = await startTestPlatform({ name: 'portal access' });
  orm = platform.orm;
  firmId = platform.demoFirmId;
});

afterAll(async () => {
  await platform?.stop();
});

const db = () => forSystem(orm, 'test assertions');

/** A new client of the demo firm with one portal contact (an address no other test uses). */
async function newContact(label: string, email = `${label}-${randomUUID().slice(0, 8)}@example.test`) {
  const client = buildClient(ctx, { organizationId: firmId, kind: 'individual', status: 'active' });
  const contact = buildContact(ctx, {
    organizationId: firmId,
    clientId: client.id,
    name: client.displayName,
    email,
  });
  await db().transactional((tx) => {
    persistSeedRows(tx, { clients: [client], contacts: [contact] });
    return Promise.resolve();
  });
  return { clientId: client.id, contactId: contact.id, email: contact.email, name: contact.name };
}

async function inviteLink(contactId: string): Promise<string> {
  const { token } = await issuePortalLink(forTenant(orm, firmId), {
    organizationId: firmId,
    contactId,
    purpose: 'test',
  });
  return `/portal/invite/${token}`;
}

/** Opens an invitation as a person does: the link's page, then its button. */
async function openInvitation(session: HttpSession, contactId: string): Promise<Response> {
  const link = await inviteLink(contactId);
  await session.page(link);
  return session.post(link, {});
}

async function auditActions(contactId: string): Promise<string[]> {
  const events = await db().find(
    AuditEvent,
    { organization: firmId, targetId: contactId },
    { orderBy: { occurredAt: 'asc', id: 'asc' } },
  );
  return events.map((event) => event.action);
}

/** The newest sign-in code emailed to an address. */
async function latestCode(email: string, count: number): Promise<string> {
  const emails = await waitForEmails(email, count);
  const newest = emails.at(-1)!;
  expect(newest.subject).toBe('Your sign-in code for Harborview CPA');
  const code = /sign-in code: (\d{6})/i.exec(newest.text ?? '')?.[1];
  if (!code) throw new Error('no code in the sign-in email');
  return code;
}

async function setPassword(session: HttpSession, password = strongPassword) {
  return session.post('/portal/account', {
    intent: 'password',
    newPassword: password,
    confirmPassword: password,
  });
}

describe('invitation links', () => {
  it('survive mail scanners: showing the link spends nothing, the person’s button opens the portal once', async () => {
    const contact = await newContact('scanned');
    const link = await inviteLink(contact.contactId);
    // A mail scanner fetches the link twice before the person clicks it.
    for (const scanner of [new HttpSession(platform.web.url), new HttpSession(platform.web.url)]) {
      const fetched = await scanner.page(link);
      expect(fetched.status).toBe(200);
      expect(fetched.response.headers.get('set-cookie') ?? '').not.toContain('cpa_portal_session');
    }
    const browser = new HttpSession(platform.web.url);
    const shown = await browser.page(link);
    expect(shown.status).toBe(200);
    expect(visibleText(shown.html)).toContain(`Hello ${contact.name.split(' ')[0]}`);
    expect(visibleText(shown.html)).toContain('Harborview CPA invited you to your client portal');
    const link_ = await db().findOneOrFail(PortalLink, { contact: contact.contactId });
    expect(link_.lastUsedAt ?? null).toBeNull();
    expect(await auditActions(contact.contactId)).not.toContain('portal_link.redeemed');

    const opened = await browser.post(link, {});
    expect(opened.status).toBe(302);
    expect(locationOf(opened)).toBe('/portal');
    expect((await browser.page('/portal')).status).toBe(200);

    // Submitting again (a second tab, the back button) is refused in words, and signs no one in.
    const late = new HttpSession(platform.web.url);
    await late.page('/portal/login');
    const again = await late.post(link, {});
    expect(again.status).toBe(410);
    const text = visibleText(await again.text());
    expect(text).toContain('This link was already used');
    expect(text).toContain('Each portal link opens the portal once');
    expect(late.cookie('cpa_portal_session')).toBeUndefined();
  });

  it('open the portal once; a second opening says the link was used and offers sign-in', async () => {
    const contact = await newContact('once');
    const link = await inviteLink(contact.contactId);
    const browser = new HttpSession(platform.web.url);
    await browser.page(link);
    const first = await browser.post(link, {});
    expect(first.status).toBe(302);
    expect(locationOf(first)).toBe('/portal');
    expect(browser.cookie('cpa_portal_session')).toBeDefined();
    const home = await browser.page('/portal');
    expect(home.status).toBe(200);
    expect(visibleText(home.html)).toContain('How would you like to sign in next time?');

    const again = await new HttpSession(platform.web.url).page(link);
    expect(again.status).toBe(410);
    expect(visibleText(again.html)).toContain('This link was already used');
    expect(again.html).toContain('href="/portal/login"');
    expect(await auditActions(contact.contactId)).toEqual(
      expect.arrayContaining(['portal_link.issued', 'portal_link.redeemed', 'portal.signed_in']),
    );
  });

  it('work for the firm’s chosen number of days (7 by default) and answer 410 after', async () => {
    const contact = await newContact('lifetime');
    const em = forTenant(orm, firmId);
    const before = Date.now();
    const standard = await issuePortalLink(em, {
      organizationId: firmId,
      contactId: contact.contactId,
      purpose: 'test',
    });
    expect(standard.expiresAt.getTime() - before).toBeGreaterThanOrEqual(7 * 86_400_000 - 1000);
    expect(standard.expiresAt.getTime() - before).toBeLessThan(7 * 86_400_000 + 60_000);

    const settingsEm = db();
    const firm = await settingsEm.findOneOrFail(Organization, { id: firmId });
    firm.settings = { ...firm.settings, portalInvitationExpiryDays: 3 };
    await settingsEm.flush();
    try {
      const short = await issuePortalLink(forTenant(orm, firmId), {
        organizationId: firmId,
        contactId: contact.contactId,
        purpose: 'test',
      });
      expect(Math.round((short.expiresAt.getTime() - Date.now()) / 86_400_000)).toBe(3);
      await db().nativeUpdate(PortalLink, { id: short.linkId }, { expiresAt: new Date(Date.now() - 1000) });
      const expired = await new HttpSession(platform.web.url).page(`/portal/invite/${short.token}`);
      expect(expired.status).toBe(410);
      expect(visibleText(expired.html)).toContain('This link has expired');
    } finally {
      const resetEm = db();
      const reset = await resetEm.findOneOrFail(Organization, { id: firmId });
      reset.settings = { ...reset.settings, portalInvitationExpiryDays: 7 };
      await resetEm.flush();
    }
  });

  it('sent again by staff from the client page: the new email works and the earlier link does not', async () => {
    const contact = await newContact('resend');
    const earlier = await inviteLink(contact.contactId);
    const staff = new HttpSession(platform.web.url);
    await signInStaff(staff, owner);

    const page = await staff.page(`/app/clients/${contact.clientId}`);
    expect(page.status).toBe(200);
    expect(visibleText(page.html)).toContain('Send a new portal link');
    const sent = await staff.post(`/app/clients/${contact.clientId}`, {
      intent: 'invite',
      contactId: contact.contactId,
    });
    expect(sent.status).toBe(200);
    expect(visibleText(await sent.text())).toContain(
      `A new portal invitation is on its way to ${contact.name}`,
    );

    const [email] = await waitForEmails(contact.email, 1);
    expect(email!.subject).toBe('Harborview CPA invites you to your client portal');
    const path = new URL(/https?:\/\/\S+\/portal\/invite\/[A-Za-z0-9_-]+/.exec(email!.text ?? '')![0])
      .pathname;

    const old = await new HttpSession(platform.web.url).page(earlier);
    expect(old.status).toBe(404);
    expect(visibleText(old.html)).toContain('This link was replaced by a newer one');

    const person = new HttpSession(platform.web.url);
    expect((await person.page(path)).status).toBe(200);
    const fresh = await person.post(path, {});
    expect(fresh.status).toBe(302);
    expect(locationOf(fresh)).toBe('/portal');

    const issued = await db().findOneOrFail(AuditEvent, {
      organization: firmId,
      action: 'portal_link.issued',
      targetId: contact.contactId,
      actorType: 'user',
    });
    expect(issued.details).toMatchObject({ purpose: 'portal-invitation', revokedLinks: 1 });
  });

  it('cannot be sent again to a contact without portal access, and say why', async () => {
    const contact = await newContact('noaccess');
    await db().nativeUpdate(Contact, { id: contact.contactId }, { portalAccess: false });
    const staff = new HttpSession(platform.web.url);
    await signInStaff(staff, owner);
    const refused = await staff.post(`/app/clients/${contact.clientId}`, {
      intent: 'invite',
      contactId: contact.contactId,
    });
    expect(refused.status).toBe(409);
    expect(visibleText(await refused.text())).toContain('has no portal access');
    expect(await listEmails(contact.email)).toHaveLength(0);
  });
});

describe('the first visit and passwords', () => {
  it('sets a password that passes the rules, then signs in with it; wrong passwords are refused', async () => {
    const contact = await newContact('password');
    const browser = new HttpSession(platform.web.url);
    await openInvitation(browser, contact.contactId);

    const weak = await setPassword(browser, 'password1234');
    expect(weak.status).toBe(400);
    expect(visibleText(await weak.text())).toContain('This password is on lists of leaked passwords');
    const mismatch = await browser.post('/portal/account', {
      intent: 'password',
      newPassword: strongPassword,
      confirmPassword: `${strongPassword}!`,
    });
    expect(mismatch.status).toBe(400);
    expect(visibleText(await mismatch.text())).toContain('The two passwords are not the same');
    expect(await db().count(PortalCredential, { contact: contact.contactId })).toBe(0);

    const saved = await setPassword(browser);
    expect(saved.status).toBe(302);
    expect(locationOf(saved)).toBe('/portal/account?saved=password');
    const home = await browser.page('/portal');
    expect(visibleText(home.html)).not.toContain('How would you like to sign in next time?');

    const signedOut = await browser.post('/portal/logout', {});
    expect(locationOf(signedOut)).toBe('/portal/login?signedOut=1');
    expect(locationOf(await browser.get('/portal'))).toBe('/portal/login');

    const wrong = await browser.post('/portal/login', {
      intent: 'password',
      email: contact.email,
      password: 'not the password at all',
    });
    expect(wrong.status).toBe(401);
    expect(visibleText(await wrong.text())).toContain('Email or password is incorrect.');

    const right = await browser.post('/portal/login', {
      intent: 'password',
      email: contact.email.toUpperCase(),
      password: strongPassword,
    });
    expect(right.status).toBe(302);
    expect(locationOf(right)).toBe('/portal');
    expect((await browser.page('/portal')).status).toBe(200);
    expect(await auditActions(contact.contactId)).toEqual(
      expect.arrayContaining(['portal.password_set', 'portal.sign_in_failed', 'portal.signed_in']),
    );
  });

  it('asks for the current password to change it, and signs out the other devices', async () => {
    const contact = await newContact('change');
    const laptop = new HttpSession(platform.web.url);
    await openInvitation(laptop, contact.contactId);
    expect((await setPassword(laptop)).status).toBe(302);
    const phone = new HttpSession(platform.web.url);
    await phone.post('/portal/login', { intent: 'password', email: contact.email, password: strongPassword });
    expect((await phone.page('/portal')).status).toBe(200);

    const noCurrent = await laptop.post('/portal/account', {
      intent: 'password',
      currentPassword: 'guess',
      newPassword: 'harbor lights and teacups 7',
      confirmPassword: 'harbor lights and teacups 7',
    });
    expect(noCurrent.status).toBe(400);
    expect(visibleText(await noCurrent.text())).toContain('This is not your current password');

    const changed = await laptop.post('/portal/account', {
      intent: 'password',
      currentPassword: strongPassword,
      newPassword: 'harbor lights and teacups 7',
      confirmPassword: 'harbor lights and teacups 7',
    });
    expect(changed.status).toBe(302);
    expect((await laptop.page('/portal')).status).toBe(200);
    const phoneHome = await phone.get('/portal');
    expect(phoneHome.status).toBe(302);
    expect(locationOf(phoneHome)).toBe('/portal/login');
  });

  it('chooses emailed codes instead: a password no longer signs in', async () => {
    const contact = await newContact('codes');
    const browser = new HttpSession(platform.web.url);
    await openInvitation(browser, contact.contactId);
    await setPassword(browser);
    const chose = await browser.post('/portal/account', { intent: 'email_codes' });
    expect(locationOf(chose)).toBe('/portal/account?saved=codes');
    const credential = await db().findOneOrFail(
      PortalCredential,
      { contact: contact.contactId },
      { populate: ['passwordHash'] },
    );
    expect(credential.signInMethod).toBe('email_code');
    expect(credential.passwordHash).toBeNull();

    const refused = await new HttpSession(platform.web.url).post('/portal/login', {
      intent: 'password',
      email: contact.email,
      password: strongPassword,
    });
    expect(refused.status).toBe(401);
  });
});

describe('emailed sign-in codes', () => {
  it('sign in once with the newest code; a wrong, reused, replaced or expired code is refused', async () => {
    const contact = await newContact('emailcode');
    const browser = new HttpSession(platform.web.url);
    const requested = await browser.post('/portal/login', { intent: 'code', email: contact.email });
    expect(requested.status).toBe(302);
    expect(locationOf(requested)).toBe('/portal/login/code');
    const step = await browser.page('/portal/login/code');
    expect(visibleText(step.html)).toContain(contact.email);
    const code = await latestCode(contact.email, 1);

    const wrong = await browser.post('/portal/login/code', {
      intent: 'verify',
      code: code === '000000' ? '111111' : '000000',
    });
    expect(wrong.status).toBe(401);
    expect(visibleText(await wrong.text())).toContain('That code is not right');

    const ok = await browser.post('/portal/login/code', {
      intent: 'verify',
      code: `${code.slice(0, 3)} ${code.slice(3)}`,
    });
    expect(ok.status).toBe(302);
    expect(locationOf(ok)).toBe('/portal');
    expect((await browser.page('/portal')).status).toBe(200);

    // The same code again, from another browser: spent.
    const other = new HttpSession(platform.web.url);
    await other.post('/portal/login', { intent: 'code', email: contact.email });
    const second = await latestCode(contact.email, 2);
    const reused = await other.post('/portal/login/code', { intent: 'verify', code });
    expect(reused.status).toBe(401);

    // A newer code replaces the one before it.
    await other.post('/portal/login/code', { intent: 'resend' });
    const third = await latestCode(contact.email, 3);
    if (third !== second) {
      const replaced = await other.post('/portal/login/code', { intent: 'verify', code: second });
      expect(replaced.status).toBe(401);
    }
    // And a code that ran out of time does not work.
    await db().nativeUpdate(
      PortalSignInCode,
      { contact: contact.contactId, usedAt: null, voidedAt: null },
      { expiresAt: new Date(Date.now() - 1000) },
    );
    const expired = await other.post('/portal/login/code', { intent: 'verify', code: third });
    expect(expired.status).toBe(401);
    expect(visibleText(await expired.text())).toContain('This code has expired');
  });

  it('answer the same for an address without a portal, and send nothing', async () => {
    const nobody = `nobody-${randomUUID().slice(0, 8)}@example.test`;
    const browser = new HttpSession(platform.web.url);
    const requested = await browser.post('/portal/login', { intent: 'code', email: nobody });
    expect(requested.status).toBe(302);
    expect(locationOf(requested)).toBe('/portal/login/code');
    expect(visibleText((await browser.page('/portal/login/code')).html)).toContain(
      'If this email address has a client portal',
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await listEmails(nobody)).toHaveLength(0);
  });

  it('let a person whose address opens two accounts choose one, and only those', async () => {
    const email = `two-${randomUUID().slice(0, 8)}@example.test`;
    const personal = await newContact('personal', email);
    const business = await newContact('business', email);
    const browser = new HttpSession(platform.web.url);
    await browser.post('/portal/login', { intent: 'code', email });
    const code = await latestCode(email, 1);
    const verified = await browser.post('/portal/login/code', { intent: 'verify', code });
    expect(locationOf(verified)).toBe('/portal/login/choose');
    const chooser = await browser.page('/portal/login/choose');
    expect(chooser.html).toContain(personal.contactId);
    expect(chooser.html).toContain(business.contactId);

    const stranger = await newContact('stranger');
    const refused = await browser.post('/portal/login/choose', { contactId: stranger.contactId });
    expect(refused.status).toBe(400);

    const chosen = await browser.post('/portal/login/choose', { contactId: business.contactId });
    expect(locationOf(chosen)).toBe('/portal');
    const session = await db().findOneOrFail(
      AuthSession,
      { contact: business.contactId, revokedAt: null },
      { orderBy: { createdAt: 'desc' } },
    );
    expect(session.subjectKind).toBe('portal');
  });
});

describe('throttling', () => {
  it('refuses sign-in after five wrong passwords, even with the right one, and records it', async () => {
    const contact = await newContact('throttle');
    const browser = new HttpSession(platform.web.url);
    await openInvitation(browser, contact.contactId);
    await setPassword(browser);
    const attacker = new HttpSession(platform.web.url);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      const response = await attacker.post('/portal/login', {
        intent: 'password',
        email: contact.email,
        password: `wrong guess ${i}`,
      });
      statuses.push(response.status);
    }
    expect(statuses.slice(0, 4)).toEqual([401, 401, 401, 401]);
    expect(statuses[4]).toBe(429);
    const blocked = await attacker.post('/portal/login', {
      intent: 'password',
      email: contact.email,
      password: strongPassword,
    });
    expect(blocked.status).toBe(429);
    expect(visibleText(await blocked.text())).toMatch(/Too many attempts\. Try again in \d+ minutes?\./);
    expect(await auditActions(contact.contactId)).toContain('portal.throttled');
  });

  it('limits how many sign-in codes one address can be sent', async () => {
    const contact = await newContact('codelimit');
    const browser = new HttpSession(platform.web.url);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i += 1) {
      statuses.push((await browser.post('/portal/login', { intent: 'code', email: contact.email })).status);
    }
    expect(statuses.slice(0, 5)).toEqual([302, 302, 302, 302, 302]);
    expect(statuses[5]).toBe(429);
    await waitForEmails(contact.email, 5);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await listEmails(contact.email)).toHaveLength(5);
  });
});

describe('the optional authenticator app', () => {
  it('once set up, is asked for after every first step, and nothing opens before it', async () => {
    const contact = await newContact('totp');
    const browser = new HttpSession(platform.web.url);
    await openInvitation(browser, contact.contactId);
    await setPassword(browser);

    const setup = await browser.post('/portal/account', { intent: 'totp_start' });
    expect(setup.status).toBe(200);
    const html = await setup.text();
    expect(html).toContain('data:image/svg+xml;base64,');
    const secret = /Enter this key in the app instead: <code>([A-Z2-7 ]+)<\/code>/
      .exec(html)?.[1]
      ?.replaceAll(' ', '');
    if (!secret) throw new Error('no authenticator key on the page');

    const wrong = await browser.post('/portal/account', { intent: 'totp_confirm', code: '000000' });
    expect(wrong.status).toBe(400);
    const confirmed = await browser.post('/portal/account', {
      intent: 'totp_confirm',
      code: totpCode(secret),
    });
    expect(locationOf(confirmed)).toBe('/portal/account?saved=totp');
    const confirmedStep = totpStep();

    await browser.post('/portal/logout', {});
    const password = await browser.post('/portal/login', {
      intent: 'password',
      email: contact.email,
      password: strongPassword,
    });
    expect(locationOf(password)).toBe('/portal/login/verify');
    // Between the password and the app's code, no portal page opens.
    const early = await browser.get('/portal');
    expect(early.status).toBe(302);
    expect(locationOf(early)).toBe('/portal/login/verify');
    expect((await browser.get('/portal/account')).status).toBe(302);

    const bad = await browser.post('/portal/login/verify', { code: '000000' });
    expect(bad.status).toBe(401);
    // The code that confirmed the app was seen: the next step's code is needed.
    const next = new Date((confirmedStep + 1) * 30_000 + 1000);
    const wait = next.getTime() - 30_000 - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const good = await browser.post('/portal/login/verify', { code: totpCode(secret, next) });
    expect(good.status).toBe(302);
    expect(locationOf(good)).toBe('/portal');
    expect((await browser.page('/portal')).status).toBe(200);
    // The code just used does not sign in a second time.
    const replay = new HttpSession(platform.web.url);
    await replay.post('/portal/login', {
      intent: 'password',
      email: contact.email,
      password: strongPassword,
    });
    expect((await replay.post('/portal/login/verify', { code: totpCode(secret, next) })).status).toBe(401);

    // An invitation link asks for it too.
    const viaLink = new HttpSession(platform.web.url);
    const opened = await openInvitation(viaLink, contact.contactId);
    expect(locationOf(opened)).toBe('/portal/login/verify');
    expect((await viaLink.page('/portal/engagements/00000000-0000-4000-8000-000000000000')).status).toBe(302);

    // Removing the app takes a current code from it; afterwards the password alone signs in.
    // Codes up to the step after the current one are accepted: wait for the step after the confirmation.
    const later = (confirmedStep + 1) * 30_000 + 500 - Date.now();
    if (later > 0) await new Promise((resolve) => setTimeout(resolve, later));
    const notRemoved = await browser.post('/portal/account', { intent: 'totp_remove', code: '000000' });
    expect(notRemoved.status).toBe(400);
    const removed = await browser.post('/portal/account', {
      intent: 'totp_remove',
      code: totpCode(secret, new Date((confirmedStep + 2) * 30_000 + 1000)),
    });
    expect(locationOf(removed)).toBe('/portal/account?saved=totp-removed');
    const plain = new HttpSession(platform.web.url);
    const signedIn = await plain.post('/portal/login', {
      intent: 'password',
      email: contact.email,
      password: strongPassword,
    });
    expect(locationOf(signedIn)).toBe('/portal');

    expect(await auditActions(contact.contactId)).toEqual(
      expect.arrayContaining(['portal.totp_enrolled', 'portal.signed_in', 'portal.totp_removed']),
    );
  }, 120_000);
});

describe('an old bookmark without a session', () => {
  it('goes to the sign-in page and, after signing in, back to the bookmarked page', async () => {
    const contact = await newContact('bookmark');
    const first = new HttpSession(platform.web.url);
    await openInvitation(first, contact.contactId);
    expect((await setPassword(first)).status).toBe(302);

    const browser = new HttpSession(platform.web.url);
    const bookmarked = await browser.get('/portal/account?tab=security');
    expect(bookmarked.status).toBe(302);
    const signInPath = locationOf(bookmarked);
    expect(signInPath).toBe('/portal/login?redirectTo=%2Fportal%2Faccount%3Ftab%3Dsecurity');
    const login = await browser.page(signInPath);
    expect(login.status).toBe(200);
    expect(visibleText(login.html)).toContain('Please sign in to open that page');
    const signedIn = await browser.post('/portal/login', {
      intent: 'password',
      email: contact.email,
      password: strongPassword,
    });
    expect(signedIn.status).toBe(302);
    expect(locationOf(signedIn)).toBe('/portal/account?tab=security');
    expect((await browser.page('/portal/account?tab=security')).status).toBe(200);

    // Used once: the next sign-in goes home.
    await browser.post('/portal/logout', {});
    await browser.page('/portal/login');
    const again = await browser.post('/portal/login', {
      intent: 'password',
      email: contact.email,
      password: strongPassword,
    });
    expect(locationOf(again)).toBe('/portal');
  });

  it('goes back to the bookmarked page after the authenticator app’s code too', async () => {
    const contact = await newContact('bookmark-totp');
    const first = new HttpSession(platform.web.url);
    await openInvitation(first, contact.contactId);
    expect((await setPassword(first)).status).toBe(302);
    const setup = await (await first.post('/portal/account', { intent: 'totp_start' })).text();
    const secret = /Enter this key in the app instead: <code>([A-Z2-7 ]+)<\/code>/
      .exec(setup)?.[1]
      ?.replaceAll(' ', '');
    if (!secret) throw new Error('no authenticator key on the page');
    const confirmed = await first.post('/portal/account', { intent: 'totp_confirm', code: totpCode(secret) });
    expect(locationOf(confirmed)).toBe('/portal/account?saved=totp');
    const confirmedStep = totpStep();

    const browser = new HttpSession(platform.web.url);
    const bookmarked = await browser.get('/portal/account?tab=security');
    expect(locationOf(bookmarked)).toBe('/portal/login?redirectTo=%2Fportal%2Faccount%3Ftab%3Dsecurity');
    await browser.page(locationOf(bookmarked));
    const password = await browser.post('/portal/login', {
      intent: 'password',
      email: contact.email,
      password: strongPassword,
    });
    expect(locationOf(password)).toBe('/portal/login/verify');
    // The confirming code's step was used: the next step's code (accepted one step early) signs in.
    const next = new Date((confirmedStep + 1) * 30_000 + 1000);
    const verified = await browser.post('/portal/login/verify', { code: totpCode(secret, next) });
    expect(verified.status).toBe(302);
    expect(locationOf(verified)).toBe('/portal/account?tab=security');
    expect((await browser.page('/portal/account?tab=security')).status).toBe(200);
  });

  it('never sends anyone to another site or out of the portal after sign-in', async () => {
    const contact = await newContact('offsite');
    const first = new HttpSession(platform.web.url);
    await openInvitation(first, contact.contactId);
    expect((await setPassword(first)).status).toBe(302);
    for (const redirectTo of [
      'https://evil.example/portal',
      '//evil.example/portal',
      '/\\evil.example/portal',
      '/app/clients',
      '/portal/login/verify',
      '/portalx',
    ]) {
      const browser = new HttpSession(platform.web.url);
      const login = await browser.page(`/portal/login?${new URLSearchParams({ redirectTo }).toString()}`);
      expect(login.status).toBe(200);
      expect(visibleText(login.html)).not.toContain('Please sign in to open that page');
      const signedIn = await browser.post('/portal/login', {
        intent: 'password',
        email: contact.email,
        password: strongPassword,
      });
      expect(locationOf(signedIn), redirectTo).toBe('/portal');
    }
  });

  it('keeps answering 401 to an upload call and a form post', async () => {
    const stranger = new HttpSession(platform.web.url);
    await stranger.page('/portal/login');
    const upload = await stranger.fetch('/portal/uploads', {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Accept: 'application/json',
        Origin: new URL(platform.web.url).origin,
        'X-CSRF-Token': await stranger.csrfToken(),
      },
      body: JSON.stringify({ fileName: 'a.pdf', contentType: 'application/pdf', sizeBytes: 10 }),
    });
    expect(upload.status).toBe(401);
    const post = await stranger.post('/portal/account', { intent: 'password' });
    expect(post.status).toBe(401);
    expect(visibleText(await post.text())).toContain('Please sign in');
  });
});

describe('signing out', () => {
  it('revokes the session on the server: the old cookie opens nothing', async () => {
    const contact = await newContact('signout');
    const browser = new HttpSession(platform.web.url);
    await openInvitation(browser, contact.contactId);
    const cookie = browser.cookie('cpa_portal_session')!;
    await browser.post('/portal/logout', {});
    const replay = await fetch(new URL('/portal/account', platform.web.url), {
      headers: { Cookie: `cpa_portal_session=${cookie}` },
      redirect: 'manual',
    });
    expect(replay.status).toBe(302);
    expect(locationOf(replay)).toBe('/portal/login?redirectTo=%2Fportal%2Faccount');
    const session = await db().findOneOrFail(AuthSession, { contact: contact.contactId });
    expect(session.revokedReason).toBe('signed_out');
  });
});
