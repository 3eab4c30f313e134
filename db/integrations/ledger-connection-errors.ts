import { AppError } from '../../lib/errors';

/**
 * The AppError reason for "this QuickBooks connection must be connected again by a person" (its
 * refresh token expired or was revoked, or QuickBooks refuses fresh tokens). Activities turn it into
 * a non-retryable failure; the settings page shows the connection's reason.
 */
export const ledgerReconnectNeededReason = 'ledger_reconnect_needed';

export function reconnectNeededError(detail: string | null): AppError {
  return new AppError(
    'conflict',
    `QuickBooks must be connected again for this client (Settings → Integrations)${detail ? `: ${detail}` : '.'}`,
    { reason: ledgerReconnectNeededReason },
  );
}
