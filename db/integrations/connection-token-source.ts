/**
 * Access tokens for one QuickBooks connection, from the database: the ledger's REST client asks
 * this for a token before each request (integrations/ledger: TLedgerTokenSource).
 *
 * - A token that expires within five minutes is refreshed first; the rotated pair is saved
 *   atomically and only over the version it was refreshed from (saveRefreshedTokens).
 * - Two refreshes of one connection in this process share one call; across processes the version
 *   check decides, and the loser uses the winner's (newer) tokens.
 * - A refused refresh (invalid_grant: expired or revoked) moves the connection to "reconnect
 *   needed" with the reason and a staff task, unless another process meanwhile saved newer tokens.
 *   Then, and whenever the connection is not connected, it throws the `ledger_reconnect_needed`
 *   AppError, which activities turn into a non-retryable failure.
 */
import { AppError } from '../../lib/errors';
import type { SensitiveString } from '../../lib/crypto/sensitive-string';
import { systemActor, type TActor } from '../audit/actor';
import { forTenant, type TForkable } from '../tenancy/tenant-context';
import { IntegrationConnection } from './integration-connection.entity';
import { reconnectNeededError } from './ledger-connection-errors';
import { markConnectionReconnectNeeded } from './mark-connection-reconnect-needed';
import { saveRefreshedTokens, type TTokenPair } from './save-refreshed-tokens';

/** What the vendor said to a refresh (the ledger port's `refreshTokens`). */
export type TRefreshTokens = (
  refreshToken: SensitiveString,
) => Promise<{ ok: true; tokens: TTokenPair } | { ok: false; reason: string; message: string }>;

export interface TConnectionTokenSource {
  accessToken(): Promise<SensitiveString>;
  renewAfterRejection(rejected: SensitiveString): Promise<SensitiveString>;
  rejectConnection(reason: string): Promise<never>;
}

interface TLoaded {
  status: string;
  statusReason: string | null;
  tokenVersion: number;
  accessToken: SensitiveString | null;
  refreshToken: SensitiveString | null;
  accessTokenExpiresAt: Date | null;
}

/** Refreshes in progress in this process, per connection. */
const refreshing = new Map<string, Promise<SensitiveString>>();

export function createConnectionTokenSource(input: {
  orm: TForkable;
  organizationId: string;
  connectionId: string;
  refresh: TRefreshTokens;
  /** Who acts when the connection is marked "reconnect needed" (the system unless given). */
  actor?: TActor;
  refreshMarginMs?: number;
  now?: () => Date;
}): TConnectionTokenSource {
  const margin = input.refreshMarginMs ?? 5 * 60_000;
  const now = input.now ?? (() => new Date());
  const actor = input.actor ?? systemActor;
  const em = () => forTenant(input.orm, input.organizationId);

  async function load(): Promise<TLoaded> {
    const connection = await em().findOne(
      IntegrationConnection,
      { id: input.connectionId, organization: input.organizationId },
      { populate: ['accessToken', 'refreshToken'] },
    );
    if (!connection) throw new AppError('not_found', 'This QuickBooks connection no longer exists.');
    return {
      status: connection.status,
      statusReason: connection.statusReason ?? null,
      tokenVersion: connection.tokenVersion,
      accessToken: connection.accessToken ?? null,
      refreshToken: connection.refreshToken ?? null,
      accessTokenExpiresAt: connection.accessTokenExpiresAt ?? null,
    };
  }

  function usable(loaded: TLoaded): SensitiveString {
    if (loaded.status !== 'connected' || !loaded.accessToken) throw reconnectNeededError(loaded.statusReason);
    return loaded.accessToken;
  }

  const fresh = (loaded: TLoaded) =>
    loaded.accessToken !== null &&
    loaded.accessTokenExpiresAt !== null &&
    loaded.accessTokenExpiresAt.getTime() - now().getTime() > margin;

  async function markBroken(reason: string, expectedVersion?: number): Promise<never> {
    await markConnectionReconnectNeeded(em(), {
      organizationId: input.organizationId,
      connectionId: input.connectionId,
      reason,
      expectedVersion,
      actor,
    });
    const latest = await load();
    // Another process saved newer tokens in the meantime: the failure was about the old ones.
    if (
      latest.status === 'connected' &&
      expectedVersion !== undefined &&
      latest.tokenVersion !== expectedVersion
    ) {
      throw new AppError(
        'unavailable',
        'The QuickBooks tokens changed while we used them; please try again.',
        {
          reason: 'ledger_tokens_changed',
        },
      );
    }
    throw reconnectNeededError(latest.statusReason ?? reason);
  }

  async function refreshFrom(loaded: TLoaded): Promise<SensitiveString> {
    usable(loaded);
    if (!loaded.refreshToken) return markBroken('The connection has no refresh token.', loaded.tokenVersion);
    const outcome = await input.refresh(loaded.refreshToken);
    if (!outcome.ok) {
      const latest = await load();
      if (
        latest.status === 'connected' &&
        latest.tokenVersion !== loaded.tokenVersion &&
        latest.accessToken
      ) {
        return latest.accessToken;
      }
      return markBroken(outcome.message, loaded.tokenVersion);
    }
    const saved = await saveRefreshedTokens(em(), {
      organizationId: input.organizationId,
      connectionId: input.connectionId,
      expectedVersion: loaded.tokenVersion,
      tokens: outcome.tokens,
      now: now(),
    });
    if (saved.saved) return outcome.tokens.accessToken;
    return usable(await load());
  }

  /** One refresh per connection at a time in this process; later callers share its result. */
  function singleFlight(loaded: TLoaded): Promise<SensitiveString> {
    const running = refreshing.get(input.connectionId);
    if (running) return running;
    const started = refreshFrom(loaded).finally(() => refreshing.delete(input.connectionId));
    refreshing.set(input.connectionId, started);
    return started;
  }

  let cached: { token: SensitiveString; expiresAt: number } | undefined;

  return {
    async accessToken() {
      if (cached && cached.expiresAt - now().getTime() > margin) return cached.token;
      const loaded = await load();
      if (!fresh(loaded)) return singleFlight(loaded);
      const token = usable(loaded);
      cached = { token, expiresAt: loaded.accessTokenExpiresAt?.getTime() ?? 0 };
      return token;
    },

    async renewAfterRejection(rejected) {
      cached = undefined;
      const loaded = await load();
      const current = usable(loaded);
      // Someone already renewed it since this token was handed out.
      if (!current.equals(rejected) && fresh(loaded)) return current;
      return singleFlight(loaded);
    },

    async rejectConnection(reason) {
      cached = undefined;
      return markBroken(reason);
    },
  };
}
