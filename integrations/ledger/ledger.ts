/**
 * The ledger port: a client's books in QuickBooks Online. One adapter (integrations/ledger/quickbooks)
 * talks to Intuit in production and to the local QuickBooks sandbox (infra/local/quickbooks-sandbox)
 * in development and tests; only the URLs differ (see ledger-env.ts).
 *
 * Tokens never appear as plain strings outside this port and the database column that stores them:
 * they travel as SensitiveString, which prints `[redacted]`.
 */
import type { SensitiveString } from '../../lib/crypto/sensitive-string';
import type {
  TAccount,
  TCompanyInfo,
  TDeposit,
  TJournalEntry,
  TLedgerEntityName,
  TPurchase,
} from './quickbooks/entities';
import type { TQuery, TQueryCondition } from './quickbooks/query';
import type { TLedgerReport, TReportName } from './quickbooks/reports';

export type {
  TAccount,
  TCompanyInfo,
  TDeposit,
  TJournalEntry,
  TLedgerEntityName,
  TPurchase,
} from './quickbooks/entities';
export type { TQuery, TQueryCondition } from './quickbooks/query';
export type { TLedgerReport, TReportName, TReportRow } from './quickbooks/reports';

/** The entity type for each entity name the platform reads and writes. */
export interface TLedgerEntities {
  Account: TAccount;
  Purchase: TPurchase;
  Deposit: TDeposit;
  JournalEntry: TJournalEntry;
}

/** An OAuth token pair with its expiry times. */
export interface TLedgerTokens {
  accessToken: SensitiveString;
  refreshToken: SensitiveString;
  accessTokenExpiresAt: Date;
  refreshTokenExpiresAt: Date;
}

/** What the authorization-code exchange gives: tokens for one QuickBooks company (realm). */
export interface TLedgerGrant extends TLedgerTokens {
  realmId: string;
}

/**
 * The result of a refresh. `invalid_grant` means the refresh token is expired or revoked: only the
 * user can fix that by connecting again. Anything else (network, 5xx) is thrown as a LedgerError.
 */
export type TRefreshOutcome =
  { ok: true; tokens: TLedgerTokens } | { ok: false; reason: 'invalid_grant'; message: string };

/**
 * Where the REST client gets access tokens for one company. The database implementation
 * (db/integrations/connection-token-source.ts) refreshes before expiry and saves rotated tokens.
 */
export interface TLedgerTokenSource {
  /** A valid access token, refreshed first when it is about to expire. */
  accessToken(): Promise<SensitiveString>;
  /**
   * The API answered 401 to `rejected`: refresh (unless someone already has since) and return the
   * new access token. Throws an AppError with reason `ledger_reconnect_needed` when it cannot.
   */
  renewAfterRejection(rejected: SensitiveString): Promise<SensitiveString>;
  /** The API refused even a fresh token: the connection needs the user (always throws). */
  rejectConnection(reason: string): Promise<never>;
}

/** One change to one entity, from a webhook delivery (either of Intuit's formats). */
export interface TLedgerEntityChange {
  /** The delivery's event ID (CloudEvents `id`), or one derived from the change (legacy format). */
  eventId: string;
  format: 'cloudevents' | 'legacy';
  realmId: string;
  /** Entity name as the API spells it: `Purchase`, `JournalEntry`, … */
  entity: string;
  entityId: string;
  operation: 'Create' | 'Update' | 'Delete' | 'Merge' | 'Void' | 'Emailed';
  /** When it changed (legacy `lastUpdated`, CloudEvents `time`). */
  occurredAt: Date;
  /** For merges: the entity that was merged away. */
  deletedId?: string;
}

/** An entity that change data capture reports as deleted. */
export interface TDeletedEntity {
  entity: TLedgerEntityName;
  id: string;
  deletedAt: Date;
}

/** What changed in a company since a moment (change data capture). */
export interface TLedgerChangeSet {
  /** Entities created or updated, by entity name. */
  changed: { [N in TLedgerEntityName]?: TLedgerEntities[N][] };
  deleted: TDeletedEntity[];
  /**
   * Where the next call should start: the server's time of this response, or, when QuickBooks cut
   * the answer short (1,000 objects), the last change time it returned.
   */
  nextChangedSince: Date;
  /** QuickBooks returned its maximum; call again from nextChangedSince for the rest. */
  truncated: boolean;
}

export interface TQueryPage<E> {
  entities: E[];
  startPosition: number;
  maxResults: number;
}

/** A sparse update: `change` gets the current entity and returns the fields to set (or null: nothing to do). */
export interface TSparseUpdate<E> {
  id: string;
  /**
   * The business key of this change (`categorize:<transactionId>:<answerId>`). The `requestid` is
   * derived from it and the SyncToken the change is based on, so a retry of the same change on the
   * same version gets QuickBooks' first answer instead of writing twice (or a stale-object fault).
   */
  requestKey: string;
  /** The entity as last read; it is read first when absent. */
  current?: E;
  change(current: E): Partial<E> | null;
}

/** The API of one QuickBooks company. Every call is limited per realm and retried on 429/5xx. */
export interface LedgerCompany {
  readonly realmId: string;
  query<N extends TLedgerEntityName>(query: TQuery<N>): Promise<TQueryPage<TLedgerEntities[N]>>;
  /** Every row of a query, page by page (STARTPOSITION/MAXRESULTS). */
  queryAll<N extends TLedgerEntityName>(
    query: Omit<TQuery<N>, 'startPosition' | 'maxResults'>,
  ): Promise<TLedgerEntities[N][]>;
  count<N extends TLedgerEntityName>(entity: N, where?: TQueryCondition[]): Promise<number>;
  read<N extends TLedgerEntityName>(entity: N, id: string): Promise<TLedgerEntities[N]>;
  /**
   * Sparse update with the entity's SyncToken. When QuickBooks answers that the SyncToken is stale
   * (someone else saved first), re-reads the entity, applies `change` to the fresh copy and retries once.
   */
  update<N extends TLedgerEntityName>(
    entity: N,
    update: TSparseUpdate<TLedgerEntities[N]>,
  ): Promise<TLedgerEntities[N]>;
  /** Creates an entity; `requestKey` makes a repeated create return the first one. */
  create<N extends TLedgerEntityName>(
    entity: N,
    input: { requestKey: string; body: Record<string, unknown> },
  ): Promise<TLedgerEntities[N]>;
  /** Change data capture: what changed since `since` (at most 30 days back). */
  changesSince(entities: readonly TLedgerEntityName[], since: Date): Promise<TLedgerChangeSet>;
  report(
    name: TReportName,
    period: { startDate: string; endDate: string; accountingMethod?: 'Accrual' | 'Cash' },
  ): Promise<TLedgerReport>;
  companyInfo(): Promise<TCompanyInfo>;
}

/** The ledger port. */
export interface Ledger {
  readonly provider: 'quickbooks';
  /** `local`: the repo's QuickBooks sandbox; `sandbox`/`production`: Intuit. */
  readonly mode: 'local' | 'sandbox' | 'production';
  /** Where to send the user to connect a company; `state` comes back to the callback unchanged. */
  authorizationUrl(state: string): string;
  /** Exchanges the authorization code in the callback URL for tokens. */
  exchangeCode(callbackUrl: string): Promise<TLedgerGrant>;
  refreshTokens(refreshToken: SensitiveString): Promise<TRefreshOutcome>;
  /** Revokes the grant (the refresh token and its access tokens). */
  revokeToken(token: SensitiveString): Promise<void>;
  company(realmId: string, tokens: TLedgerTokenSource): LedgerCompany;
  /** Checks `intuit-signature` against the raw body (constant time). */
  verifyWebhook(rawBody: string, signature: string | null): boolean;
  /** Parses a verified delivery, in the CloudEvents or the legacy format. Throws LedgerError on bad input. */
  parseWebhook(rawBody: string): TLedgerEntityChange[];
}
