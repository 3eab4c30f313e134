/**
 * OAuth 2 with Intuit through `intuit-oauth`: the authorization URL, the code exchange, refresh and
 * revocation. The library keeps its endpoints in static fields (`setAuthorizeURLs` changes them for
 * every client in the process), so each call sets this configuration's endpoints right before the
 * library reads them, in the same synchronous step; two configurations in one process stay apart.
 *
 * The library has no request timeout; each call here gives up after `timeoutMs`.
 */
import OAuthClient from 'intuit-oauth';
import { SensitiveString } from '../../../lib/crypto/sensitive-string';
import type { TLedgerGrant, TLedgerTokens, TRefreshOutcome } from '../ledger';
import { LedgerError } from '../ledger-errors';

/** Intuit's OAuth endpoints (the same for its sandbox and production companies). */
export const intuitOAuthEndpoints = {
  authorize: 'https://appcenter.intuit.com/connect/oauth2',
  token: 'https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer',
  revoke: 'https://developer.api.intuit.com/v2/oauth2/tokens/revoke',
  userInfo: 'https://accounts.platform.intuit.com/v1/openid_connect/userinfo',
} as const;

export interface TOAuthEndpoints {
  authorize: string;
  token: string;
  revoke: string;
}

export interface TQuickbooksOAuthOptions {
  clientId: string;
  clientSecret: SensitiveString;
  environment: 'sandbox' | 'production';
  /** The platform's callback URL, exactly as registered with Intuit. Needed to connect, not to refresh. */
  redirectUri?: string;
  endpoints: TOAuthEndpoints;
  timeoutMs?: number;
  now?: () => number;
}

/** The parts of intuit-oauth's error wrapper this module reads. */
interface TOAuthLibraryError {
  error?: unknown;
  error_description?: unknown;
  originalMessage?: unknown;
  message?: unknown;
  authResponse?: { response?: { status?: unknown } | string } | string;
}

function describe(error: unknown): { code: string; description: string; status: number | undefined } {
  const e = (typeof error === 'object' && error !== null ? error : {}) as TOAuthLibraryError;
  const response = typeof e.authResponse === 'object' ? e.authResponse.response : undefined;
  const status =
    typeof response === 'object' && typeof response.status === 'number' ? response.status : undefined;
  const code = typeof e.error === 'string' ? e.error : '';
  const description =
    typeof e.error_description === 'string' && e.error_description
      ? e.error_description
      : typeof e.originalMessage === 'string'
        ? e.originalMessage
        : typeof e.message === 'string'
          ? e.message
          : '';
  return { code, description, status };
}

/** Token endpoint JSON: `expires_in` and `x_refresh_token_expires_in` are seconds from now. */
function tokensFrom(json: unknown, now: number): TLedgerTokens {
  const body = (typeof json === 'object' && json !== null ? json : {}) as Record<string, unknown>;
  const access = body.access_token;
  const refresh = body.refresh_token;
  const expiresIn = Number(body.expires_in);
  const refreshExpiresIn = Number(body.x_refresh_token_expires_in);
  if (typeof access !== 'string' || !access || typeof refresh !== 'string' || !refresh) {
    throw new LedgerError(
      'unexpected_response',
      'The QuickBooks token answer has no access or refresh token.',
    );
  }
  return {
    accessToken: new SensitiveString(access),
    refreshToken: new SensitiveString(refresh),
    accessTokenExpiresAt: new Date(
      now + (Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : 3600) * 1000,
    ),
    refreshTokenExpiresAt: new Date(
      now +
        (Number.isFinite(refreshExpiresIn) && refreshExpiresIn > 0 ? refreshExpiresIn : 100 * 86_400) * 1000,
    ),
  };
}

export interface QuickbooksOAuth {
  authorizationUrl(state: string): string;
  exchangeCode(callbackUrl: string): Promise<TLedgerGrant>;
  refresh(refreshToken: SensitiveString): Promise<TRefreshOutcome>;
  revoke(token: SensitiveString): Promise<void>;
}

export function createQuickbooksOAuth(options: TQuickbooksOAuthOptions): QuickbooksOAuth {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const now = options.now ?? Date.now;

  /** A fresh library client with this configuration's endpoints in place. Use it synchronously. */
  function client(): OAuthClient {
    const oauth = new OAuthClient({
      clientId: options.clientId,
      clientSecret: options.clientSecret.reveal(),
      environment: options.environment,
      redirectUri: options.redirectUri ?? '',
      logging: false,
    });
    oauth.setAuthorizeURLs({
      authorizeEndpoint: options.endpoints.authorize,
      tokenEndpoint: options.endpoints.token,
      revokeEndpoint: options.endpoints.revoke,
      userInfoEndpoint: intuitOAuthEndpoints.userInfo,
    });
    return oauth;
  }

  async function withTimeout<T>(what: string, started: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new LedgerError('timeout', `QuickBooks sign-in did not answer in time (${what}).`)),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([started, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** An error of the token or revoke endpoint, as a LedgerError (not for invalid_grant). */
  function failure(what: string, error: unknown): LedgerError {
    if (error instanceof LedgerError) return error;
    const { code, description, status } = describe(error);
    if (code === 'invalid_client' || status === 401) {
      return new LedgerError(
        'forbidden',
        `QuickBooks refused this installation's app credentials (${what}); check INTUIT_CLIENT_ID and INTUIT_CLIENT_SECRET.`,
        { status, cause: error },
      );
    }
    if (status === undefined || status === 429 || status >= 500) {
      return new LedgerError(
        status === 429 ? 'rate_limited' : 'unavailable',
        `QuickBooks sign-in is not answering properly (${what}); it will be tried again.`,
        { status, cause: error },
      );
    }
    return new LedgerError(
      'validation',
      `QuickBooks refused ${what}: ${code || description || `HTTP ${status}`}.`,
      {
        status,
        cause: error,
      },
    );
  }

  return {
    authorizationUrl(state) {
      if (!options.redirectUri) throw new Error('connecting QuickBooks needs the redirect URI');
      return client().authorizeUri({ scope: [OAuthClient.scopes.Accounting], state });
    },

    async exchangeCode(callbackUrl) {
      if (!options.redirectUri) throw new Error('connecting QuickBooks needs the redirect URI');
      const realmId = new URL(callbackUrl).searchParams.get('realmId');
      if (!realmId)
        throw new LedgerError('validation', 'QuickBooks did not say which company was connected.');
      try {
        const started = now();
        const response = await withTimeout(
          'exchanging the authorization code',
          client().createToken(callbackUrl),
        );
        return { realmId, ...tokensFrom(response.json, started) };
      } catch (error) {
        const { code } = describe(error);
        if (code === 'invalid_grant') {
          throw new LedgerError(
            'validation',
            'QuickBooks did not accept the sign-in (the code expired or was already used). Please connect again.',
            { cause: error },
          );
        }
        throw failure('exchanging the authorization code', error);
      }
    },

    async refresh(refreshToken) {
      try {
        const started = now();
        const response = await withTimeout(
          'refreshing the access token',
          client().refreshUsingToken(refreshToken.reveal()),
        );
        return { ok: true, tokens: tokensFrom(response.json, started) };
      } catch (error) {
        const { code } = describe(error);
        if (code === 'invalid_grant') {
          const e = error as TOAuthLibraryError;
          const said =
            typeof e.error_description === 'string' && e.error_description ? `: ${e.error_description}` : '';
          return {
            ok: false,
            reason: 'invalid_grant',
            message: `QuickBooks no longer accepts this connection: its sign-in expired or was revoked in QuickBooks${said}.`,
          };
        }
        throw failure('refreshing the access token', error);
      }
    },

    async revoke(token) {
      try {
        await withTimeout('disconnecting', client().revoke({ refresh_token: token.reveal() }));
      } catch (error) {
        throw failure('disconnecting', error);
      }
    },
  };
}
