/**
 * A thin, typed client of the QuickBooks Online Accounting API (v3) over `fetch`:
 * query, change data capture, entity reads, sparse updates with SyncToken, creates, reports.
 *
 * Every request carries the current `minorversion`; every write carries a `requestid` derived from
 * its business key. Requests go through a per-realm limiter (10 in flight, 500 a minute). A 429 or
 * 5xx answer, a timeout or a dropped connection is retried with exponential backoff and full jitter,
 * honouring `Retry-After`; a wait longer than `maxInProcessWaitMs` is left to the caller (the
 * LedgerError carries `retryAfterMs`, which an activity turns into its next retry delay).
 * A 401 renews the access token once through the token source; a second 401 ends the connection.
 */
import { z } from 'zod';
import type { SensitiveString } from '../../../lib/crypto/sensitive-string';
import type {
  LedgerCompany,
  TDeletedEntity,
  TLedgerChangeSet,
  TLedgerEntities,
  TLedgerTokenSource,
  TQueryPage,
  TSparseUpdate,
} from '../ledger';
import { isLedgerError, LedgerError, type TLedgerErrorKind } from '../ledger-errors';
import {
  entityPath,
  entitySchemas,
  isLedgerEntityName,
  ZCompanyInfo,
  ZDeletedEntity,
  type TCompanyInfo,
  type TLedgerEntityName,
} from './entities';
import { maxQueryResults, renderQuery, type TQuery, type TQueryCondition } from './query';
import { realmLimiterFor } from './shared-limiter';
import type { RealmLimiter } from './realm-limiter';
import { parseReport, type TReportName } from './reports';
import { requestIdFor } from './request-id';

/** The minor version this client is written against (Intuit's minimum and default since August 2025). */
export const currentMinorVersion = 75;

/** QuickBooks returns at most this many objects per entity from change data capture. */
export const cdcMaxObjects = 1000;
/** Change data capture looks back at most 30 days. */
export const cdcLookBackMs = 30 * 86_400_000;
/** The next CDC call starts this much before the server's response time, so nothing slips between. */
const cdcOverlapMs = 5_000;

export interface TQuickbooksApiOptions {
  /** `https://quickbooks.api.intuit.com`, the sandbox's, or the local sandbox's base URL. */
  baseUrl: string;
  minorVersion?: number;
  /** Shared per-realm limiter; by default one per base URL in this process. */
  limiter?: RealmLimiter;
  /** Time limit of one attempt (30 s unless given). */
  attemptTimeoutMs?: number;
  /** Attempts per request on retryable failures, the first included (5 unless given). */
  maxAttempts?: number;
  /** Exponential backoff: first delay and cap (500 ms and 20 s unless given). */
  backoff?: { baseMs: number; maxMs: number };
  /** Longer waits are not slept here but thrown with `retryAfterMs` (30 s unless given). */
  maxInProcessWaitMs?: number;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  userAgent?: string;
}

interface TRequest {
  method: 'GET' | 'POST';
  /** Below `/v3/company/<realmId>/`. */
  path: string;
  params?: Record<string, string>;
  body?: unknown;
  /** The business key of a write: becomes the `requestid`. */
  requestKey?: string;
  /** What this request does, for error messages: "reading Purchase 42". */
  what: string;
}

type TAttempt =
  | { kind: 'ok'; json: Record<string, unknown> }
  | { kind: 'unauthorized' }
  | { kind: 'failed'; error: LedgerError };

const ZFault = z.looseObject({
  Fault: z.looseObject({
    type: z.string().optional(),
    Error: z
      .array(
        z.looseObject({
          Message: z.string().optional(),
          Detail: z.string().optional(),
          code: z.union([z.string(), z.number()]).optional(),
          element: z.string().optional(),
        }),
      )
      .optional(),
  }),
  time: z.string().optional(),
});

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Parses a Retry-After header (seconds or an HTTP date) into milliseconds. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

function faultError(status: number, json: unknown, what: string, intuitTid: string | undefined): LedgerError {
  const fault = ZFault.safeParse(json);
  const faultType = fault.success ? fault.data.Fault.type : undefined;
  const first = fault.success ? fault.data.Fault.Error?.[0] : undefined;
  const faultCode = first?.code === undefined ? undefined : String(first.code);
  const summary = [first?.Message, first?.Detail].filter(Boolean).join(': ');
  const details = { status, faultType, faultCode, intuitTid };

  let kind: TLedgerErrorKind;
  if (faultCode === '5010' || /stale object/i.test(first?.Message ?? '')) kind = 'conflict';
  else if (faultType === 'ThrottlingFault' || status === 429) kind = 'rate_limited';
  else if (status === 403 || faultType === 'AuthorizationFault') kind = 'forbidden';
  else if (status === 404 || faultCode === '610') kind = 'not_found';
  else if (status >= 500 || faultType === 'SystemFault') kind = 'unavailable';
  else kind = 'validation';

  const messages: Record<TLedgerErrorKind, string> = {
    conflict: `QuickBooks refused ${what}: someone else saved it at the same time.`,
    rate_limited: `QuickBooks is limiting requests for this company (${what}); it will be tried again.`,
    forbidden: `QuickBooks does not allow ${what} for the connected user${summary ? ` (${summary})` : ''}.`,
    not_found: `QuickBooks could not find what we asked for (${what})${summary ? `: ${summary}` : ''}.`,
    unavailable: `QuickBooks is not answering properly right now (${what}, HTTP ${status}); it will be tried again.`,
    validation: `QuickBooks refused ${what}${summary ? `: ${summary}` : ` (HTTP ${status})`}${faultCode ? ` [code ${faultCode}]` : ''}.`,
    timeout: `QuickBooks did not answer in time (${what}).`,
    unexpected_response: `QuickBooks sent an unexpected answer (${what}).`,
  };
  return new LedgerError(kind, messages[kind], details);
}

export interface QuickbooksApi {
  company(realmId: string, tokens: TLedgerTokenSource): LedgerCompany;
}

export function createQuickbooksApi(options: TQuickbooksApiOptions): QuickbooksApi {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const minorVersion = options.minorVersion ?? currentMinorVersion;
  const limiter = options.limiter ?? realmLimiterFor(baseUrl);
  const attemptTimeoutMs = options.attemptTimeoutMs ?? 30_000;
  const maxAttempts = options.maxAttempts ?? 5;
  const backoff = options.backoff ?? { baseMs: 500, maxMs: 20_000 };
  const maxInProcessWaitMs = options.maxInProcessWaitMs ?? 30_000;
  const fetchFn = options.fetch ?? fetch;
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;
  const userAgent = options.userAgent ?? 'cpa-platform-ledger/1';

  function retryDelay(error: LedgerError, attempt: number): number {
    if (error.retryAfterMs !== undefined) return error.retryAfterMs;
    const ceiling = Math.min(backoff.maxMs, backoff.baseMs * 2 ** (attempt - 1));
    return Math.round(ceiling / 2 + random() * (ceiling / 2));
  }

  async function attemptOnce(realmId: string, token: SensitiveString, request: TRequest): Promise<TAttempt> {
    const url = new URL(`${baseUrl}/v3/company/${encodeURIComponent(realmId)}/${request.path}`);
    for (const [name, value] of Object.entries(request.params ?? {})) url.searchParams.set(name, value);
    if (request.requestKey !== undefined) url.searchParams.set('requestid', requestIdFor(request.requestKey));
    url.searchParams.set('minorversion', String(minorVersion));
    const headers: Record<string, string> = {
      Authorization: `Bearer ${token.reveal()}`,
      Accept: 'application/json',
      'User-Agent': userAgent,
    };
    if (request.body !== undefined) headers['Content-Type'] = 'application/json';

    let response: Response;
    let text: string;
    try {
      response = await fetchFn(url, {
        method: request.method,
        headers,
        body: request.body === undefined ? undefined : JSON.stringify(request.body),
        signal: AbortSignal.timeout(attemptTimeoutMs),
      });
      text = await response.text();
    } catch (error) {
      const timedOut =
        error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
      return {
        kind: 'failed',
        error: new LedgerError(
          timedOut ? 'timeout' : 'unavailable',
          timedOut
            ? `QuickBooks did not answer within ${Math.round(attemptTimeoutMs / 1000)} s (${request.what}); it will be tried again.`
            : `Could not reach QuickBooks (${request.what}); it will be tried again.`,
          { cause: error },
        ),
      };
    }

    const intuitTid = response.headers.get('intuit_tid') ?? undefined;
    let json: unknown = undefined;
    try {
      json = text.length > 0 ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (response.status === 401) return { kind: 'unauthorized' };
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
    if (response.status === 429 || response.status >= 500) {
      const error = faultError(response.status, json, request.what, intuitTid);
      const kind = response.status === 429 ? 'rate_limited' : 'unavailable';
      return {
        kind: 'failed',
        error: new LedgerError(kind, error.message, {
          status: response.status,
          faultType: error.faultType,
          faultCode: error.faultCode,
          intuitTid,
          retryAfterMs,
        }),
      };
    }
    const isFault = typeof json === 'object' && json !== null && 'Fault' in json;
    if (!response.ok || isFault) {
      return { kind: 'failed', error: faultError(response.status, json, request.what, intuitTid) };
    }
    if (typeof json !== 'object' || json === null) {
      return {
        kind: 'failed',
        error: new LedgerError(
          'unexpected_response',
          `QuickBooks sent an answer that is not JSON (${request.what}).`,
          {
            status: response.status,
            intuitTid,
          },
        ),
      };
    }
    return { kind: 'ok', json: json as Record<string, unknown> };
  }

  async function send(
    realmId: string,
    tokens: TLedgerTokenSource,
    request: TRequest,
  ): Promise<Record<string, unknown>> {
    let token = await tokens.accessToken();
    let renewed = false;
    let attempt = 1;
    for (;;) {
      const outcome = await limiter.run(realmId, () => attemptOnce(realmId, token, request));
      if (outcome.kind === 'ok') return outcome.json;
      if (outcome.kind === 'unauthorized') {
        if (renewed) {
          return tokens.rejectConnection('QuickBooks refused a freshly refreshed access token (HTTP 401).');
        }
        token = await tokens.renewAfterRejection(token);
        renewed = true;
        continue;
      }
      const { error } = outcome;
      const retryHere = error.retryable && error.kind !== 'conflict' && attempt < maxAttempts;
      if (!retryHere) throw error;
      const delay = retryDelay(error, attempt);
      if (delay > maxInProcessWaitMs) throw error;
      await sleep(delay);
      attempt += 1;
    }
  }

  function parseEntity<N extends TLedgerEntityName>(
    entity: N,
    value: unknown,
    what: string,
  ): TLedgerEntities[N] {
    const parsed = entitySchemas[entity].safeParse(value);
    if (!parsed.success) {
      throw new LedgerError(
        'unexpected_response',
        `QuickBooks sent a ${entity} in an unexpected format (${what}).`,
        {
          cause: parsed.error,
        },
      );
    }
    return parsed.data as TLedgerEntities[N];
  }

  function company(realmId: string, tokens: TLedgerTokenSource): LedgerCompany {
    if (!/^[A-Za-z0-9-]{1,64}$/.test(realmId)) {
      throw new LedgerError(
        'validation',
        'A QuickBooks company ID (realm ID) has only letters, digits and dashes.',
      );
    }
    const call = (request: TRequest) => send(realmId, tokens, request);

    async function runQuery(statement: string, what: string): Promise<Record<string, unknown>> {
      const json = await call({ method: 'GET', path: 'query', params: { query: statement }, what });
      const response = json.QueryResponse;
      if (typeof response !== 'object' || response === null) {
        throw new LedgerError(
          'unexpected_response',
          `QuickBooks sent a query answer without QueryResponse (${what}).`,
        );
      }
      return response as Record<string, unknown>;
    }

    async function query<N extends TLedgerEntityName>(q: TQuery<N>): Promise<TQueryPage<TLedgerEntities[N]>> {
      const what = `a query of ${q.from}`;
      const response = await runQuery(renderQuery(q), what);
      const rows = response[q.from];
      const list = Array.isArray(rows) ? rows : [];
      return {
        entities: list.map((row) => parseEntity(q.from, row, what)),
        startPosition:
          typeof response.startPosition === 'number' ? response.startPosition : (q.startPosition ?? 1),
        maxResults: typeof response.maxResults === 'number' ? response.maxResults : list.length,
      };
    }

    async function read<N extends TLedgerEntityName>(entity: N, id: string): Promise<TLedgerEntities[N]> {
      const what = `reading ${entity} ${id}`;
      const json = await call({
        method: 'GET',
        path: `${entityPath(entity)}/${encodeURIComponent(id)}`,
        what,
      });
      return parseEntity(entity, json[entity], what);
    }

    return {
      realmId,
      query,

      async queryAll(q) {
        const all = [];
        for (let start = 1; ; start += maxQueryResults) {
          const page = await query({ ...q, startPosition: start, maxResults: maxQueryResults });
          all.push(...page.entities);
          if (page.entities.length < maxQueryResults) return all;
        }
      },

      async count(entity: TLedgerEntityName, where?: readonly TQueryCondition[]) {
        const response = await runQuery(
          renderQuery({ from: entity, where }, 'COUNT(*)'),
          `counting ${entity}`,
        );
        if (typeof response.totalCount !== 'number') {
          throw new LedgerError(
            'unexpected_response',
            `QuickBooks sent a count without totalCount (${entity}).`,
          );
        }
        return response.totalCount;
      },

      read,

      async update<N extends TLedgerEntityName>(entity: N, update: TSparseUpdate<TLedgerEntities[N]>) {
        let current = update.current ?? (await read(entity, update.id));
        for (let round = 1; ; round++) {
          const patch = update.change(current);
          if (patch === null) return current;
          const {
            Id: _id,
            SyncToken: _syncToken,
            MetaData: _meta,
            sparse: _sparse,
            domain: _domain,
            ...fields
          } = patch;
          const what = `updating ${entity} ${update.id}`;
          try {
            const json = await call({
              method: 'POST',
              path: entityPath(entity),
              body: { ...fields, Id: current.Id, SyncToken: current.SyncToken, sparse: true },
              // The same change on the same version is the same request: a retry after a lost
              // answer gets QuickBooks' first answer instead of a stale-object fault. The retry
              // after a stale SyncToken is based on a newer version, hence a new request.
              requestKey: `${update.requestKey}@${current.SyncToken}`,
              what,
            });
            return parseEntity(entity, json[entity], what);
          } catch (error) {
            if (!isLedgerError(error, 'conflict') || round > 1) {
              if (isLedgerError(error, 'conflict')) {
                throw new LedgerError(
                  'conflict',
                  `${entity} ${update.id} was changed in QuickBooks again while we saved it; it will be tried again.`,
                  { status: error.status, faultCode: error.faultCode, intuitTid: error.intuitTid },
                );
              }
              throw error;
            }
            current = await read(entity, update.id);
          }
        }
      },

      async create<N extends TLedgerEntityName>(
        entity: N,
        input: { requestKey: string; body: Record<string, unknown> },
      ) {
        const what = `creating a ${entity}`;
        const json = await call({
          method: 'POST',
          path: entityPath(entity),
          body: input.body,
          requestKey: input.requestKey,
          what,
        });
        return parseEntity(entity, json[entity], what);
      },

      async changesSince(entities, since) {
        if (entities.length === 0)
          throw new LedgerError('validation', 'Change data capture needs at least one entity.');
        const what = `reading changes since ${since.toISOString()}`;
        const json = await call({
          method: 'GET',
          path: 'cdc',
          params: { entities: entities.join(','), changedSince: since.toISOString() },
          what,
        });
        return parseChangeSet(json, entities, what);
      },

      async report(name: TReportName, period) {
        for (const date of [period.startDate, period.endDate]) {
          if (!/^\d{4}-\d{2}-\d{2}$/.test(date))
            throw new LedgerError('validation', `"${date}" is not a date (YYYY-MM-DD).`);
        }
        const json = await call({
          method: 'GET',
          path: `reports/${name}`,
          params: {
            start_date: period.startDate,
            end_date: period.endDate,
            accounting_method: period.accountingMethod ?? 'Accrual',
          },
          what: `the ${name} report`,
        });
        return parseReport(json);
      },

      async companyInfo(): Promise<TCompanyInfo> {
        const what = 'reading the company information';
        const json = await call({ method: 'GET', path: `companyinfo/${encodeURIComponent(realmId)}`, what });
        const parsed = ZCompanyInfo.safeParse(json.CompanyInfo);
        if (!parsed.success) {
          throw new LedgerError(
            'unexpected_response',
            `QuickBooks sent company information in an unexpected format.`,
            {
              cause: parsed.error,
            },
          );
        }
        return parsed.data;
      },
    };

    function parseChangeSet(
      json: Record<string, unknown>,
      entities: readonly TLedgerEntityName[],
      what: string,
    ): TLedgerChangeSet {
      const cdc = json.CDCResponse;
      if (!Array.isArray(cdc)) {
        throw new LedgerError(
          'unexpected_response',
          `QuickBooks sent a change answer without CDCResponse (${what}).`,
        );
      }
      const changed: TLedgerChangeSet['changed'] = {};
      const deleted: TDeletedEntity[] = [];
      let truncatedAt: number | undefined;
      for (const block of cdc) {
        const responses = (block as { QueryResponse?: unknown }).QueryResponse;
        for (const response of Array.isArray(responses) ? responses : []) {
          if (typeof response !== 'object' || response === null) continue;
          for (const [name, rows] of Object.entries(response as Record<string, unknown>)) {
            if (!isLedgerEntityName(name) || !entities.includes(name) || !Array.isArray(rows)) continue;
            let latest = 0;
            for (const row of rows) {
              const gone = ZDeletedEntity.safeParse(row);
              if (gone.success) {
                const at = Date.parse(gone.data.MetaData?.LastUpdatedTime ?? '');
                deleted.push({
                  entity: name,
                  id: gone.data.Id,
                  deletedAt: new Date(Number.isNaN(at) ? Date.now() : at),
                });
                if (!Number.isNaN(at)) latest = Math.max(latest, at);
                continue;
              }
              const entity = parseEntity(name, row, what);
              (changed[name] ??= [] as never[]).push(entity as never);
              const at = Date.parse(entity.MetaData?.LastUpdatedTime ?? '');
              if (!Number.isNaN(at)) latest = Math.max(latest, at);
            }
            if (rows.length >= cdcMaxObjects && latest > 0) {
              truncatedAt = truncatedAt === undefined ? latest : Math.min(truncatedAt, latest);
            }
          }
        }
      }
      const serverTime = typeof json.time === 'string' ? Date.parse(json.time) : Number.NaN;
      const responseTime = Number.isNaN(serverTime) ? Date.now() : serverTime;
      return {
        changed,
        deleted,
        nextChangedSince: new Date(truncatedAt ?? responseTime - cdcOverlapMs),
        truncated: truncatedAt !== undefined,
      };
    }
  }

  return { company };
}
