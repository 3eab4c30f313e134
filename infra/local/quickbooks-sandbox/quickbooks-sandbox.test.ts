/**
 * The local QuickBooks sandbox over HTTP, as any client sees it: the OAuth exchange, the
 * Accounting API's JSON shapes (QueryResponse, Fault, string SyncTokens), reports computed from the
 * books, requestid replay, injected faults, rate limits and signed webhook deliveries.
 */
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startQuickbooksSandbox, type QuickbooksSandbox } from './server';

const app = { clientId: 'sandbox-test-app', clientSecret: 'sandbox-test-secret', name: 'Sandbox test app' };
const verifierToken = 'sandbox-test-verifier';
const realmId = '9341000000000001';
const redirectUri = 'http://127.0.0.1:9/callback';
const basic = `Basic ${Buffer.from(`${app.clientId}:${app.clientSecret}`).toString('base64')}`;

let sandbox: QuickbooksSandbox;
let receiver: Server;
let receiverUrl: string;
const received: { body: string; signature: string | undefined }[] = [];

async function tokenRequest(form: Record<string, string>, authorization = basic) {
  const response = await fetch(`${sandbox.url}/oauth2/v1/tokens/bearer`, {
    method: 'POST',
    headers: {
      Authorization: authorization,
      'Content-Type': 'application/x-www-form-urlencoded',
      Accept: 'application/json',
    },
    body: new URLSearchParams(form),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function connect(realm = realmId): Promise<{ access: string; refresh: string }> {
  const approve = await fetch(`${sandbox.url}/connect/oauth2`, {
    method: 'POST',
    redirect: 'manual',
    body: new URLSearchParams({
      client_id: app.clientId,
      redirect_uri: redirectUri,
      response_type: 'code',
      scope: 'com.intuit.quickbooks.accounting',
      state: 'state-1',
      realmId: realm,
      decision: 'approve',
    }),
  });
  const location = new URL(approve.headers.get('location') ?? '');
  const exchanged = await tokenRequest({
    grant_type: 'authorization_code',
    code: location.searchParams.get('code') ?? '',
    redirect_uri: redirectUri,
  });
  return { access: String(exchanged.body.access_token), refresh: String(exchanged.body.refresh_token) };
}

interface TEntity {
  Id: string;
  SyncToken: string;
  [field: string]: unknown;
}
interface TReportRow {
  group?: string;
  Summary?: { ColData: { value: string }[] };
}
/** The parts of the API's JSON these tests read. */
interface TApiBody {
  time?: string;
  Fault?: { type: string; Error: { code: string; Message: string; Detail?: string }[] };
  QueryResponse?: {
    Account?: TEntity[];
    Purchase?: TEntity[];
    totalCount?: number;
    startPosition?: number;
    maxResults?: number;
  };
  Purchase?: TEntity;
  Header?: Record<string, unknown>;
  Rows?: { Row: TReportRow[] };
}

async function api(token: string, path: string, init: RequestInit = {}) {
  const response = await fetch(`${sandbox.url}/v3/company/${realmId}/${path}`, {
    ...init,
    headers: {
      Authorization: `Bearer ${token}`,
      Accept: 'application/json',
      'Content-Type': 'application/json',
      ...init.headers,
    },
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as TApiBody };
}

const query = (token: string, statement: string) =>
  api(token, `query?query=${encodeURIComponent(statement)}&minorversion=75`);

beforeAll(async () => {
  receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({
        body: Buffer.concat(chunks).toString('utf8'),
        signature: request.headers['intuit-signature'] as string | undefined,
      });
      response.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  sandbox = await startQuickbooksSandbox({
    apps: [app],
    realms: [{ id: realmId, companyName: 'Sandbox Test Co', months: 3 }],
    webhook: { url: receiverUrl, verifierToken, batchWindowMs: 20, retryDelaysMs: [50] },
  });
});

afterAll(async () => {
  await sandbox?.stop();
  await new Promise<void>((resolve) => receiver?.close(() => resolve()));
});

describe('the sandbox OAuth server', () => {
  it('shows a consent page with the companies, and redirects back with code, state and realmId', async () => {
    const params = new URLSearchParams({
      client_id: app.clientId,
      redirect_uri: redirectUri,
      response_type: 'code',
      scope: 'com.intuit.quickbooks.accounting',
      state: 'abc',
    });
    const page = await fetch(`${sandbox.url}/connect/oauth2?${params}`);
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(html).toContain('Sandbox test app');
    expect(html).toContain('Sandbox Test Co');
    expect(html).toContain(`value="${realmId}"`);

    const approved = await fetch(`${sandbox.url}/connect/oauth2`, {
      method: 'POST',
      redirect: 'manual',
      body: new URLSearchParams({ ...Object.fromEntries(params), realmId, decision: 'approve' }),
    });
    const location = new URL(approved.headers.get('location') ?? '');
    expect(approved.status).toBe(302);
    expect(location.origin + location.pathname).toBe(redirectUri);
    expect(location.searchParams.get('state')).toBe('abc');
    expect(location.searchParams.get('realmId')).toBe(realmId);
    expect(location.searchParams.get('code')).toBeTruthy();

    const denied = await fetch(`${sandbox.url}/connect/oauth2`, {
      method: 'POST',
      redirect: 'manual',
      body: new URLSearchParams({ ...Object.fromEntries(params), realmId, decision: 'deny' }),
    });
    expect(new URL(denied.headers.get('location') ?? '').searchParams.get('error')).toBe('access_denied');
  });

  it('refuses an unknown app or a redirect URI the app did not register, on the page itself', async () => {
    const unknown = await fetch(
      `${sandbox.url}/connect/oauth2?client_id=nobody&redirect_uri=${encodeURIComponent(redirectUri)}`,
    );
    expect(unknown.status).toBe(400);
    expect(await unknown.text()).toContain('not registered');
  });

  it('exchanges a code once, rotates the refresh token on every refresh, and revokes the whole grant', async () => {
    const { access, refresh } = await connect();
    expect((await query(access, 'SELECT COUNT(*) FROM Account')).status).toBe(200);

    const refreshed = await tokenRequest({ grant_type: 'refresh_token', refresh_token: refresh });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.token_type).toBe('bearer');
    expect(refreshed.body.expires_in).toBe(3600);
    expect(refreshed.body.refresh_token).not.toBe(refresh);
    const reused = await tokenRequest({ grant_type: 'refresh_token', refresh_token: refresh });
    expect(reused).toEqual({ status: 400, body: { error: 'invalid_grant' } });

    const wrongSecret = await tokenRequest(
      { grant_type: 'refresh_token', refresh_token: String(refreshed.body.refresh_token) },
      `Basic ${Buffer.from(`${app.clientId}:wrong`).toString('base64')}`,
    );
    expect(wrongSecret).toEqual({ status: 401, body: { error: 'invalid_client' } });

    const revoke = await fetch(`${sandbox.url}/v2/oauth2/tokens/revoke`, {
      method: 'POST',
      headers: { Authorization: basic, 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ token: refreshed.body.refresh_token }),
    });
    expect(revoke.status).toBe(200);
    const afterRevoke = await query(String(refreshed.body.access_token), 'SELECT COUNT(*) FROM Account');
    expect(afterRevoke.status).toBe(401);
    expect(afterRevoke.body.Fault?.type).toBe('AuthenticationFault');
    expect(
      (
        await tokenRequest({
          grant_type: 'refresh_token',
          refresh_token: String(refreshed.body.refresh_token),
        })
      ).body,
    ).toEqual({
      error: 'invalid_grant',
    });
  });
});

describe('the sandbox Accounting API', () => {
  let token: string;
  beforeAll(async () => {
    token = (await connect()).access;
  });

  it('answers queries in QuickBooks JSON, with string SyncTokens, paging and an empty QueryResponse when nothing matches', async () => {
    const accounts = await query(token, "SELECT * FROM Account WHERE Name = 'Uncategorized Expense'");
    expect(accounts.status).toBe(200);
    expect(typeof accounts.body.time).toBe('string');
    const [account] = accounts.body.QueryResponse?.Account ?? [];
    expect(account).toMatchObject({
      Name: 'Uncategorized Expense',
      Classification: 'Expense',
      AccountType: 'Expense',
      SyncToken: '0',
    });
    expect(typeof account?.Id).toBe('string');

    const total = (await query(token, 'SELECT COUNT(*) FROM Purchase')).body.QueryResponse?.totalCount ?? 0;
    expect(total).toBeGreaterThan(10);
    const page2 = await query(
      token,
      'select * from Purchase orderby TxnDate DESC startposition 3 maxresults 2',
    );
    expect(page2.body.QueryResponse).toMatchObject({ startPosition: 3, maxResults: 2 });
    expect(page2.body.QueryResponse?.Purchase).toHaveLength(2);

    expect(
      (await query(token, "SELECT * FROM Purchase WHERE TxnDate < '1990-01-01'")).body.QueryResponse,
    ).toEqual({});
  });

  it('answers a query it cannot parse with a ValidationFault, and refuses more than 1,000 results a page', async () => {
    const bad = await query(token, "SELECT * FROM Purchase WHERE TxnDate = '2026-01-01' OR Id = '1'");
    expect(bad.status).toBe(400);
    expect(bad.body.Fault?.type).toBe('ValidationFault');
    expect(bad.body.Fault?.Error[0]?.code).toBe('4000');
    expect((await query(token, 'SELECT * FROM Purchase MAXRESULTS 1001')).body.Fault?.Error[0]?.code).toBe(
      '4001',
    );
  });

  it('refuses a stale SyncToken with fault 5010 and replays a requestid without writing twice', async () => {
    const purchase = (await query(token, 'SELECT * FROM Purchase MAXRESULTS 1')).body.QueryResponse!
      .Purchase![0]!;
    const update = (syncToken: string, requestId: string, note: string) =>
      api(token, `purchase?requestid=${requestId}&minorversion=75`, {
        method: 'POST',
        body: JSON.stringify({ Id: purchase.Id, SyncToken: syncToken, sparse: true, PrivateNote: note }),
      });
    const first = await update(purchase.SyncToken, 'req-1', 'first');
    expect(first.status).toBe(200);
    expect(first.body.Purchase?.SyncToken).toBe(String(Number(purchase.SyncToken) + 1));
    expect(first.body.Purchase?.Line).toEqual(purchase.Line);

    const replay = await update(purchase.SyncToken, 'req-1', 'first');
    expect(replay.body).toEqual(first.body);
    expect(sandbox.entity(realmId, 'Purchase', purchase.Id)?.SyncToken).toBe(first.body.Purchase?.SyncToken);

    const stale = await update(purchase.SyncToken, 'req-2', 'second');
    expect(stale.status).toBe(400);
    expect(stale.body.Fault?.Error[0]).toMatchObject({ code: '5010', Message: 'Stale Object Error' });
  });

  it('reports ProfitAndLoss and BalanceSheet from the books: net income adds up and the balance sheet balances', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const start = `${today.slice(0, 7)}-01`;
    const pnl = (
      await api(token, `reports/ProfitAndLoss?start_date=${start}&end_date=${today}&minorversion=75`)
    ).body;
    expect(pnl.Header).toMatchObject({
      ReportName: 'ProfitAndLoss',
      StartPeriod: start,
      EndPeriod: today,
      Currency: 'USD',
    });
    const total = (group: string, rows = pnl.Rows?.Row ?? []): number =>
      Number(rows.find((r) => r.group === group)?.Summary?.ColData[1]?.value ?? 0);
    expect(total('NetIncome')).toBeCloseTo(
      total('Income') - total('Expenses') + (total('OtherIncome') - total('OtherExpenses')),
      2,
    );

    const sheet = (
      await api(token, `reports/BalanceSheet?start_date=${start}&end_date=${today}&minorversion=75`)
    ).body;
    const [assets, liabilitiesAndEquity] = sheet.Rows?.Row ?? [];
    expect(assets?.group).toBe('TotalAssets');
    expect(liabilitiesAndEquity?.group).toBe('TotalLiabilitiesAndEquity');
    const amount = (row: TReportRow | undefined) => Number(row?.Summary?.ColData[1]?.value);
    expect(amount(assets)).toBeCloseTo(amount(liabilitiesAndEquity), 2);
  });

  it('keeps to 10 requests in flight per company: the 11th is answered 429 with a ThrottlingFault', async () => {
    sandbox.setLatency(150);
    try {
      const answers = await Promise.all(
        Array.from({ length: 11 }, () => query(token, 'SELECT COUNT(*) FROM Account')),
      );
      const throttled = answers.filter((a) => a.status === 429);
      expect(throttled).toHaveLength(1);
      expect(throttled[0]?.body.Fault?.type).toBe('ThrottlingFault');
    } finally {
      sandbox.setLatency(0);
    }
  });

  it('answers injected faults once each, with the Retry-After given', async () => {
    sandbox.queueFault({ status: 503, pathIncludes: 'query', retryAfter: '7' });
    const failed = await query(token, 'SELECT COUNT(*) FROM Account');
    expect(failed.status).toBe(503);
    expect(failed.headers.get('retry-after')).toBe('7');
    expect(failed.body.Fault?.type).toBe('SystemFault');
    expect((await query(token, 'SELECT COUNT(*) FROM Account')).status).toBe(200);
  });

  it('sends signed webhooks for changes, in the CloudEvents format and in the legacy format', async () => {
    received.length = 0;
    const [deposit] = sandbox.entities(realmId, 'Deposit');
    sandbox.editEntity(realmId, 'Deposit', String(deposit?.Id), { PrivateNote: 'edited in QuickBooks' });
    await sandbox.flushWebhooks();
    expect(received).toHaveLength(1);
    const [cloud] = received;
    const expected = createHmac('sha256', verifierToken).update(cloud!.body).digest('base64');
    expect(cloud!.signature).toBe(expected);
    expect(JSON.parse(cloud!.body)).toEqual([
      expect.objectContaining({
        specversion: '1.0',
        type: 'qbo.deposit.updated.v1',
        intuitentityid: deposit?.Id,
        intuitaccountid: realmId,
      }),
    ]);

    sandbox.setRealmWebhook(realmId, { url: receiverUrl, format: 'legacy' });
    sandbox.deleteEntity(realmId, 'Deposit', String(deposit?.Id));
    await sandbox.flushWebhooks();
    sandbox.setRealmWebhook(realmId, null);
    const legacy = JSON.parse(received[1]!.body) as { eventNotifications: unknown[] };
    expect(legacy.eventNotifications[0]).toMatchObject({
      realmId,
      dataChangeEvent: { entities: [{ name: 'Deposit', id: deposit?.Id, operation: 'Delete' }] },
    });
  });
});
