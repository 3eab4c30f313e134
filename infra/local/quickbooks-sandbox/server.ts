/**
 * A local QuickBooks Online for development and tests, following Intuit's documented API:
 *
 * - OAuth 2: `GET/POST /connect/oauth2` (a consent page with a company picker),
 *   `POST /oauth2/v1/tokens/bearer` (authorization_code and refresh_token grants, rotating refresh
 *   tokens), `POST /v2/oauth2/tokens/revoke`;
 * - Accounting API under `/v3/company/<realmId>/`: `query` (the query-language subset in query.ts),
 *   `cdc`, entity reads, creates, updates (sparse or full, SyncToken checked: a stale one gets
 *   fault 5010), `?operation=delete`, `companyinfo/<realmId>`, `reports/ProfitAndLoss` and
 *   `reports/BalanceSheet` computed from the books; answers in QuickBooks' JSON (`QueryResponse`,
 *   `Fault.Error[].code`, `time`, string SyncTokens); `requestid` on writes returns the first answer
 *   again without writing twice; 10 requests in flight and 500 a minute per company, else 429;
 * - signed webhook deliveries of every change (CloudEvents or legacy format);
 * - test and development controls under `/admin/*` and as methods: companies, injected faults and
 *   429s, latency, edits "by another QuickBooks user", expiring or revoking tokens, request stats.
 *
 * Everything lives in memory; with `dataFile` it is also saved as JSON and reloaded on start.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { StackLog } from '../log';
import { SandboxAuth, type TGrant, type TSandboxApp } from './auth';
import {
  accountsWithBalances,
  isSandboxEntity,
  recomputeTotals,
  refValue,
  sandboxEntityFromPath,
  sandboxEntityNames,
  transactionEntities,
  type TChange,
  type TJson,
  type TOperation,
  type TRealm,
  type TSandboxEntity,
} from './books';
import { authorizePage, errorPage, indexPage } from './pages';
import { parseQuery, QueryError, runQuery } from './query';
import { balanceSheet, profitAndLoss } from './reports';
import { seedRealm } from './seed';
import {
  cloudEventsBody,
  legacyBody,
  WebhookSender,
  type TDelivery,
  type TWebhookFormat,
  type TWebhookTarget,
} from './webhooks';

export type { TSandboxApp } from './auth';
export type { TDelivery, TWebhookFormat } from './webhooks';

export interface TSandboxFault {
  /** `api` (default): the Accounting API; `token`: the OAuth token endpoint. */
  target?: 'api' | 'token';
  realmId?: string;
  method?: 'GET' | 'POST';
  /** Matches when the path below `/v3/company/<realm>/` contains this (`query`, `purchase`, `cdc`). */
  pathIncludes?: string;
  /** HTTP status to answer with (429, 500, 503, 400, 401, 403, …). */
  status: number;
  /** How many matching requests get it (1 unless given). */
  count?: number;
  /** A Retry-After header value. */
  retryAfter?: string;
  /** The Fault to send; a fitting default per status otherwise. */
  fault?: { type: string; code: string; message: string; detail?: string };
  /** Wait this long before answering (to make a client time out). */
  delayMs?: number;
  /** Close the connection without answering. */
  dropConnection?: boolean;
}

export interface TRequestRecord {
  at: string;
  method: string;
  path: string;
  realmId: string | null;
  status: number;
  requestId: string | null;
  minorVersion: string | null;
  query: string | null;
  injected: boolean;
}

export interface TRealmSummary {
  id: string;
  companyName: string;
  transactions: number;
  connections: number;
}

export interface TQuickbooksSandboxOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  /** The apps allowed to connect (client ID, secret, redirect URIs). */
  apps: TSandboxApp[];
  /** Where change notifications go, signed with `verifierToken`. */
  webhook?: {
    url?: string;
    verifierToken: string;
    format?: TWebhookFormat;
    batchWindowMs?: number;
    retryDelaysMs?: number[];
  };
  /** Companies created at start when there are none (two demo companies unless given). */
  realms?: { id?: string; companyName: string; months?: number }[];
  /** Save the state here and load it on start (development). */
  dataFile?: string;
  now?: () => Date;
  accessTokenTtlSeconds?: number;
  refreshTokenTtlSeconds?: number;
  /** Added to every API answer (ms). */
  latencyMs?: number;
  limits?: { maxConcurrent: number; perMinute: number };
  log?: StackLog;
}

export interface QuickbooksSandbox {
  url: string;
  createRealm(input: { companyName: string; id?: string; months?: number }): TRealmSummary;
  realms(): TRealmSummary[];
  /** A copy of a company's entity, as the API would return it. */
  entity(realmId: string, entity: TSandboxEntity, id: string): TJson | undefined;
  /** Entities of a kind in a company (copies). */
  entities(realmId: string, entity: TSandboxEntity): TJson[];
  /** Someone changes an entity in QuickBooks: sparse update, SyncToken bumped, webhook sent. */
  editEntity(realmId: string, entity: TSandboxEntity, id: string, patch: TJson): TJson;
  deleteEntity(realmId: string, entity: TSandboxEntity, id: string): void;
  queueFault(fault: TSandboxFault): void;
  clearFaults(): void;
  setLatency(ms: number): void;
  stats(): { peakInFlight: Record<string, number>; requests: TRequestRecord[] };
  resetStats(): void;
  /** Grants (connections) with their state, for assertions. */
  grants(): Pick<TGrant, 'realmId' | 'clientId' | 'revoked' | 'refreshedAt'>[];
  expireAccessTokens(realmId?: string): number;
  revokeGrants(realmId?: string): number;
  setWebhook(target: TWebhookTarget | null): void;
  setRealmWebhook(realmId: string, target: TWebhookTarget | null): void;
  /** Sends one delivery now for the given changes (format of the target). */
  sendWebhook(target: TWebhookTarget, changes: (Omit<TChange, 'at'> & { at?: string })[]): Promise<TDelivery>;
  /** Delivers waiting changes now and waits for every delivery to finish. */
  flushWebhooks(): Promise<void>;
  deliveries(): TDelivery[];
  stop(): Promise<void>;
}

const maxBodyBytes = 1024 * 1024;
const scope = 'com.intuit.quickbooks.accounting';

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > maxBodyBytes) throw new HttpError(413, 'request body too large');
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function faultBody(
  type: string,
  code: string,
  message: string,
  detail: string | undefined,
  now: Date,
  element?: string,
): TJson {
  const error: TJson = { Message: message, code };
  if (detail) error.Detail = detail;
  if (element) error.element = element;
  return { Fault: { Error: [error], type }, time: now.toISOString() };
}

class ApiFault extends Error {
  constructor(
    readonly status: number,
    readonly body: TJson,
  ) {
    super('api fault');
  }
}

const accountClassification: Record<string, string> = {
  Bank: 'Asset',
  'Accounts Receivable': 'Asset',
  'Other Current Asset': 'Asset',
  'Fixed Asset': 'Asset',
  'Other Asset': 'Asset',
  'Accounts Payable': 'Liability',
  'Credit Card': 'Liability',
  'Other Current Liability': 'Liability',
  'Long Term Liability': 'Liability',
  Equity: 'Equity',
  Income: 'Revenue',
  'Other Income': 'Revenue',
  'Cost of Goods Sold': 'Expense',
  Expense: 'Expense',
  'Other Expense': 'Expense',
};

/** When an entity last changed (its MetaData.LastUpdatedTime). */
function lastUpdated(entity: TJson): string {
  const meta = entity.MetaData;
  const value = typeof meta === 'object' && meta !== null ? (meta as TJson).LastUpdatedTime : undefined;
  return typeof value === 'string' ? value : '';
}

/** An admin request's webhook target: `{ url, format }`, or none without a URL. */
function webhookTarget(body: TJson): TWebhookTarget | null {
  if (typeof body.url !== 'string' || !body.url) return null;
  return { url: body.url, format: body.format === 'legacy' ? 'legacy' : 'cloudevents' };
}

function realmId(): string {
  // Intuit's realm IDs are long decimal numbers.
  return `9341${String(randomBytes(6).readUIntBE(0, 6) % 1_000_000_000_000).padStart(12, '0')}`;
}

export async function startQuickbooksSandbox(options: TQuickbooksSandboxOptions): Promise<QuickbooksSandbox> {
  const host = options.host ?? '127.0.0.1';
  const now = options.now ?? (() => new Date());
  const log = options.log;
  const limits = options.limits ?? { maxConcurrent: 10, perMinute: 500 };
  let latencyMs = options.latencyMs ?? 0;
  const realms = new Map<string, TRealm>();
  const auth = new SandboxAuth(options.apps, () => now().getTime(), {
    accessSeconds: options.accessTokenTtlSeconds ?? 3600,
    refreshSeconds: options.refreshTokenTtlSeconds ?? 8_726_400,
  });
  let defaultWebhook: TWebhookTarget | null = options.webhook?.url
    ? { url: options.webhook.url, format: options.webhook.format ?? 'cloudevents' }
    : null;
  const sender = new WebhookSender({
    verifierToken: () => options.webhook?.verifierToken ?? '',
    batchWindowMs: options.webhook?.batchWindowMs ?? 500,
    retryDelaysMs: options.webhook?.retryDelaysMs ?? [2_000, 10_000, 30_000],
    onWarning: (message) => log?.warn(`QuickBooks sandbox: ${message}`),
  });
  let faults: (TSandboxFault & { remaining: number })[] = [];
  let requests: TRequestRecord[] = [];
  let peakInFlight: Record<string, number> = {};
  const inFlight = new Map<string, number>();
  const recentStarts = new Map<string, number[]>();

  // --- persistence -------------------------------------------------------------------------------
  let saveTimer: NodeJS.Timeout | undefined;
  let saving: Promise<void> = Promise.resolve();
  const save = () => {
    if (!options.dataFile) return;
    clearTimeout(saveTimer);
    saveTimer = setTimeout(() => {
      saving = saving
        .then(() => writeState())
        .catch((error: unknown) => log?.warn(`QuickBooks sandbox: saving failed: ${String(error)}`));
    }, 300);
  };
  async function writeState(): Promise<void> {
    if (!options.dataFile) return;
    auth.prune();
    await mkdir(path.dirname(options.dataFile), { recursive: true });
    const temporary = `${options.dataFile}.tmp`;
    await writeFile(
      temporary,
      JSON.stringify({ version: 1, realms: [...realms.values()], grants: auth.grants }),
      {
        mode: 0o600,
      },
    );
    await rename(temporary, options.dataFile);
  }
  if (options.dataFile) {
    const text = await readFile(options.dataFile, 'utf8').catch(() => '');
    if (text) {
      try {
        const state = JSON.parse(text) as { realms?: TRealm[]; grants?: TGrant[] };
        for (const realm of state.realms ?? []) realms.set(realm.id, realm);
        auth.grants = state.grants ?? [];
      } catch (error) {
        log?.warn(`QuickBooks sandbox: ignoring unreadable ${options.dataFile}: ${String(error)}`);
      }
    }
  }

  function createRealm(input: { companyName: string; id?: string; months?: number }): TRealmSummary {
    const id = input.id ?? realmId();
    if (!/^[0-9A-Za-z-]{1,64}$/.test(id))
      throw new HttpError(400, 'realm IDs have letters, digits and dashes only');
    if (realms.has(id)) throw new HttpError(409, `realm ${id} exists`);
    const realm = seedRealm(id, input.companyName, { now: now(), months: input.months });
    realms.set(id, realm);
    save();
    return summary(realm);
  }

  function summary(realm: TRealm): TRealmSummary {
    return {
      id: realm.id,
      companyName: realm.companyName,
      transactions: transactionEntities.reduce((n, kind) => n + Object.keys(realm.entities[kind]).length, 0),
      connections: auth.grants.filter((g) => g.realmId === realm.id && !g.revoked).length,
    };
  }

  if (realms.size === 0) {
    for (const realm of options.realms ?? [
      { companyName: 'Lee Bakery LLC' },
      { companyName: 'Ortiz Landscaping' },
    ]) {
      createRealm(realm);
    }
  }

  function requireRealm(id: string): TRealm {
    const realm = realms.get(id);
    if (!realm) throw new HttpError(404, `no company ${id}`);
    return realm;
  }

  // --- changes and webhooks ----------------------------------------------------------------------
  function recordChange(
    realm: TRealm,
    entity: TSandboxEntity,
    id: string,
    operation: TOperation,
    at: string,
  ): void {
    const target = realm.webhook ?? defaultWebhook;
    if (target) sender.enqueue(target, { realmId: realm.id, entity, id, operation, at });
    save();
  }

  // --- entity writes -----------------------------------------------------------------------------
  function validateReferences(realm: TRealm, entity: TSandboxEntity, body: TJson, time: Date): void {
    const refs: unknown[] = [];
    if (entity === 'Purchase') refs.push(body.AccountRef);
    if (entity === 'Deposit') refs.push(body.DepositToAccountRef);
    const lines = Array.isArray(body.Line) ? (body.Line as TJson[]) : [];
    for (const line of lines) {
      const detail = (line.AccountBasedExpenseLineDetail ??
        line.DepositLineDetail ??
        line.JournalEntryLineDetail) as TJson | undefined;
      if (detail?.AccountRef !== undefined) refs.push(detail.AccountRef);
      if (typeof line.Amount !== 'number' || !Number.isFinite(line.Amount)) {
        throw new ApiFault(
          400,
          faultBody(
            'ValidationFault',
            '2050',
            'Invalid Number',
            'Amount must be a number',
            time,
            'Line.Amount',
          ),
        );
      }
    }
    for (const ref of refs) {
      const id = refValue(ref);
      if (!id || !realm.entities.Account[id]) {
        throw new ApiFault(
          400,
          faultBody(
            'ValidationFault',
            '2500',
            'Invalid Reference Id',
            `Invalid Reference Id : Accounts element id ${String(id)} not found`,
            time,
          ),
        );
      }
    }
    if (entity === 'JournalEntry') {
      let debits = 0;
      let credits = 0;
      for (const line of lines) {
        const side = (line.JournalEntryLineDetail as TJson | undefined)?.PostingType;
        if (side === 'Debit') debits += Number(line.Amount);
        else if (side === 'Credit') credits += Number(line.Amount);
      }
      if (Math.round(debits * 100) !== Math.round(credits * 100)) {
        throw new ApiFault(
          400,
          faultBody(
            'ValidationFault',
            '6000',
            'A business validation error has occurred while processing your request',
            'Business Validation Error: You must make sure that total debits equal total credits.',
            time,
          ),
        );
      }
    }
    if (entity === 'Account') {
      if (typeof body.Name !== 'string' || !body.Name.trim()) {
        throw new ApiFault(
          400,
          faultBody('ValidationFault', '2020', 'Required param missing', 'Name is required', time, 'Name'),
        );
      }
      if (!accountClassification[String(body.AccountType)]) {
        throw new ApiFault(
          400,
          faultBody(
            'ValidationFault',
            '2170',
            'Invalid Enumeration',
            `Invalid Enumeration : ${String(body.AccountType)}`,
            time,
            'AccountType',
          ),
        );
      }
      body.Classification = accountClassification[String(body.AccountType)];
      body.FullyQualifiedName = body.Name;
    } else if (typeof body.TxnDate !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(body.TxnDate)) {
      body.TxnDate = time.toISOString().slice(0, 10);
    }
  }

  function writeEntity(realm: TRealm, entity: TSandboxEntity, body: TJson, operation: string | null): TJson {
    const time = now();
    const stamp = time.toISOString();
    const store = realm.entities[entity];
    const id = typeof body.Id === 'string' ? body.Id : undefined;
    const notFound = () =>
      new ApiFault(
        400,
        faultBody(
          'ValidationFault',
          '610',
          'Object Not Found',
          `Object Not Found : Something you're trying to use has been made inactive or deleted.`,
          time,
        ),
      );
    const checkSyncToken = (existing: TJson) => {
      if (typeof body.SyncToken !== 'string' && typeof body.SyncToken !== 'number') {
        throw new ApiFault(
          400,
          faultBody(
            'ValidationFault',
            '2020',
            'Required param missing, need to supply the required value for the API',
            'Required parameter SyncToken is missing in the request',
            time,
            'SyncToken',
          ),
        );
      }
      if (String(body.SyncToken) !== existing.SyncToken) {
        throw new ApiFault(
          400,
          faultBody(
            'ValidationFault',
            '5010',
            'Stale Object Error',
            'Stale Object Error : You and Sandbox Bookkeeper were working on this at the same time. Sandbox Bookkeeper finished before you did, so your work was not saved.',
            time,
          ),
        );
      }
    };

    if (operation === 'delete') {
      if (entity === 'Account') {
        throw new ApiFault(
          400,
          faultBody(
            'ValidationFault',
            '5000',
            'Operation not supported',
            'Accounts are made inactive, not deleted',
            time,
          ),
        );
      }
      const existing = id ? store[id] : undefined;
      if (!id || !existing) throw notFound();
      checkSyncToken(existing);
      delete store[id];
      realm.deleted.push({ entity, id, at: stamp });
      recordChange(realm, entity, id, 'Delete', stamp);
      return { domain: 'QBO', status: 'Deleted', Id: id };
    }

    if (id !== undefined) {
      const existing = store[id];
      if (!existing) throw notFound();
      checkSyncToken(existing);
      const { Id: _id, SyncToken: _token, sparse, MetaData: _meta, domain: _domain, ...fields } = body;
      const updated: TJson =
        sparse === true ? { ...existing, ...fields } : { ...fields, domain: 'QBO', sparse: false };
      validateReferences(realm, entity, updated, time);
      updated.Id = id;
      updated.SyncToken = String(Number(existing.SyncToken) + 1);
      updated.domain = 'QBO';
      updated.sparse = false;
      updated.MetaData = { ...(existing.MetaData as TJson | undefined), LastUpdatedTime: stamp };
      recomputeTotals(entity, updated);
      store[id] = updated;
      recordChange(realm, entity, id, 'Update', stamp);
      return updated;
    }

    const { SyncToken: _token, sparse: _sparse, MetaData: _meta, domain: _domain, ...fields } = body;
    const created: TJson = { ...fields };
    if (entity !== 'Account' && !Array.isArray(created.Line)) {
      throw new ApiFault(
        400,
        faultBody('ValidationFault', '2020', 'Required param missing', 'Line is required', time, 'Line'),
      );
    }
    validateReferences(realm, entity, created, time);
    if (entity === 'Account') created.Active = created.Active ?? true;
    const newId = String(realm.nextId++);
    Object.assign(created, {
      domain: 'QBO',
      sparse: false,
      Id: newId,
      SyncToken: '0',
      MetaData: { CreateTime: stamp, LastUpdatedTime: stamp },
    });
    recomputeTotals(entity, created);
    store[newId] = created;
    recordChange(realm, entity, newId, 'Create', stamp);
    return created;
  }

  function readEntity(realm: TRealm, entity: TSandboxEntity, id: string): TJson | undefined {
    if (entity === 'Account') return accountsWithBalances(realm).find((a) => a.Id === id);
    const found = realm.entities[entity][id];
    return found ? structuredClone(found) : undefined;
  }

  function allOf(realm: TRealm, entity: string): TJson[] | undefined {
    if (entity === 'Account') return accountsWithBalances(realm);
    if (isSandboxEntity(entity)) return Object.values(realm.entities[entity]).map((e) => structuredClone(e));
    if (entity === 'CompanyInfo') return [companyInfo(realm)];
    return undefined;
  }

  function companyInfo(realm: TRealm): TJson {
    return {
      CompanyName: realm.companyName,
      LegalName: realm.companyName,
      Country: 'US',
      FiscalYearStartMonth: 'January',
      domain: 'QBO',
      sparse: false,
      Id: '1',
      SyncToken: '0',
      MetaData: { CreateTime: realm.createdAt, LastUpdatedTime: realm.createdAt },
    };
  }

  // --- the Accounting API ------------------------------------------------------------------------
  function takeFault(target: 'api' | 'token', realm: string | null, method: string, subPath: string) {
    const index = faults.findIndex(
      (f) =>
        (f.target ?? 'api') === target &&
        (!f.realmId || f.realmId === realm) &&
        (!f.method || f.method === method) &&
        (!f.pathIncludes || subPath.includes(f.pathIncludes)),
    );
    if (index < 0) return undefined;
    const fault = faults[index] as TSandboxFault & { remaining: number };
    fault.remaining -= 1;
    if (fault.remaining <= 0) faults.splice(index, 1);
    return fault;
  }

  function injectedBody(fault: TSandboxFault, time: Date): TJson {
    if (fault.fault)
      return faultBody(fault.fault.type, fault.fault.code, fault.fault.message, fault.fault.detail, time);
    if (fault.status === 429) {
      return faultBody(
        'ThrottlingFault',
        '003001',
        'message=ThrottleExceeded; errorCode=003001; statusCode=429',
        'The request limit was reached.',
        time,
      );
    }
    if (fault.status === 401) {
      return faultBody(
        'AuthenticationFault',
        '3200',
        'message=AuthenticationFailed; errorCode=003200; statusCode=401',
        'Token revoked',
        time,
      );
    }
    if (fault.status >= 500) {
      return faultBody(
        'SystemFault',
        '10000',
        'An application error has occurred while processing your request',
        'System Failure Error: simulated by the sandbox',
        time,
      );
    }
    return faultBody(
      'ValidationFault',
      '2000',
      'Request has invalid or unsupported property',
      'simulated by the sandbox',
      time,
    );
  }

  async function handleApi(
    request: IncomingMessage,
    url: URL,
    realm: string,
    subPath: string,
    respond: (status: number, body: TJson | string, headers?: Record<string, string>) => void,
    drop: () => void,
  ): Promise<{ status: number; injected: boolean }> {
    const time = now();
    if (!auth.authorizeApi(request.headers.authorization, realm)) {
      respond(
        401,
        faultBody(
          'AuthenticationFault',
          '3200',
          'message=AuthenticationFailed; errorCode=003200; statusCode=401',
          'Token expired or invalid',
          time,
        ),
      );
      return { status: 401, injected: false };
    }
    const starts = (recentStarts.get(realm) ?? []).filter((t) => t > time.getTime() - 60_000);
    const active = inFlight.get(realm) ?? 0;
    if (active >= limits.maxConcurrent || starts.length >= limits.perMinute) {
      recentStarts.set(realm, starts);
      respond(429, injectedBody({ status: 429 }, time));
      return { status: 429, injected: false };
    }
    starts.push(time.getTime());
    recentStarts.set(realm, starts);
    inFlight.set(realm, active + 1);
    peakInFlight[realm] = Math.max(peakInFlight[realm] ?? 0, active + 1);
    try {
      const fault = takeFault('api', realm, request.method ?? 'GET', subPath);
      const wait = (fault?.delayMs ?? 0) + latencyMs;
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      if (fault?.dropConnection) {
        drop();
        return { status: 0, injected: true };
      }
      if (fault) {
        respond(
          fault.status,
          injectedBody(fault, now()),
          fault.retryAfter ? { 'Retry-After': fault.retryAfter } : {},
        );
        return { status: fault.status, injected: true };
      }
      const { status, body } = await dispatch(request, url, requireRealm(realm), subPath);
      respond(status, body);
      return { status, injected: false };
    } finally {
      inFlight.set(realm, (inFlight.get(realm) ?? 1) - 1);
    }
  }

  async function dispatch(
    request: IncomingMessage,
    url: URL,
    realm: TRealm,
    subPath: string,
  ): Promise<{ status: number; body: TJson | string }> {
    const time = now();
    const method = request.method ?? 'GET';
    const segments = subPath.split('/').filter(Boolean);
    const ok = (body: TJson) => ({ status: 200, body: { ...body, time: time.toISOString() } });
    try {
      if (segments[0] === 'query' && segments.length === 1) {
        const text = method === 'POST' ? await readBody(request) : (url.searchParams.get('query') ?? '');
        const query = parseQuery(text);
        const all = allOf(realm, query.entity);
        if (!all)
          throw new QueryError(`QueryValidationError: ${query.entity} is not a queryable entity`, '4001');
        const { rows, total } = runQuery(query, all);
        if (query.select === 'count') return ok({ QueryResponse: { totalCount: total } });
        if (rows.length === 0) return ok({ QueryResponse: {} });
        return ok({
          QueryResponse: {
            [query.entity]: rows,
            startPosition: query.startPosition,
            maxResults: rows.length,
          },
        });
      }

      if (segments[0] === 'cdc' && segments.length === 1 && method === 'GET') {
        const names = (url.searchParams.get('entities') ?? '')
          .split(',')
          .map((n) => n.trim())
          .filter(Boolean);
        const since = Date.parse(url.searchParams.get('changedSince') ?? '');
        if (names.length === 0 || Number.isNaN(since)) {
          throw new ApiFault(
            400,
            faultBody(
              'ValidationFault',
              '4001',
              'Invalid query',
              'entities and changedSince are required',
              time,
            ),
          );
        }
        if (since < time.getTime() - 30 * 86_400_000) {
          throw new ApiFault(
            400,
            faultBody(
              'ValidationFault',
              '4001',
              'Invalid query',
              'changedSince must be within the last 30 days',
              time,
            ),
          );
        }
        const responses: TJson[] = [];
        for (const name of names) {
          const entity = sandboxEntityFromPath(name);
          if (!entity || entity === 'CompanyInfo') {
            throw new ApiFault(
              400,
              faultBody(
                'ValidationFault',
                '4001',
                'Invalid query',
                `${name} is not supported by change data capture`,
                time,
              ),
            );
          }
          const changed = (allOf(realm, entity) ?? [])
            .map((e) => ({ at: lastUpdated(e), value: e }))
            .filter((e) => Date.parse(e.at) >= since);
          const gone = realm.deleted
            .filter((d) => d.entity === entity && Date.parse(d.at) >= since)
            .map((d) => {
              const value: TJson = {
                domain: 'QBO',
                status: 'Deleted',
                Id: d.id,
                MetaData: { LastUpdatedTime: d.at },
              };
              return { at: d.at, value };
            });
          const rows = [...changed, ...gone]
            .sort((a, b) => Date.parse(a.at) - Date.parse(b.at))
            .slice(0, 1000)
            .map((r) => r.value);
          responses.push(
            rows.length > 0
              ? { [entity]: rows, startPosition: 1, maxResults: rows.length, totalCount: rows.length }
              : {},
          );
        }
        return ok({ CDCResponse: [{ QueryResponse: responses }] });
      }

      if (segments[0] === 'reports' && segments.length === 2 && method === 'GET') {
        const today = time.toISOString().slice(0, 10);
        const start = url.searchParams.get('start_date') ?? `${today.slice(0, 7)}-01`;
        const end = url.searchParams.get('end_date') ?? today;
        if (!/^\d{4}-\d{2}-\d{2}$/.test(start) || !/^\d{4}-\d{2}-\d{2}$/.test(end) || start > end) {
          throw new ApiFault(
            400,
            faultBody(
              'ValidationFault',
              '2080',
              'Invalid Date',
              'start_date and end_date must be dates, start first',
              time,
            ),
          );
        }
        if (segments[1] === 'ProfitAndLoss')
          return { status: 200, body: profitAndLoss(realm, start, end, time) };
        if (segments[1] === 'BalanceSheet')
          return { status: 200, body: balanceSheet(realm, start, end, time) };
        throw new ApiFault(
          400,
          faultBody(
            'ValidationFault',
            '4001',
            'Unsupported report',
            `${segments[1] ?? ''} is not available in the sandbox`,
            time,
          ),
        );
      }

      const entity = sandboxEntityFromPath(segments[0] ?? '');
      if (!entity)
        throw new ApiFault(
          404,
          faultBody(
            'ValidationFault',
            '4001',
            'Unsupported Operation',
            `Unknown resource ${segments[0] ?? ''}`,
            time,
          ),
        );

      if (method === 'GET' && segments.length === 2) {
        const id = decodeURIComponent(segments[1] ?? '');
        if (entity === 'CompanyInfo') {
          if (id !== realm.id)
            throw new ApiFault(
              400,
              faultBody('ValidationFault', '610', 'Object Not Found', 'Object Not Found', time),
            );
          return ok({ CompanyInfo: companyInfo(realm) });
        }
        const found = readEntity(realm, entity, id);
        if (!found) {
          throw new ApiFault(
            400,
            faultBody(
              'ValidationFault',
              '610',
              'Object Not Found',
              `Object Not Found : Something you're trying to use has been made inactive or deleted.`,
              time,
            ),
          );
        }
        return ok({ [entity]: found });
      }

      if (method === 'POST' && segments.length === 1 && entity !== 'CompanyInfo') {
        const requestId = url.searchParams.get('requestid');
        const cached = requestId ? realm.requests[requestId] : undefined;
        if (cached) return { status: cached.status, body: cached.body };
        let result: { status: number; body: TJson };
        try {
          const text = await readBody(request);
          let body: unknown;
          try {
            body = JSON.parse(text);
          } catch {
            throw new ApiFault(
              400,
              faultBody(
                'ValidationFault',
                '2010',
                'Request has invalid or unsupported property',
                'The body is not JSON',
                time,
              ),
            );
          }
          if (typeof body !== 'object' || body === null || Array.isArray(body)) {
            throw new ApiFault(
              400,
              faultBody(
                'ValidationFault',
                '2010',
                'Request has invalid or unsupported property',
                'The body must be an object',
                time,
              ),
            );
          }
          const written = writeEntity(realm, entity, body as TJson, url.searchParams.get('operation'));
          const response =
            entity === 'Account' ? (readEntity(realm, 'Account', String(written.Id)) ?? written) : written;
          result = { status: 200, body: { [entity]: response, time: time.toISOString() } };
        } catch (error) {
          if (!(error instanceof ApiFault)) throw error;
          result = { status: error.status, body: error.body };
        }
        if (requestId) {
          realm.requests[requestId] = { status: result.status, body: JSON.stringify(result.body) };
          save();
        }
        return result;
      }
      throw new ApiFault(
        405,
        faultBody(
          'ValidationFault',
          '4001',
          'Unsupported Operation',
          `${method} ${subPath} is not supported`,
          time,
        ),
      );
    } catch (error) {
      if (error instanceof ApiFault) return { status: error.status, body: error.body };
      if (error instanceof QueryError) {
        return {
          status: 400,
          body: faultBody(
            'ValidationFault',
            error.code,
            error.code === '4000' ? 'Error parsing query' : 'Invalid query',
            error.message,
            time,
          ),
        };
      }
      throw error;
    }
  }

  // --- OAuth endpoints ---------------------------------------------------------------------------
  async function handleAuthorize(
    request: IncomingMessage,
    url: URL,
    response: ServerResponse,
  ): Promise<number> {
    const html = (status: number, body: string) => {
      response.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
      response.end(body);
      return status;
    };
    const params =
      request.method === 'POST' ? new URLSearchParams(await readBody(request)) : url.searchParams;
    const app = auth.apps.get(params.get('client_id') ?? '');
    const redirectUri = params.get('redirect_uri') ?? '';
    const state = params.get('state') ?? '';
    if (!app) return html(400, errorPage('This app is not registered with the sandbox (unknown client_id).'));
    if (!auth.redirectAllowed(app, redirectUri))
      return html(400, errorPage('The redirect_uri is not one the app registered.'));
    const back = (query: Record<string, string>) => {
      const target = new URL(redirectUri);
      for (const [name, value] of Object.entries(query)) target.searchParams.set(name, value);
      response.writeHead(302, { Location: target.toString(), 'Cache-Control': 'no-store' });
      response.end();
      return 302;
    };
    if (params.get('response_type') !== 'code') return back({ error: 'unsupported_response_type', state });
    if (!(params.get('scope') ?? '').split(/\s+/).includes(scope))
      return back({ error: 'invalid_scope', state });
    if (!state) return back({ error: 'invalid_request', error_description: 'state is required' });
    if (request.method === 'GET') {
      return html(
        200,
        authorizePage({
          appName: app.name ?? app.clientId,
          realms: [...realms.values()].map((r) => ({ id: r.id, companyName: r.companyName })),
          hidden: {
            client_id: app.clientId,
            redirect_uri: redirectUri,
            response_type: 'code',
            scope: params.get('scope') ?? '',
            state,
          },
        }),
      );
    }
    if (params.get('decision') !== 'approve') return back({ error: 'access_denied', state });
    const chosen = params.get('realmId') ?? '';
    if (!realms.has(chosen)) return html(400, errorPage('Choose one of the companies.'));
    const code = auth.issueCode(app.clientId, redirectUri, chosen);
    save();
    return back({ code, state, realmId: chosen });
  }

  async function handleToken(
    request: IncomingMessage,
    response: ServerResponse,
    kind: 'token' | 'revoke',
  ): Promise<number> {
    const json = (status: number, body: unknown) => {
      response.writeHead(status, {
        'Content-Type': 'application/json',
        'Cache-Control': 'no-store',
        intuit_tid: randomUUID(),
      });
      response.end(body === undefined ? '' : JSON.stringify(body));
      return status;
    };
    const text = await readBody(request);
    const app = auth.authenticate(request.headers.authorization);
    if (!app) return json(401, { error: 'invalid_client' });
    const fault = takeFault('token', null, 'POST', kind);
    if (fault) {
      if (fault.delayMs) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
      return json(fault.status, { error: fault.status === 400 ? 'invalid_grant' : 'server_error' });
    }
    if (kind === 'revoke') {
      let token = '';
      try {
        const body = JSON.parse(text) as { token?: unknown };
        token = typeof body.token === 'string' ? body.token : '';
      } catch {
        token = new URLSearchParams(text).get('token') ?? '';
      }
      if (!token) return json(400, { error: 'invalid_request' });
      auth.revoke(app, token);
      save();
      return json(200, undefined);
    }
    const result = auth.exchange(app, new URLSearchParams(text));
    save();
    return json(result.ok ? 200 : result.status, result.body);
  }

  // --- admin -------------------------------------------------------------------------------------
  function sandboxApi(): QuickbooksSandbox {
    return api;
  }

  async function handleAdmin(request: IncomingMessage, url: URL, response: ServerResponse): Promise<number> {
    const json = (status: number, body: unknown) => {
      response.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
      response.end(JSON.stringify(body ?? null));
      return status;
    };
    const method = request.method ?? 'GET';
    const parts = url.pathname.split('/').filter(Boolean).slice(1);
    const body =
      method === 'GET' || method === 'DELETE' ? {} : (JSON.parse((await readBody(request)) || '{}') as TJson);
    const sandbox = sandboxApi();
    const [first, second, third, fourth, fifth] = parts;
    if (first === 'realms' && !second) {
      if (method === 'GET') return json(200, sandbox.realms());
      if (method === 'POST') {
        return json(
          201,
          sandbox.createRealm({
            companyName: typeof body.companyName === 'string' ? body.companyName : 'Sandbox company',
            id: typeof body.id === 'string' ? body.id : undefined,
            months: typeof body.months === 'number' ? body.months : undefined,
          }),
        );
      }
    }
    if (first === 'realms' && second && third === 'webhook' && method === 'PUT') {
      sandbox.setRealmWebhook(second, webhookTarget(body));
      return json(200, { ok: true });
    }
    if (first === 'realms' && second && third === 'entities' && fourth && fifth) {
      const entity = sandboxEntityFromPath(fourth);
      if (!entity || entity === 'CompanyInfo') return json(404, { error: `unknown entity ${fourth}` });
      if (method === 'GET') return json(200, sandbox.entity(second, entity, fifth) ?? null);
      if (method === 'POST')
        return json(200, sandbox.editEntity(second, entity, fifth, (body.patch ?? {}) as TJson));
      if (method === 'DELETE') {
        sandbox.deleteEntity(second, entity, fifth);
        return json(200, { ok: true });
      }
    }
    if (first === 'faults') {
      if (method === 'POST') {
        sandbox.queueFault(body as unknown as TSandboxFault);
        return json(201, { queued: faults.length });
      }
      if (method === 'DELETE') {
        sandbox.clearFaults();
        return json(200, { ok: true });
      }
    }
    if (first === 'latency' && method === 'PUT') {
      sandbox.setLatency(Number(body.ms ?? 0));
      return json(200, { latencyMs });
    }
    if (first === 'stats') {
      if (method === 'GET') return json(200, sandbox.stats());
      if (method === 'DELETE') {
        sandbox.resetStats();
        return json(200, { ok: true });
      }
    }
    if (first === 'tokens' && method === 'POST') {
      const realm = typeof body.realmId === 'string' ? body.realmId : undefined;
      if (second === 'expire') return json(200, { expired: sandbox.expireAccessTokens(realm) });
      if (second === 'revoke') return json(200, { revoked: sandbox.revokeGrants(realm) });
    }
    if (first === 'webhook' && method === 'PUT') {
      sandbox.setWebhook(webhookTarget(body));
      return json(200, { ok: true });
    }
    if (first === 'webhooks' && second === 'deliveries' && method === 'GET')
      return json(200, sandbox.deliveries());
    if (first === 'webhooks' && second === 'flush' && method === 'POST') {
      await sandbox.flushWebhooks();
      return json(200, { ok: true });
    }
    return json(404, { error: `no admin route ${method} ${url.pathname}` });
  }

  // --- the server --------------------------------------------------------------------------------
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', `http://${host}`);
    const started = now();
    const record = (status: number, realm: string | null, injected: boolean) => {
      if (
        !url.pathname.startsWith('/v3/') &&
        !url.pathname.startsWith('/oauth2/') &&
        !url.pathname.startsWith('/v2/')
      )
        return;
      requests.push({
        at: started.toISOString(),
        method: request.method ?? 'GET',
        path: url.pathname,
        realmId: realm,
        status,
        requestId: url.searchParams.get('requestid'),
        minorVersion: url.searchParams.get('minorversion'),
        query: url.searchParams.get('query'),
        injected,
      });
      if (requests.length > 5000) requests = requests.slice(-5000);
    };
    const respond = (status: number, body: TJson | string, headers: Record<string, string> = {}) => {
      if (response.headersSent) return;
      const text = typeof body === 'string' ? body : JSON.stringify(body);
      response.writeHead(status, {
        'Content-Type': 'application/json;charset=UTF-8',
        intuit_tid: randomUUID(),
        ...headers,
      });
      response.end(text);
    };
    const handle = async () => {
      const api = /^\/v3\/company\/([^/]+)\/(.+)$/.exec(url.pathname);
      if (api) {
        const realm = decodeURIComponent(api[1] ?? '');
        const { status, injected } = await handleApi(request, url, realm, api[2] ?? '', respond, () =>
          request.socket.destroy(),
        );
        record(status, realm, injected);
        return;
      }
      if (url.pathname === '/connect/oauth2') {
        await handleAuthorize(request, url, response);
        return;
      }
      if (url.pathname === '/oauth2/v1/tokens/bearer' && request.method === 'POST') {
        record(await handleToken(request, response, 'token'), null, false);
        return;
      }
      if (url.pathname === '/v2/oauth2/tokens/revoke' && request.method === 'POST') {
        record(await handleToken(request, response, 'revoke'), null, false);
        return;
      }
      if (url.pathname.startsWith('/admin/')) {
        await handleAdmin(request, url, response);
        return;
      }
      if (url.pathname === '/' && request.method === 'GET') {
        response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
        response.end(
          indexPage({
            realms: [...realms.values()].map(summary),
            webhook: defaultWebhook
              ? `${defaultWebhook.url} (${defaultWebhook.format})`
              : 'nowhere (not configured)',
          }),
        );
        return;
      }
      respond(404, { error: 'not found' });
    };
    handle().catch((error: unknown) => {
      if (error instanceof HttpError) {
        respond(error.status, { error: error.message });
        return;
      }
      if (error instanceof SyntaxError) {
        respond(400, { error: 'the body is not JSON' });
        return;
      }
      log?.warn(
        `QuickBooks sandbox: ${request.method ?? 'GET'} ${url.pathname}: ${error instanceof Error ? error.message : String(error)}`,
      );
      respond(500, { error: 'sandbox error' });
    });
  });

  const address = await new Promise<AddressInfo>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
  const baseUrl = `http://${host}:${address.port}`;

  let stopping: Promise<void> | undefined;
  const api: QuickbooksSandbox = {
    url: baseUrl,
    createRealm,
    realms: () => [...realms.values()].map(summary),
    entity(realm, entity, id) {
      return readEntity(requireRealm(realm), entity, id);
    },
    entities(realm, entity) {
      return allOf(requireRealm(realm), entity) ?? [];
    },
    editEntity(realm, entity, id, patch) {
      const books = requireRealm(realm);
      const existing = books.entities[entity][id];
      if (!existing) throw new HttpError(404, `no ${entity} ${id} in ${realm}`);
      try {
        return structuredClone(
          writeEntity(books, entity, { ...patch, Id: id, SyncToken: existing.SyncToken, sparse: true }, null),
        );
      } catch (error) {
        if (error instanceof ApiFault) throw new HttpError(error.status, JSON.stringify(error.body));
        throw error;
      }
    },
    deleteEntity(realm, entity, id) {
      const books = requireRealm(realm);
      const existing = books.entities[entity][id];
      if (!existing) throw new HttpError(404, `no ${entity} ${id} in ${realm}`);
      writeEntity(books, entity, { Id: id, SyncToken: existing.SyncToken }, 'delete');
    },
    queueFault(fault) {
      if (!Number.isInteger(fault.status) || fault.status < 100 || fault.status > 599)
        throw new HttpError(400, 'status must be an HTTP status');
      faults.push({ ...fault, remaining: Math.max(1, fault.count ?? 1) });
    },
    clearFaults() {
      faults = [];
    },
    setLatency(ms) {
      latencyMs = Math.max(0, ms);
    },
    stats: () => ({ peakInFlight: { ...peakInFlight }, requests: [...requests] }),
    resetStats() {
      requests = [];
      peakInFlight = {};
    },
    grants: () =>
      auth.grants.map((g) => ({
        realmId: g.realmId,
        clientId: g.clientId,
        revoked: g.revoked,
        refreshedAt: g.refreshedAt,
      })),
    expireAccessTokens(realm) {
      const count = auth.expireAccessTokens(realm);
      save();
      return count;
    },
    revokeGrants(realm) {
      const count = auth.revokeGrants(realm);
      save();
      return count;
    },
    setWebhook(target) {
      defaultWebhook = target;
    },
    setRealmWebhook(realm, target) {
      const books = requireRealm(realm);
      if (target) books.webhook = target;
      else delete books.webhook;
      save();
    },
    sendWebhook(target, changes) {
      const time = now().toISOString();
      const full: TChange[] = changes.map((c) => ({ ...c, at: c.at ?? time }));
      const body = target.format === 'legacy' ? legacyBody(full) : cloudEventsBody(full);
      return sender.send(target, body);
    },
    flushWebhooks: () => sender.flush(),
    deliveries: () => [...sender.deliveries],
    stop() {
      stopping ??= (async () => {
        await sender.stop();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        clearTimeout(saveTimer);
        await saving;
        if (options.dataFile) await writeState().catch(() => undefined);
      })();
      return stopping;
    },
  };
  log?.info(`QuickBooks sandbox on ${baseUrl} (${realms.size} companies)`);
  return api;
}

export { sandboxEntityNames };
