/**
 * The QuickBooks adapter against the local QuickBooks sandbox, over HTTP: OAuth through
 * intuit-oauth, queries, change data capture, sparse updates with SyncToken conflicts, requestid
 * idempotency, reports, backoff on 429 and 5xx, timeouts, and the per-realm limits.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startQuickbooksSandbox, type QuickbooksSandbox } from '../../infra/local/quickbooks-sandbox/server';
import { SensitiveString } from '../../lib/crypto/sensitive-string';
import { AppError } from '../../lib/errors';
import { createLedger } from './create-ledger';
import type { Ledger, TLedgerGrant, TLedgerTokenSource, TPurchase } from './ledger';
import { ledgerConfigFromEnv, ledgerEnvFields, type TLedgerEnv } from './ledger-env';
import { isLedgerError, type LedgerError } from './ledger-errors';
import { RealmLimiter } from './quickbooks/realm-limiter';
import { reportTotal } from './quickbooks/reports';
import { z } from 'zod';

const app = {
  clientId: 'client-test-app',
  clientSecret: 'client-test-secret',
  redirectUris: ['http://127.0.0.1:3999/oauth/quickbooks/callback'],
};
const realmId = '9341000000000042';
/** What the database token source throws when a connection needs the user (db/integrations). */
const reconnectNeededReason = 'ledger_reconnect_needed';
const otherRealmId = '9341000000000043';

let sandbox: QuickbooksSandbox;
let sleeps: number[];

function config(overrides: Partial<TLedgerEnv> = {}) {
  const env = z.object(ledgerEnvFields('test')).parse({
    LEDGER_PROVIDER: 'local',
    QUICKBOOKS_SANDBOX_URL: sandbox.url,
    INTUIT_CLIENT_ID: app.clientId,
    INTUIT_CLIENT_SECRET: app.clientSecret,
    INTUIT_WEBHOOK_VERIFIER_TOKEN: 'client-test-verifier',
    ...overrides,
  });
  const result = ledgerConfigFromEnv(env, 'http://127.0.0.1:3999');
  if (!result) throw new Error('no ledger config');
  return result;
}

/** A ledger whose backoff sleeps are recorded, not slept. */
function testLedger(options: Parameters<typeof createLedger>[1] = {}): Ledger {
  return createLedger(config(), {
    limiter: new RealmLimiter(),
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
    random: () => 1,
    ...options,
  });
}

/** Connects through the sandbox's consent page, as a browser would. */
async function connect(ledger: Ledger, realm = realmId): Promise<TLedgerGrant> {
  const authorizeUrl = new URL(ledger.authorizationUrl('state-xyz'));
  const approved = await fetch(`${sandbox.url}/connect/oauth2`, {
    method: 'POST',
    redirect: 'manual',
    body: new URLSearchParams({
      ...Object.fromEntries(authorizeUrl.searchParams),
      realmId: realm,
      decision: 'approve',
    }),
  });
  return ledger.exchangeCode(approved.headers.get('location') ?? '');
}

/** Tokens in memory, refreshed through the ledger; what the database token source does, minus the database. */
function memoryTokens(ledger: Ledger, grant: TLedgerGrant) {
  const state = {
    access: grant.accessToken,
    refresh: grant.refreshToken,
    refreshes: 0,
    rejected: null as string | null,
  };
  const source: TLedgerTokenSource = {
    accessToken: () => Promise.resolve(state.access),
    async renewAfterRejection() {
      const outcome = await ledger.refreshTokens(state.refresh);
      if (!outcome.ok) throw new AppError('conflict', outcome.message, { reason: reconnectNeededReason });
      state.refreshes += 1;
      state.access = outcome.tokens.accessToken;
      state.refresh = outcome.tokens.refreshToken;
      return state.access;
    },
    rejectConnection(reason) {
      state.rejected = reason;
      return Promise.reject(new AppError('conflict', reason, { reason: reconnectNeededReason }));
    },
  };
  return { state, source };
}

let ledger: Ledger;
let grant: TLedgerGrant;

beforeAll(async () => {
  sandbox = await startQuickbooksSandbox({
    apps: [app],
    realms: [
      { id: realmId, companyName: 'Client Test Co', months: 3 },
      { id: otherRealmId, companyName: 'Other Test Co', months: 1 },
    ],
  });
  sleeps = [];
  ledger = testLedger();
  grant = await connect(ledger);
});

afterAll(async () => {
  await sandbox?.stop();
});

beforeEach(() => {
  sleeps = [];
  sandbox.clearFaults();
  sandbox.setLatency(0);
  sandbox.resetStats();
});

describe('connecting through intuit-oauth', () => {
  it('sends the user to the authorize page with the app, the accounting scope, the redirect URI and the state', () => {
    const url = new URL(ledger.authorizationUrl('state-123'));
    expect(`${url.origin}${url.pathname}`).toBe(`${sandbox.url}/connect/oauth2`);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      client_id: app.clientId,
      redirect_uri: app.redirectUris[0],
      response_type: 'code',
      scope: 'com.intuit.quickbooks.accounting',
      state: 'state-123',
    });
  });

  it('exchanges the code for tokens of the chosen company, with expiry times, and never prints them', () => {
    expect(grant.realmId).toBe(realmId);
    expect(grant.accessTokenExpiresAt.getTime() - Date.now()).toBeGreaterThan(3500_000);
    expect(grant.refreshTokenExpiresAt.getTime() - Date.now()).toBeGreaterThan(90 * 86_400_000);
    expect(JSON.stringify(grant)).not.toContain(grant.accessToken.reveal());
    expect(String(grant.refreshToken)).toBe('[redacted]');
  });

  it('refuses a code that was already used, with a message that says to connect again', async () => {
    const authorizeUrl = new URL(ledger.authorizationUrl('state-once'));
    const approved = await fetch(`${sandbox.url}/connect/oauth2`, {
      method: 'POST',
      redirect: 'manual',
      body: new URLSearchParams({
        ...Object.fromEntries(authorizeUrl.searchParams),
        realmId,
        decision: 'approve',
      }),
    });
    const callback = approved.headers.get('location') ?? '';
    await ledger.exchangeCode(callback);
    await expect(ledger.exchangeCode(callback)).rejects.toThrow(/connect again/);
  });

  it('rotates the refresh token on refresh; the old one then gets invalid_grant, and so does a revoked one', async () => {
    const own = await connect(ledger);
    const first = await ledger.refreshTokens(own.refreshToken);
    if (!first.ok) throw new Error(first.message);
    expect(first.tokens.refreshToken.reveal()).not.toBe(own.refreshToken.reveal());
    expect(await ledger.refreshTokens(own.refreshToken)).toMatchObject({
      ok: false,
      reason: 'invalid_grant',
    });

    await ledger.revokeToken(first.tokens.refreshToken);
    expect(await ledger.refreshTokens(first.tokens.refreshToken)).toMatchObject({
      ok: false,
      reason: 'invalid_grant',
    });
  });

  it('names the app credentials when Intuit refuses them', async () => {
    const wrong = createLedger(config({ INTUIT_CLIENT_SECRET: 'not-the-secret' }));
    const failure = await wrong
      .refreshTokens(new SensitiveString('whatever'))
      .catch((error: unknown) => error);
    expect(isLedgerError(failure, 'forbidden')).toBe(true);
    expect((failure as Error).message).toContain('INTUIT_CLIENT_SECRET');
  });
});

describe('the REST client', () => {
  const company = () => ledger.company(realmId, memoryTokens(ledger, grant).source);

  it('queries with the query language, page by page, and counts', async () => {
    const books = company();
    const total = await books.count('Purchase');
    const all = await books.queryAll({ from: 'Purchase', orderBy: [{ field: 'TxnDate' }] });
    expect(all).toHaveLength(total);
    expect(all.map((p) => p.TxnDate)).toEqual([...all.map((p) => p.TxnDate)].sort());
    const page = await books.query({
      from: 'Purchase',
      orderBy: [{ field: 'TxnDate' }],
      startPosition: 3,
      maxResults: 4,
    });
    expect(page.startPosition).toBe(3);
    expect(page.entities.map((p) => p.Id)).toEqual(all.slice(2, 6).map((p) => p.Id));

    const [uncategorized] = (
      await books.query({ from: 'Account', where: [['Name', '=', 'Uncategorized Expense']] })
    ).entities;
    expect(uncategorized?.AccountType).toBe('Expense');
    const month = all[all.length - 1]!.TxnDate.slice(0, 7);
    const inMonth = await books.queryAll({
      from: 'Purchase',
      where: [
        ['TxnDate', '>=', `${month}-01`],
        ['TxnDate', '<=', `${month}-31`],
      ],
    });
    const waiting = inMonth.filter((p) =>
      p.Line.some((line) => line.AccountBasedExpenseLineDetail?.AccountRef.value === uncategorized?.Id),
    );
    expect(waiting.length).toBeGreaterThan(0);
    expect(inMonth.every((p) => p.TxnDate.startsWith(month))).toBe(true);
  });

  it('quotes values so that a quote in a value cannot change the query', async () => {
    const books = company();
    const page = await books.query({ from: 'Account', where: [['Name', '=', "Owner's Draw"]] });
    expect(page.entities.map((a) => a.Name)).toEqual(["Owner's Draw"]);
    const injected = await books.query({ from: 'Account', where: [['Name', '=', "x' OR Name = 'Checking"]] });
    expect(injected.entities).toEqual([]);
  });

  it('sends minorversion 75 on every request and a requestid on every write', async () => {
    const books = company();
    const [purchase] = (await books.query({ from: 'Purchase', maxResults: 1 })).entities;
    await books.update('Purchase', {
      id: purchase!.Id,
      current: purchase,
      requestKey: 'note:test-1',
      change: () => ({ PrivateNote: 'checked' }),
    });
    const requests = sandbox.stats().requests.filter((r) => r.path.startsWith('/v3/'));
    expect(requests.length).toBe(2);
    expect(requests.every((r) => r.minorVersion === '75')).toBe(true);
    const [read, write] = requests;
    expect(read?.requestId).toBeNull();
    expect(write?.requestId).toMatch(/^[A-Za-z0-9:._@-]{1,50}$/);
  });

  it('reads what changed since a cursor, deletions included, and gives the next cursor', async () => {
    const books = company();
    await new Promise((resolve) => setTimeout(resolve, 5));
    const since = new Date();
    const [deposit] = (await books.query({ from: 'Deposit', maxResults: 1 })).entities;
    const [purchase] = (await books.query({ from: 'Purchase', maxResults: 1, startPosition: 5 })).entities;
    sandbox.editEntity(realmId, 'Deposit', deposit!.Id, { PrivateNote: 'changed by the client' });
    sandbox.deleteEntity(realmId, 'Purchase', purchase!.Id);

    const changes = await books.changesSince(['Purchase', 'Deposit'], since);
    expect(changes.changed.Deposit?.map((d) => [d.Id, d.PrivateNote])).toEqual([
      [deposit!.Id, 'changed by the client'],
    ]);
    expect(changes.changed.Purchase ?? []).toEqual([]);
    expect(changes.deleted).toEqual([
      { entity: 'Purchase', id: purchase!.Id, deletedAt: expect.any(Date) as Date },
    ]);
    expect(changes.truncated).toBe(false);
    expect(changes.nextChangedSince.getTime()).toBeGreaterThan(since.getTime() - 5_000);

    await new Promise((resolve) => setTimeout(resolve, 10));
    const later = await books.changesSince(['Purchase', 'Deposit'], new Date(Date.now()));
    expect(later.changed).toEqual({});
    expect(later.deleted).toEqual([]);
  });

  it('refuses a change data capture cursor older than 30 days as a validation error', async () => {
    const error = await company()
      .changesSince(['Purchase'], new Date(Date.now() - 31 * 86_400_000))
      .catch((e: unknown) => e);
    expect(isLedgerError(error, 'validation')).toBe(true);
    expect((error as LedgerError).retryable).toBe(false);
  });

  it('on a stale SyncToken re-reads the entity and retries once, keeping what the other user changed', async () => {
    const books = company();
    const [purchase] = (await books.query({ from: 'Purchase', maxResults: 1, startPosition: 2 })).entities;
    // Someone edits the purchase in QuickBooks after we read it.
    sandbox.editEntity(realmId, 'Purchase', purchase!.Id, { PrivateNote: 'receipt attached' });
    const [checking] = (await books.query({ from: 'Account', where: [['Name', '=', 'Office Supplies']] }))
      .entities;

    const updated = await books.update('Purchase', {
      id: purchase!.Id,
      current: purchase,
      requestKey: `categorize:${purchase!.Id}:answer-1`,
      change: (current: TPurchase) => ({
        Line: current.Line.map((line) => ({
          ...line,
          AccountBasedExpenseLineDetail: {
            ...line.AccountBasedExpenseLineDetail,
            AccountRef: { value: checking!.Id, name: checking!.Name },
          },
        })),
      }),
    });
    expect(updated.SyncToken).toBe(String(Number(purchase!.SyncToken) + 2));
    expect(updated.PrivateNote).toBe('receipt attached');
    expect(updated.Line[0]?.AccountBasedExpenseLineDetail?.AccountRef.value).toBe(checking!.Id);
    const writes = sandbox.stats().requests.filter((r) => r.method === 'POST');
    expect(writes.map((w) => w.status)).toEqual([400, 200]);
    expect(new Set(writes.map((w) => w.requestId)).size).toBe(2);
  });

  it('gives up with a retryable conflict when the entity changes again during the retry', async () => {
    const books = company();
    const [purchase] = (await books.query({ from: 'Purchase', maxResults: 1, startPosition: 3 })).entities;
    sandbox.editEntity(realmId, 'Purchase', purchase!.Id, { PrivateNote: 'edit 1' });
    let calls = 0;
    const error = await books
      .update('Purchase', {
        id: purchase!.Id,
        current: purchase,
        requestKey: 'note:race',
        change: () => {
          calls += 1;
          // Between our re-read and our retry, someone saves again.
          if (calls === 2) sandbox.editEntity(realmId, 'Purchase', purchase!.Id, { PrivateNote: 'edit 2' });
          return { DocNumber: 'R-1' };
        },
      })
      .catch((e: unknown) => e);
    expect(isLedgerError(error, 'conflict')).toBe(true);
    expect((error as LedgerError).retryable).toBe(true);
    expect(sandbox.entity(realmId, 'Purchase', purchase!.Id)?.PrivateNote).toBe('edit 2');
  });

  it('a repeated write with the same business key gets the first answer and writes once', async () => {
    const books = company();
    const accounts = await books.queryAll({ from: 'Account' });
    const id = (name: string) => accounts.find((a) => a.Name === name)!.Id;
    const before = await books.count('JournalEntry');
    const body = {
      TxnDate: new Date().toISOString().slice(0, 10),
      PrivateNote: 'Reclassify bank fee',
      Line: [
        {
          Amount: 15,
          DetailType: 'JournalEntryLineDetail',
          JournalEntryLineDetail: { PostingType: 'Debit', AccountRef: { value: id('Bank Charges') } },
        },
        {
          Amount: 15,
          DetailType: 'JournalEntryLineDetail',
          JournalEntryLineDetail: {
            PostingType: 'Credit',
            AccountRef: { value: id('Uncategorized Expense') },
          },
        },
      ],
    };
    const first = await books.create('JournalEntry', { requestKey: 'adjust:close-2026-10:bank-fee', body });
    const again = await books.create('JournalEntry', { requestKey: 'adjust:close-2026-10:bank-fee', body });
    expect(again).toEqual(first);
    expect(await books.count('JournalEntry')).toBe(before + 1);

    const [purchase] = (await books.query({ from: 'Purchase', maxResults: 1, startPosition: 4 })).entities;
    const change = {
      id: purchase!.Id,
      current: purchase,
      requestKey: 'note:twice',
      change: () => ({ PrivateNote: 'once' }),
    };
    const once = await books.update('Purchase', change);
    const twice = await books.update('Purchase', change);
    expect(twice).toEqual(once);
    expect(sandbox.entity(realmId, 'Purchase', purchase!.Id)?.SyncToken).toBe(once.SyncToken);
  });

  it('turns a validation fault into a non-retryable error that says what QuickBooks refused, without retrying', async () => {
    const error = await company()
      .create('JournalEntry', {
        requestKey: 'adjust:unbalanced',
        body: {
          Line: [
            {
              Amount: 5,
              DetailType: 'JournalEntryLineDetail',
              JournalEntryLineDetail: { PostingType: 'Debit', AccountRef: { value: '1' } },
            },
          ],
        },
      })
      .catch((e: unknown) => e);
    expect(isLedgerError(error, 'validation')).toBe(true);
    expect((error as LedgerError).retryable).toBe(false);
    expect((error as LedgerError).message).toContain('total debits equal total credits');
    expect((error as LedgerError).faultCode).toBe('6000');
    expect(sandbox.stats().requests.filter((r) => r.method === 'POST')).toHaveLength(1);
  });

  it('reports a missing entity as not found', async () => {
    const error = await company()
      .read('Purchase', '999999')
      .catch((e: unknown) => e);
    expect(isLedgerError(error, 'not_found')).toBe(true);
  });

  it('reads the ProfitAndLoss and BalanceSheet reports of a month as typed trees', async () => {
    const books = company();
    const today = new Date().toISOString().slice(0, 10);
    const period = { startDate: `${today.slice(0, 7)}-01`, endDate: today };
    const pnl = await books.report('ProfitAndLoss', period);
    expect(pnl).toMatchObject({
      name: 'ProfitAndLoss',
      startPeriod: period.startDate,
      endPeriod: today,
      currency: 'USD',
    });
    const income = reportTotal(pnl, 'Income') ?? 0;
    const expenses = reportTotal(pnl, 'Expenses') ?? 0;
    const other = reportTotal(pnl, 'NetOtherIncome') ?? 0;
    expect(reportTotal(pnl, 'NetIncome')).toBeCloseTo(income - expenses + other, 2);
    const rent = pnl.rows
      .flatMap((row) => (row.type === 'section' ? row.rows : []))
      .find((row) => row.type === 'data' && row.label === 'Rent or Lease');
    expect(rent).toMatchObject({ type: 'data', amounts: [2400], accountId: expect.any(String) as string });

    const sheet = await books.report('BalanceSheet', period);
    expect(reportTotal(sheet, 'TotalAssets')).toBeCloseTo(
      reportTotal(sheet, 'TotalLiabilitiesAndEquity') ?? NaN,
      2,
    );
  });

  it('reads the company name for the connection', async () => {
    expect((await company().companyInfo()).CompanyName).toBe('Client Test Co');
  });
});

describe('failures and limits', () => {
  const company = (tokens?: TLedgerTokenSource, l = ledger) =>
    l.company(realmId, tokens ?? memoryTokens(l, grant).source);

  it('never has more than 10 requests in flight per company, and one company does not hold up another', async () => {
    const shared = testLedger();
    const first = memoryTokens(shared, await connect(shared)).source;
    const second = memoryTokens(shared, await connect(shared, otherRealmId)).source;
    sandbox.setLatency(80);
    const started = Date.now();
    const results = await Promise.all([
      ...Array.from({ length: 30 }, () => shared.company(realmId, first).count('Account')),
      ...Array.from({ length: 5 }, () => shared.company(otherRealmId, second).count('Account')),
    ]);
    expect(results.every((n) => n > 10)).toBe(true);
    const stats = sandbox.stats();
    expect(stats.peakInFlight[realmId]).toBe(10);
    expect(stats.peakInFlight[otherRealmId]).toBe(5);
    expect(stats.requests.filter((r) => r.status === 429)).toEqual([]);
    // 30 requests of 80 ms through 10 slots take at least three rounds.
    expect(Date.now() - started).toBeGreaterThanOrEqual(3 * 80 - 20);
  });

  it('waits as long as Retry-After says after a 429, then succeeds', async () => {
    sandbox.queueFault({ status: 429, pathIncludes: 'query', retryAfter: '2', count: 2 });
    expect(await company().count('Account')).toBeGreaterThan(10);
    expect(sleeps).toEqual([2000, 2000]);
  });

  it('backs off exponentially on 5xx and gives up after the last attempt with a retryable, readable error', async () => {
    sandbox.queueFault({ status: 503, pathIncludes: 'query', count: 5 });
    const error = await company()
      .count('Account')
      .catch((e: unknown) => e);
    expect(isLedgerError(error, 'unavailable')).toBe(true);
    expect((error as LedgerError).retryable).toBe(true);
    expect((error as LedgerError).message).toMatch(/not answering properly.*HTTP 503/);
    expect(sleeps).toEqual([500, 1000, 2000, 4000]);
  });

  it('leaves a Retry-After longer than it waits in-process to the caller, as retryAfterMs', async () => {
    sandbox.queueFault({ status: 429, pathIncludes: 'query', retryAfter: '120' });
    const error = await company()
      .count('Account')
      .catch((e: unknown) => e);
    expect(isLedgerError(error, 'rate_limited')).toBe(true);
    expect((error as LedgerError).retryAfterMs).toBe(120_000);
    expect(sleeps).toEqual([]);
  });

  it('retries a request that timed out and one whose connection dropped', async () => {
    const impatient = testLedger({ attemptTimeoutMs: 200 });
    sandbox.queueFault({ status: 200, pathIncludes: 'query', delayMs: 1000 });
    sandbox.queueFault({ status: 200, pathIncludes: 'query', dropConnection: true });
    expect(await company(undefined, impatient).count('Account')).toBeGreaterThan(10);
    expect(sleeps).toHaveLength(2);
  });

  it('renews the access token once after a 401 and carries on', async () => {
    const tokens = memoryTokens(ledger, await connect(ledger));
    sandbox.expireAccessTokens(realmId);
    expect(await company(tokens.source).count('Account')).toBeGreaterThan(10);
    expect(tokens.state.refreshes).toBe(1);
  });

  it('ends the connection when even a fresh token is refused, and when the refresh token was revoked', async () => {
    const tokens = memoryTokens(ledger, await connect(ledger));
    sandbox.queueFault({ status: 401, pathIncludes: 'query', count: 2 });
    const refused = await company(tokens.source)
      .count('Account')
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AppError);
    expect((refused as AppError).reason).toBe(reconnectNeededReason);
    expect(tokens.state.rejected).toMatch(/freshly refreshed/);

    const revoked = memoryTokens(ledger, await connect(ledger));
    await ledger.revokeToken(revoked.state.refresh);
    const failure = await company(revoked.source)
      .count('Account')
      .catch((e: unknown) => e);
    expect((failure as AppError).reason).toBe(reconnectNeededReason);
    expect((failure as AppError).userMessage).toMatch(/no longer accepts/);
  });
});

describe('the per-realm limiter', () => {
  it('starts at most `perMinute` requests in any minute and lets the next one start when the window frees', async () => {
    let now = 0;
    const limiter = new RealmLimiter({ maxConcurrent: 10, perMinute: 3 }, () => now);
    const started: number[] = [];
    const runs = Array.from({ length: 4 }, (_, i) =>
      limiter.run('realm', async () => {
        started.push(i);
        return Promise.resolve(i);
      }),
    );
    await Promise.all(runs.slice(0, 3));
    expect(started).toEqual([0, 1, 2]);
    expect(limiter.stats('realm')).toMatchObject({ waiting: 1, startedLastMinute: 3 });
    now = 60_001;
    await new Promise((resolve) => setTimeout(resolve, 0));
    // The waiting request starts on the timer; nudge it by pumping through another run.
    await limiter.run('realm', () => Promise.resolve(null));
    await runs[3];
    expect(started).toEqual([0, 1, 2, 3]);
  });
});
