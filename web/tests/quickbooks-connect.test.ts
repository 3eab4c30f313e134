/**
 * Connecting QuickBooks end to end over HTTP: the staff settings page, the one-time `state` bound to
 * the staff session, the local QuickBooks sandbox's consent page, the callback storing encrypted
 * tokens, token rotation, a revoked connection turning into "reconnect needed" (page, task),
 * reconnecting, and disconnecting. Real web server, Postgres, Redis and the stack's sandbox.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditEvent } from '../../db/audit/audit-event.entity';
import { Client } from '../../db/clients/client.entity';
import { Contact } from '../../db/clients/contact.entity';
import { createConnectionTokenSource } from '../../db/integrations/connection-token-source';
import { IntegrationConnection } from '../../db/integrations/integration-connection.entity';
import { demoLogins } from '../../db/seed/demo-logins';
import { Task } from '../../db/tasks/task.entity';
import { forSystem, forTenant } from '../../db/tenancy/tenant-context';
import { withPgClient } from '../../infra/local/pg-client';
import { createLedger } from '../../integrations/ledger/create-ledger';
import { ledgerConfigFromEnv, ledgerEnvFields } from '../../integrations/ledger/ledger-env';
import { signIntuitPayload } from '../../integrations/ledger/quickbooks/webhooks';
import { localSandboxApp } from '../../integrations/ledger/ledger-env';
import { z } from 'zod';
import { signInPortalContact } from './support/access-fixtures';
import { HttpSession, locationOf, signInStaff, visibleText } from './support/http-session';
import { approveInSandbox, sandboxAdmin, sandboxUrl } from './support/quickbooks-sandbox-admin';
import { startTestPlatform, type TestPlatform } from './support/test-platform';

const owner = demoLogins.find((login) => login.role === 'owner')!;
const admin = demoLogins.find((login) => login.role === 'admin')!;
const preparer = demoLogins.find((login) => login.role === 'preparer')!;
const settings = '/app/settings/integrations';

let platform: TestPlatform;
let staff: HttpSession;
let clients: { id: string; displayName: string }[];
let databaseUrl: string;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor<T>(
  what: string,
  probe: () => Promise<T | null | undefined | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(150);
  }
}

function em() {
  return forTenant(platform.orm, platform.demoFirmId);
}

async function connection(clientId: string) {
  return em().findOne(
    IntegrationConnection,
    { client: clientId, provider: 'quickbooks' },
    { populate: ['accessToken', 'refreshToken'], orderBy: { updatedAt: 'desc' } },
  );
}

/** The ledger the web app uses (same env), for the refresh the worker would do. */
function ledger() {
  const env = z.object(ledgerEnvFields('test')).parse({ QUICKBOOKS_SANDBOX_URL: sandboxUrl() });
  return createLedger(ledgerConfigFromEnv(env, platform.web.url)!);
}

/** Staff clicks "Connect QuickBooks" for a client, approves `realmId` in the sandbox, and comes back. */
async function connectThroughSettings(session: HttpSession, clientId: string, realmId: string) {
  const start = await session.get(`${settings}/quickbooks/connect?clientId=${clientId}`);
  expect(start.status).toBe(302);
  const authorizeUrl = start.headers.get('location')!;
  const approved = await approveInSandbox(authorizeUrl, realmId);
  const callback = new URL(approved.location);
  const back = await session.get(`${callback.pathname}${callback.search}`);
  return { authorizeUrl, callback, back, consentPage: approved.page };
}

beforeAll(async () => {
  platform = await startTestPlatform({
    name: 'quickbooks connect',
    reminders: { intervalsSeconds: [86_400], followUpAfterSeconds: 86_400 },
  });
  databaseUrl = platform.orm.config.get('clientUrl') ?? '';
  clients = (
    await forSystem(platform.orm, 'test assertions').find(
      Client,
      { organization: platform.demoFirmId },
      { fields: ['id', 'displayName'], orderBy: { displayName: 'asc' }, limit: 6 },
    )
  ).map((c) => ({ id: c.id, displayName: c.displayName }));
  staff = new HttpSession(platform.web.url);
  expect((await signInStaff(staff, owner)).status).toBe(302);
}, 120_000);

afterAll(async () => {
  await platform?.stop();
});

describe('connecting QuickBooks from Settings → Integrations', () => {
  it('connects a client: state bound to the session, the sandbox consent page, tokens stored encrypted', async () => {
    const client = clients[0]!;
    const realm = await sandboxAdmin.createRealm(`Connect Test ${randomBytes(3).toString('hex')}`);

    const search = await staff.page(`${settings}?q=${encodeURIComponent(client.displayName)}`);
    expect(search.status).toBe(200);
    const text = visibleText(search.html);
    expect(text).toContain(client.displayName);
    expect(text).toContain('Not connected to QuickBooks');
    expect(search.html).toContain(`${settings}/quickbooks/connect?clientId=${client.id}`);

    const { authorizeUrl, callback, back, consentPage } = await connectThroughSettings(
      staff,
      client.id,
      realm.id,
    );
    const authorize = new URL(authorizeUrl);
    expect(`${authorize.origin}${authorize.pathname}`).toBe(`${sandboxUrl()}/connect/oauth2`);
    expect(authorize.searchParams.get('client_id')).toBe(localSandboxApp.clientId);
    expect(authorize.searchParams.get('redirect_uri')).toBe(
      `${platform.web.env.PUBLIC_URL}/oauth/quickbooks/callback`,
    );
    expect(authorize.searchParams.get('scope')).toBe('com.intuit.quickbooks.accounting');
    expect(authorize.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(consentPage).toContain(realm.companyName);
    expect(callback.searchParams.get('realmId')).toBe(realm.id);
    expect(back.status).toBe(302);
    expect(locationOf(back)).toBe(`${settings}?quickbooks=connected`);

    const page = visibleText((await staff.page(locationOf(back))).html);
    expect(page).toContain('QuickBooks is connected.');
    expect(page).toContain(realm.companyName);
    expect(page).toContain(`Company ID ${realm.id}`);

    const stored = (await connection(client.id))!;
    expect(stored).toMatchObject({
      status: 'connected',
      externalId: realm.id,
      companyName: realm.companyName,
      tokenVersion: 1,
    });
    expect(stored.accessTokenExpiresAt!.getTime()).toBeGreaterThan(Date.now() + 3000_000);
    const raw = await withPgClient(databaseUrl, (pg) =>
      pg.query<{ access_token: string; refresh_token: string }>(
        'SELECT access_token, refresh_token FROM integration_connection WHERE id = $1',
        [stored.id],
      ),
    );
    expect(raw.rows[0]!.access_token).toMatch(/^enc:v1:/);
    expect(raw.rows[0]!.refresh_token).toMatch(/^enc:v1:/);
    expect(raw.rows[0]!.refresh_token).not.toContain(stored.refreshToken!.reveal());
    expect(await em().count(AuditEvent, { action: 'integration.connected', targetId: stored.id })).toBe(1);

    // The stored refresh token is the live one: refreshing rotates it and saves the new pair.
    const tokens = createConnectionTokenSource({
      orm: platform.orm,
      organizationId: platform.demoFirmId,
      connectionId: stored.id,
      refresh: (refreshToken) => ledger().refreshTokens(refreshToken),
      refreshMarginMs: 2 * 3600_000,
    });
    const access = await tokens.accessToken();
    const rotated = (await connection(client.id))!;
    expect(rotated.tokenVersion).toBe(2);
    expect(rotated.refreshToken!.reveal()).not.toBe(stored.refreshToken!.reveal());
    expect(access.equals(rotated.accessToken!)).toBe(true);
    expect((await ledger().refreshTokens(stored.refreshToken!)).ok).toBe(false);
  });

  it('uses a state once, only in the session that started it, and says so when it is not', async () => {
    const client = clients[1]!;
    const realm = await sandboxAdmin.createRealm(`State Test ${randomBytes(3).toString('hex')}`);
    const start = await staff.get(`${settings}/quickbooks/connect?clientId=${client.id}`);
    const approved = await approveInSandbox(start.headers.get('location')!, realm.id);
    const callback = new URL(approved.location);
    const callbackPath = `${callback.pathname}${callback.search}`;

    // Another staff member (another session) presents it: refused, and it is used up.
    const other = new HttpSession(platform.web.url);
    await signInStaff(other, admin);
    const stolen = await other.get(callbackPath);
    expect(locationOf(stolen)).toBe(`${settings}?quickbooks=wrong_session`);
    expect(visibleText((await other.page(locationOf(stolen))).html)).toContain(
      'started by someone else or in another session',
    );
    const again = await staff.get(callbackPath);
    expect(locationOf(again)).toBe(`${settings}?quickbooks=expired`);
    expect(visibleText((await staff.page(locationOf(again))).html)).toContain('valid for 10 minutes, once');
    expect(await connection(client.id)).toBeNull();

    const unknown = await staff.get(
      `/oauth/quickbooks/callback?code=x&realmId=${realm.id}&state=${'A'.repeat(43)}`,
    );
    expect(locationOf(unknown)).toBe(`${settings}?quickbooks=expired`);
    const missing = await staff.get(`/oauth/quickbooks/callback?code=x&realmId=${realm.id}`);
    expect(locationOf(missing)).toBe(`${settings}?quickbooks=expired`);

    // Cancelling on the consent page changes nothing and says so.
    const cancelStart = await staff.get(`${settings}/quickbooks/connect?clientId=${client.id}`);
    const denied = await approveInSandbox(cancelStart.headers.get('location')!, realm.id, 'deny');
    const deniedUrl = new URL(denied.location);
    const cancelled = await staff.get(`${deniedUrl.pathname}${deniedUrl.search}`);
    expect(locationOf(cancelled)).toBe(`${settings}?quickbooks=cancelled`);
    expect(await connection(client.id)).toBeNull();
  });

  it('refuses to connect one QuickBooks company to a second client', async () => {
    const [first, second] = [clients[2]!, clients[3]!];
    const realm = await sandboxAdmin.createRealm(`Shared Co ${randomBytes(3).toString('hex')}`);
    expect(locationOf((await connectThroughSettings(staff, first.id, realm.id)).back)).toBe(
      `${settings}?quickbooks=connected`,
    );
    const taken = await connectThroughSettings(staff, second.id, realm.id);
    expect(locationOf(taken.back)).toBe(`${settings}?quickbooks=company_taken`);
    expect(await connection(second.id)).toBeNull();
  });

  it('shows a revoked connection as "reconnect needed" with the reason and a task, and reconnecting restores it', async () => {
    const client = clients[4]!;
    const realm = await sandboxAdmin.createRealm(`Revoked Co ${randomBytes(3).toString('hex')}`);
    await connectThroughSettings(staff, client.id, realm.id);
    const stored = (await connection(client.id))!;

    // The client removes the app in QuickBooks; the next QuickBooks call (here: a webhook's read of
    // the changed purchase) finds the tokens refused and the refresh token revoked.
    await sandboxAdmin.revokeGrants(realm.id);
    await sandboxAdmin.expireAccessTokens(realm.id);
    const body = JSON.stringify([
      {
        specversion: '1.0',
        id: `evt-${randomBytes(6).toString('hex')}`,
        source: 'intuit.test',
        type: 'qbo.purchase.updated.v1',
        time: new Date().toISOString(),
        intuitentityid: '30',
        intuitaccountid: realm.id,
        data: {},
      },
    ]);
    const delivery = await fetch(`${platform.web.url}/webhooks/quickbooks`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'intuit-signature': signIntuitPayload(body, localSandboxApp.webhookVerifierToken),
      },
      body,
    });
    expect(delivery.status).toBe(200);
    const broken = await waitFor('reconnect needed', async () => {
      const current = await connection(client.id);
      return current?.status === 'reconnect_needed' ? current : null;
    });
    expect(broken.statusReason).toMatch(/no longer accepts/);

    const page = visibleText((await staff.page(settings)).html);
    expect(page).toContain(
      `Reconnect needed: QuickBooks stopped accepting the connection of ${client.displayName}`,
    );
    expect(page).toContain('Reconnect needed');
    expect(page).toContain('no longer accepts');
    const [task] = await em().find(Task, { client: client.id, key: { $like: 'ledger-reconnect:%' } });
    expect(task).toMatchObject({
      title: `Reconnect QuickBooks for ${client.displayName}`,
      status: 'open',
      kind: 'follow_up',
    });

    const reconnected = await connectThroughSettings(staff, client.id, realm.id);
    expect(locationOf(reconnected.back)).toBe(`${settings}?quickbooks=connected`);
    const after = (await connection(client.id))!;
    expect(after).toMatchObject({ id: stored.id, status: 'connected', statusReason: null });
    expect(after.tokenVersion).toBeGreaterThan(broken.tokenVersion);
    expect((await em().findOneOrFail(Task, { id: task!.id })).status).toBe('done');
    expect(await em().count(AuditEvent, { action: 'integration.reconnected', targetId: stored.id })).toBe(1);
  });

  it('disconnects: revokes the grant at QuickBooks and erases the tokens', async () => {
    const client = clients[5]!;
    const realm = await sandboxAdmin.createRealm(`Disconnect Co ${randomBytes(3).toString('hex')}`);
    await connectThroughSettings(staff, client.id, realm.id);
    const stored = (await connection(client.id))!;
    const refreshToken = stored.refreshToken!;

    const response = await staff.post(settings, { intent: 'disconnect', connectionId: stored.id });
    expect(response.status).toBe(302);
    expect(locationOf(response)).toBe(`${settings}?quickbooks=disconnected`);
    const after = (await connection(client.id))!;
    expect(after).toMatchObject({ status: 'disconnected', accessToken: null, refreshToken: null });
    expect(after.statusReason).toMatch(/^Disconnected by /);
    expect((await ledger().refreshTokens(refreshToken)).ok).toBe(false);
    expect(visibleText((await staff.page(locationOf(response))).html)).toContain(
      'QuickBooks was disconnected.',
    );

    const nonsense = await staff.post(settings, { intent: 'disconnect', connectionId: 'not-an-id' });
    expect(nonsense.status).toBe(400);
  });

  it('lets a client connect their own QuickBooks from the portal, with the state bound to their sign-in', async () => {
    const [client] = await forSystem(platform.orm, 'test assertions').find(
      Client,
      { organization: platform.demoFirmId },
      { fields: ['id', 'displayName'], orderBy: { displayName: 'desc' }, limit: 1 },
    );
    const contact = await em().findOneOrFail(
      Contact,
      { client: client!.id },
      { orderBy: { createdAt: 'asc' } },
    );
    const portal = new HttpSession(platform.web.url);
    await signInPortalContact(portal, platform.orm, {
      organizationId: platform.demoFirmId,
      contactId: contact.id,
    });
    const page = await portal.page('/portal/connect/quickbooks');
    expect(page.status).toBe(200);
    expect(visibleText(page.html)).toContain('Connect your QuickBooks Online company');

    const realm = await sandboxAdmin.createRealm(`Portal Co ${randomBytes(3).toString('hex')}`);
    const start = await portal.get('/portal/connect/quickbooks?start=1');
    expect(start.status).toBe(302);
    const approved = await approveInSandbox(start.headers.get('location')!, realm.id);
    const callback = new URL(approved.location);
    // Staff cannot finish a connection a client started (and the state is then used up).
    const replay = new URL(callback);
    expect(locationOf(await staff.get(`${replay.pathname}${replay.search}`))).toBe(
      '/portal/connect/quickbooks?quickbooks=wrong_session',
    );

    const again = await portal.get('/portal/connect/quickbooks?start=1');
    const second = new URL((await approveInSandbox(again.headers.get('location')!, realm.id)).location);
    const back = await portal.get(`${second.pathname}${second.search}`);
    expect(locationOf(back)).toBe('/portal/connect/quickbooks?quickbooks=connected');
    const done = visibleText((await portal.page(locationOf(back))).html);
    expect(done).toContain('QuickBooks is connected.');
    expect(done).toContain(`${realm.companyName} is connected`);
    expect(await connection(client!.id)).toMatchObject({ status: 'connected', externalId: realm.id });
    expect(
      await em().count(AuditEvent, {
        action: 'integration.connected',
        actorType: 'contact',
        actorId: contact.id,
      }),
    ).toBe(1);
  });

  it('is not there for staff without integrations.manage', async () => {
    const session = new HttpSession(platform.web.url);
    await signInStaff(session, preparer);
    expect((await session.get(settings)).status).toBe(404);
    expect((await session.get(`${settings}/quickbooks/connect?clientId=${clients[0]!.id}`)).status).toBe(404);
  });
});
