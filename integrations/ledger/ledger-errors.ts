/**
 * What can go wrong talking to QuickBooks, sorted by what the caller should do about it:
 * retry later (rate limits, outages, timeouts) or stop and tell someone (validation, missing
 * records, permissions). Expired or revoked connections surface as whatever the token source throws
 * (db/integrations/connection-token-source.ts: an AppError with reason `ledger_reconnect_needed`),
 * because the database records them.
 */
export const ledgerErrorKinds = [
  /** 429: too many requests for this company. Retryable. */
  'rate_limited',
  /** 5xx or a connection failure. Retryable. */
  'unavailable',
  /** No answer within the time limit. Retryable. */
  'timeout',
  /** Someone else saved the entity first and our retry lost again. Retryable (read again). */
  'conflict',
  /** QuickBooks refused the request as invalid (ValidationFault, bad query). Not retryable. */
  'validation',
  /** The entity or company does not exist (any more). Not retryable. */
  'not_found',
  /** The connected user may not do this (403, AuthorizationFault). Not retryable. */
  'forbidden',
  /** An answer that does not have the documented shape. Not retryable. */
  'unexpected_response',
] as const;
export type TLedgerErrorKind = (typeof ledgerErrorKinds)[number];

const retryableKinds: ReadonlySet<TLedgerErrorKind> = new Set([
  'rate_limited',
  'unavailable',
  'timeout',
  'conflict',
]);

export interface TLedgerErrorDetails {
  status?: number;
  /** Fault type, e.g. ValidationFault, ThrottlingFault. */
  faultType?: string;
  /** Fault error code, e.g. 5010 (stale object), 610 (object not found). */
  faultCode?: string;
  /** Intuit's transaction ID (`intuit_tid` header), for support requests. */
  intuitTid?: string;
  /** How long QuickBooks asked us to wait (Retry-After), when it said. */
  retryAfterMs?: number;
  cause?: unknown;
}

export class LedgerError extends Error {
  override name = 'LedgerError';
  readonly kind: TLedgerErrorKind;
  readonly retryable: boolean;
  readonly status: number | undefined;
  readonly faultType: string | undefined;
  readonly faultCode: string | undefined;
  readonly intuitTid: string | undefined;
  readonly retryAfterMs: number | undefined;

  /** `message` is written for a person: it ends up in the engagement's status and in logs. */
  constructor(kind: TLedgerErrorKind, message: string, details: TLedgerErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.kind = kind;
    this.retryable = retryableKinds.has(kind);
    this.status = details.status;
    this.faultType = details.faultType;
    this.faultCode = details.faultCode;
    this.intuitTid = details.intuitTid;
    this.retryAfterMs = details.retryAfterMs;
  }
}

export function isLedgerError(error: unknown, kind?: TLedgerErrorKind): error is LedgerError {
  return error instanceof LedgerError && (kind === undefined || error.kind === kind);
}
