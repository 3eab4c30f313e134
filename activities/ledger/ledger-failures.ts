/**
 * How a ledger failure reaches Temporal, so a broken or unreachable QuickBooks shows up as a
 * retrying activity with a readable reason, never as a lost step:
 *
 * - the connection needs the user (refresh token expired or revoked, fresh tokens refused): the
 *   token source has already moved it to "reconnect needed" and opened a task; non-retryable,
 *   type `LedgerReconnectNeeded`, with the message staff see;
 * - 429, 5xx, timeouts, a lost SyncToken race: retryable, type `Ledger:<kind>`; a Retry-After
 *   longer than the client waits in-process becomes the next retry delay;
 * - validation faults, missing entities, permissions, unexpected answers: non-retryable;
 * - other AppErrors (business rules): non-retryable, as everywhere (activities/shared/business-errors).
 */
import { ApplicationFailure } from '@temporalio/activity';
import { ledgerReconnectNeededReason } from '../../db/integrations/ledger-connection-errors';
import { isLedgerError } from '../../integrations/ledger/ledger-errors';
import { isAppError } from '../../lib/errors';

export const ledgerReconnectNeededFailureType = 'LedgerReconnectNeeded';

export function toLedgerFailure(error: unknown): unknown {
  if (isAppError(error, ledgerReconnectNeededReason)) {
    return ApplicationFailure.create({
      type: ledgerReconnectNeededFailureType,
      message: error.userMessage,
      nonRetryable: true,
      cause: error,
    });
  }
  if (isLedgerError(error)) {
    return ApplicationFailure.create({
      type: `Ledger:${error.kind}`,
      message: error.message,
      nonRetryable: !error.retryable,
      nextRetryDelay: error.retryable && error.retryAfterMs !== undefined ? error.retryAfterMs : undefined,
      details: [
        {
          kind: error.kind,
          status: error.status ?? null,
          faultCode: error.faultCode ?? null,
          intuitTid: error.intuitTid ?? null,
        },
      ],
      cause: error,
    });
  }
  if (isAppError(error)) {
    return ApplicationFailure.create({
      type: `AppError:${error.code}`,
      message: error.userMessage,
      nonRetryable: true,
      cause: error,
    });
  }
  return error;
}

/** Runs an activity body that talks to the ledger, classifying what it throws (see above). */
export async function ledgerActivity<T>(body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    throw toLedgerFailure(error);
  }
}
