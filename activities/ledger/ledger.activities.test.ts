/**
 * Ledger activities on a real database against the local QuickBooks sandbox: categorizing once,
 * change data capture cursors, token refresh with rotation saved atomically (concurrent refreshes
 * included), "reconnect needed" with a staff task, and how failures reach Temporal.
 */
import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/activity';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { systemActor } from '../../db/audit/actor';
import { AuditEvent } from '../../db/audit/audit-event.entity';
import { createClient } from '../../db/clients/create-client';
import { connectLedgerCompany } from '../../db/integrations/connect-ledger-company';
import { IntegrationConnection } from '../../db/integrations/integration-connection.entity';
import { saveRefreshedTokens } from '../../db/integrations/save-refreshed-tokens';
import { Organization, defaultOrganizationSettings } from '../../db/organizations/organization.entity';
import { createOrm, type Orm } from '../../db/orm';
import { Task } from '../../db/tasks/task.entity';
import { forSystem, forTenant } from '../../db/tenancy/tenant-context';
import { startQuickbooksSandbox, type QuickbooksSandbox } from '../../infra/local/quickbooks-sandbox/server';
import { createLedger } from '../../integrations/ledger/create-ledger';
import type { Ledger, TLedgerGrant } from '../../integrations/ledger/ledger';
import { localSandboxApp, type TLedgerConfig } from '../../integrations/ledger/ledger-env';
import { RealmLimiter } from '../../integrations/ledger/quickbooks/realm-limiter';
import { SensitiveString } from '../../lib/crypto/sensitive-string';
import { withPgClient } from '../../infra/local/pg-client';
import { createTestDatabase, dropTestDatabase } from '../../tests/support/databases';
import { createLedgerActivities, monthBounds } from './ledger.activities';
import { ledgerReconnectNeededFailureType } from './ledger-failures';

let url: string;
let orm: Orm;
let sandbox: QuickbooksSandbox;
let ledger: Ledger;
let firmId: string;
let realmSeq = 0;

function ledgerConfig(): TLedgerConfig {
  return {
    mode: 'local',
    clientId: localSandboxApp.clientId,
    clientSecret: new SensitiveString(localSandboxApp.clientSecret),
    webhookVerifierToken: new SensitiveString(localSandboxApp.webhookVerifierToken),
    environment: 'sandbox',
    apiBaseUrl: sandbox.url,
    oauthEndpoints: {
      authorize: `${sandbox.url}/connect/oauth2`,
      token: `${sandbox.url}/oauth2/v1/tokens/bearer`,
      revoke: `${sandbox.url}/v2/oauth2/tokens/revoke`,
    },
    redirectUri: 'http://127.0.0.1:3998/oauth/quickbooks/callback',
  };
}

async function authorize(realmId: string): Promise<TLedgerGrant> {
  const authorizeUrl = new URL(ledger.authorizationUrl('state'));
  const approved = await fetch(`${sandbox.url}/connect/oauth2`, {
    method: 'POST',
    redirect: 'manual',
    body: new URLSearchParams({
      ...Object.fromEntries(authorizeUrl.searchParams),
      realmId,
      decision: 'approve',
    }),
  });
  return ledger.exchangeCode(approved.headers.get('location') ?? '');
}

/** A client of the firm connected to a fresh sandbox company. */
async function connectedClient() {
  const realmId = `93410000000${String(++realmSeq).padStart(5, '0')}`;
  sandbox.createRealm({ id: realmId, companyName: `Activity Test Co ${realmSeq}`, months: 2 });
  const clientId = randomUUID();
  const em = forTenant(orm, firmId);
  await createClient(em, {
    organizationId: firmId,
    clientId,
    kind: 'business',
    displayName: `Activity Client ${realmSeq}`,
    contact: { id: randomUUID(), name: 'Dana Owner', email: `dana.${realmSeq}@example.test` },
    actor: systemActor,
  });
  const grant = await authorize(realmId);
  const connection = await connectLedgerCompany(forTenant(orm, firmId), {
    organizationId: firmId,
    clientId,
    provider: 'quickbooks',
    realmId,
    companyName: `Activity Test Co ${realmSeq}`,
    tokens: grant,
    actor: systemActor,
  });
  return {
    clientId,
    realmId,
    connectionId: connection.id,
    grant,
    input: { organizationId: firmId, clientId },
  };
}

const activities = () => createLedgerActivities({ ledger, orm });
const period = new Date().toISOString().slice(0, 7);

async function storedConnection(connectionId: string) {
  return forTenant(orm, firmId).findOneOrFail(
    IntegrationConnection,
    { id: connectionId },
    { populate: ['accessToken', 'refreshToken'] },
  );
}

beforeAll(async () => {
  url = await createTestDatabase('ledger activities');
  orm = await createOrm({ databaseUrl: url, poolMax: 4 });
  const em = forSystem(orm, 'test setup: create the firm');
  const firm = em.create(Organization, {
    name: 'Ledger Activities CPA',
    slug: 'ledger-activities',
    settings: defaultOrganizationSettings,
  });
  await em.flush();
  firmId = firm.id;
  sandbox = await startQuickbooksSandbox({
    apps: [localSandboxApp],
    realms: [{ id: '9341999999999999', companyName: 'Unused' }],
  });
  ledger = createLedger(ledgerConfig(), {
    limiter: new RealmLimiter(),
    sleep: () => Promise.resolve(),
    maxInProcessWaitMs: 5_000,
  });
});

afterAll(async () => {
  await sandbox?.stop();
  await orm?.close(true);
  if (url) await dropTestDatabase(url);
});

beforeEach(() => {
  sandbox.clearFaults();
  sandbox.resetStats();
});

describe('ledger activities', () => {
  it('lists the month’s uncategorized purchases and deposits and categorizes one once, even when retried', async () => {
    const { input, realmId } = await connectedClient();
    const waiting = await activities().listUncategorizedTransactions({ ...input, period });
    expect(waiting.length).toBeGreaterThan(0);
    expect(waiting.every((t) => t.txnDate >= monthBounds(period).startDate && t.amountMinor > 0)).toBe(true);
    const purchase = waiting.find((t) => t.entity === 'Purchase')!;
    const office = sandbox.entities(realmId, 'Account').find((a) => a.Name === 'Office Supplies')!;

    const answer = {
      ...input,
      entity: 'Purchase' as const,
      transactionId: purchase.id,
      lineId: purchase.lineId,
      accountId: String(office.Id),
      answerId: randomUUID(),
    };
    const first = await activities().categorizeTransaction(answer);
    const retried = await activities().categorizeTransaction(answer);
    expect(first).toEqual({ syncToken: String(Number(purchase.syncToken) + 1), changed: true });
    expect(retried).toEqual({ syncToken: first.syncToken, changed: false });
    const stored = sandbox.entity(realmId, 'Purchase', purchase.id)!;
    const [line] = stored.Line as { AccountBasedExpenseLineDetail: { AccountRef: unknown } }[];
    expect(line?.AccountBasedExpenseLineDetail.AccountRef).toEqual({
      value: office.Id,
      name: 'Office Supplies',
    });
    expect(
      sandbox.stats().requests.filter((r) => r.method === 'POST' && r.path.startsWith('/v3/')),
    ).toHaveLength(1);

    const after = await activities().listUncategorizedTransactions({ ...input, period });
    expect(after.find((t) => t.id === purchase.id && t.lineId === purchase.lineId)).toBeUndefined();
  });

  it('pulls what changed since the cursor and moves the cursor forward', async () => {
    const { input, realmId, connectionId } = await connectedClient();
    const first = await activities().pullLedgerChanges({ ...input, entities: ['Purchase', 'Deposit'] });
    expect(first.changes.length).toBeGreaterThan(0);
    const cursor = first.cursors.Purchase!;
    expect(Date.parse(cursor)).toBeGreaterThan(Date.now() - 60_000);

    const [deposit] = sandbox.entities(realmId, 'Deposit');
    await new Promise((resolve) => setTimeout(resolve, 10));
    sandbox.editEntity(realmId, 'Deposit', String(deposit!.Id), { PrivateNote: 'memo fixed' });
    const second = await activities().pullLedgerChanges({ ...input, entities: ['Purchase', 'Deposit'] });
    expect(second.changes).toEqual([
      expect.objectContaining({ entity: 'Deposit', id: deposit!.Id, syncToken: '1', deleted: false }),
    ]);
    const stored = await storedConnection(connectionId);
    expect(Date.parse(stored.syncCursors!.Deposit!)).toBeGreaterThanOrEqual(Date.parse(cursor));
  });

  it('reads the month’s reports with totals in cents that add up', async () => {
    const { input } = await connectedClient();
    const { totals, profitAndLoss } = await activities().fetchLedgerReports({ ...input, period });
    expect(profitAndLoss.startPeriod).toBe(monthBounds(period).startDate);
    expect(totals.assetsMinor).toBe(totals.liabilitiesAndEquityMinor);
    expect(totals.incomeMinor).toBeGreaterThan(0);
    expect(Number.isInteger(totals.netIncomeMinor)).toBe(true);
  });
});

describe('tokens', () => {
  it('refreshes an access token about to expire before using it, and stores the rotated pair encrypted', async () => {
    const { input, connectionId, grant } = await connectedClient();
    await forTenant(orm, firmId).nativeUpdate(
      IntegrationConnection,
      { id: connectionId },
      { accessTokenExpiresAt: new Date(Date.now() + 60_000) },
    );
    const before = await storedConnection(connectionId);

    await activities().checkLedgerConnection(input);
    const after = await storedConnection(connectionId);
    expect(after.tokenVersion).toBe(before.tokenVersion + 1);
    expect(after.refreshToken!.reveal()).not.toBe(grant.refreshToken.reveal());
    expect(after.accessTokenExpiresAt!.getTime()).toBeGreaterThan(Date.now() + 3000_000);
    expect(after.lastRefreshedAt).toBeInstanceOf(Date);

    const [raw] = await withPgClient(url, (client) =>
      client.query<{ access_token: string; refresh_token: string }>(
        'SELECT access_token, refresh_token FROM integration_connection WHERE id = $1',
        [connectionId],
      ),
    ).then((r) => r.rows);
    expect(raw!.access_token).toMatch(/^enc:v1:/);
    expect(raw!.refresh_token).toMatch(/^enc:v1:/);
    expect(raw!.refresh_token).not.toContain(after.refreshToken!.reveal());
  });

  it('renews after a 401 once and carries on', async () => {
    const { input, realmId, connectionId } = await connectedClient();
    sandbox.expireAccessTokens(realmId);
    await expect(activities().checkLedgerConnection(input)).resolves.toMatchObject({ realmId });
    expect((await storedConnection(connectionId)).status).toBe('connected');
  });

  it('keeps the newer refresh token when another process rotated it first (its save wins, ours uses theirs)', async () => {
    const { input, connectionId } = await connectedClient();
    await forTenant(orm, firmId).nativeUpdate(
      IntegrationConnection,
      { id: connectionId },
      { accessTokenExpiresAt: new Date() },
    );
    const start = await storedConnection(connectionId);
    let theirs: SensitiveString | undefined;
    const racing: Ledger = {
      ...ledger,
      async refreshTokens(refreshToken) {
        // Our refresh succeeds, but before we save, another process refreshes again from our new
        // token and saves first.
        const ours = await ledger.refreshTokens(refreshToken);
        if (!ours.ok) return ours;
        const other = await ledger.refreshTokens(ours.tokens.refreshToken);
        if (!other.ok) throw new Error(other.message);
        theirs = other.tokens.refreshToken;
        await saveRefreshedTokens(forTenant(orm, firmId), {
          organizationId: firmId,
          connectionId,
          expectedVersion: start.tokenVersion,
          tokens: other.tokens,
        });
        return ours;
      },
    };
    await createLedgerActivities({ ledger: racing, orm }).checkLedgerConnection(input);
    const after = await storedConnection(connectionId);
    expect(after.status).toBe('connected');
    expect(after.tokenVersion).toBe(start.tokenVersion + 1);
    expect(after.refreshToken!.reveal()).toBe(theirs!.reveal());
    expect((await ledger.refreshTokens(after.refreshToken!)).ok).toBe(true);
  });

  it('does not call a connection broken when its refresh token was refused because another process had just rotated it', async () => {
    const { input, connectionId } = await connectedClient();
    await forTenant(orm, firmId).nativeUpdate(
      IntegrationConnection,
      { id: connectionId },
      { accessTokenExpiresAt: new Date() },
    );
    const start = await storedConnection(connectionId);
    const racing: Ledger = {
      ...ledger,
      async refreshTokens(refreshToken) {
        // The other process refreshes with the same token first and saves; ours is then refused.
        const other = await ledger.refreshTokens(refreshToken);
        if (!other.ok) throw new Error(other.message);
        await saveRefreshedTokens(forTenant(orm, firmId), {
          organizationId: firmId,
          connectionId,
          expectedVersion: start.tokenVersion,
          tokens: other.tokens,
        });
        return ledger.refreshTokens(refreshToken);
      },
    };
    await createLedgerActivities({ ledger: racing, orm }).checkLedgerConnection(input);
    const after = await storedConnection(connectionId);
    expect(after.status).toBe('connected');
    expect(await forTenant(orm, firmId).count(Task, { client: input.clientId })).toBe(0);
  });

  it('moves a revoked connection to "reconnect needed" with the reason and one staff task, failing without retry', async () => {
    const { input, realmId, connectionId } = await connectedClient();
    sandbox.revokeGrants(realmId);
    sandbox.expireAccessTokens(realmId);
    const failure = await activities()
      .checkLedgerConnection(input)
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect((failure as ApplicationFailure).type).toBe(ledgerReconnectNeededFailureType);
    expect((failure as ApplicationFailure).nonRetryable).toBe(true);
    expect((failure as ApplicationFailure).message).toMatch(
      /QuickBooks must be connected again.*no longer accepts/,
    );

    const again = await activities()
      .listUncategorizedTransactions({ ...input, period })
      .catch((e: unknown) => e);
    expect((again as ApplicationFailure).type).toBe(ledgerReconnectNeededFailureType);

    const stored = await storedConnection(connectionId);
    expect(stored.status).toBe('reconnect_needed');
    expect(stored.statusReason).toMatch(/no longer accepts/);
    const tasks = await forTenant(orm, firmId).find(Task, { client: input.clientId });
    expect(tasks.map((t) => [t.title, t.kind, t.status])).toEqual([
      [expect.stringMatching(/^Reconnect QuickBooks for Activity Client/), 'follow_up', 'open'],
    ]);
    const audit = await forTenant(orm, firmId).find(AuditEvent, {
      targetId: connectionId,
      action: 'integration.reconnect_needed',
    });
    expect(audit).toHaveLength(1);
  });
});

describe('failure classification', () => {
  it('makes 429 with a long Retry-After a retryable failure whose next retry waits as asked', async () => {
    const { input, realmId } = await connectedClient();
    sandbox.queueFault({ realmId, status: 429, retryAfter: '90' });
    const failure = (await activities()
      .checkLedgerConnection(input)
      .catch((e: unknown) => e)) as ApplicationFailure;
    expect(failure.type).toBe('Ledger:rate_limited');
    expect(failure.nonRetryable).toBe(false);
    expect(failure.nextRetryDelay).toBe(90_000);
  });

  it('makes an outage that outlasts the in-process retries a retryable failure with a readable reason', async () => {
    const { input, realmId } = await connectedClient();
    sandbox.queueFault({ realmId, status: 503, count: 5 });
    const failure = (await activities()
      .checkLedgerConnection(input)
      .catch((e: unknown) => e)) as ApplicationFailure;
    expect(failure.type).toBe('Ledger:unavailable');
    expect(failure.nonRetryable).toBe(false);
    expect(failure.message).toMatch(/not answering properly/);
  });

  it('makes a validation fault, a missing line and a client without a connection non-retryable', async () => {
    const { input, realmId } = await connectedClient();
    sandbox.queueFault({
      realmId,
      status: 400,
      fault: { type: 'ValidationFault', code: '2050', message: 'Invalid Number' },
    });
    const invalid = (await activities()
      .checkLedgerConnection(input)
      .catch((e: unknown) => e)) as ApplicationFailure;
    expect([invalid.type, invalid.nonRetryable]).toEqual(['Ledger:validation', true]);

    const [purchase] = sandbox.entities(realmId, 'Purchase');
    const missingLine = (await activities()
      .categorizeTransaction({
        ...input,
        entity: 'Purchase',
        transactionId: String(purchase!.Id),
        lineId: '99',
        accountId: '1',
        answerId: 'a',
      })
      .catch((e: unknown) => e)) as ApplicationFailure;
    expect([missingLine.type, missingLine.nonRetryable]).toEqual(['AppError:not_found', true]);

    const nobody = (await activities()
      .checkLedgerConnection({ organizationId: firmId, clientId: randomUUID() })
      .catch((e: unknown) => e)) as ApplicationFailure;
    expect([nobody.type, nobody.nonRetryable]).toEqual(['AppError:not_found', true]);
    expect(nobody.message).toMatch(/no QuickBooks connection/);
  });
});
