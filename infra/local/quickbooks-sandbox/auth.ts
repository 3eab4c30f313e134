/**
 * The sandbox's OAuth 2 server, after Intuit's: authorization codes (single use, 10 minutes),
 * grants per app and company with a rotating refresh token (every refresh issues a new one and
 * retires the old), bearer access tokens (1 hour unless configured), revocation of a whole grant.
 */
import { randomBytes } from 'node:crypto';

export interface TSandboxApp {
  clientId: string;
  clientSecret: string;
  /** Redirect URIs the app registered; any http(s) URL when absent. */
  redirectUris?: string[];
  /** The name shown on the authorize page. */
  name?: string;
}

export interface TGrant {
  id: string;
  clientId: string;
  realmId: string;
  refreshToken: string;
  refreshTokenExpiresAt: number;
  /** Access token → expiry (ms). */
  accessTokens: Record<string, number>;
  revoked: boolean;
  createdAt: number;
  refreshedAt: number | null;
}

interface TCode {
  clientId: string;
  redirectUri: string;
  realmId: string;
  expiresAt: number;
  used: boolean;
}

export interface TTokenResponse {
  token_type: 'bearer';
  access_token: string;
  refresh_token: string;
  expires_in: number;
  x_refresh_token_expires_in: number;
}

export type TTokenResult =
  | { ok: true; body: TTokenResponse }
  | { ok: false; status: 400 | 401; body: { error: string; error_description?: string } };

const token = (prefix: string) => `${prefix}${randomBytes(24).toString('base64url')}`;

export class SandboxAuth {
  readonly apps = new Map<string, TSandboxApp>();
  grants: TGrant[] = [];
  private readonly codes = new Map<string, TCode>();

  constructor(
    apps: TSandboxApp[],
    private readonly now: () => number,
    private readonly ttl: { accessSeconds: number; refreshSeconds: number },
  ) {
    for (const app of apps) this.apps.set(app.clientId, app);
  }

  redirectAllowed(app: TSandboxApp, redirectUri: string): boolean {
    if (app.redirectUris && app.redirectUris.length > 0) return app.redirectUris.includes(redirectUri);
    try {
      const url = new URL(redirectUri);
      return url.protocol === 'http:' || url.protocol === 'https:';
    } catch {
      return false;
    }
  }

  issueCode(clientId: string, redirectUri: string, realmId: string): string {
    const code = token('AB11');
    this.codes.set(code, {
      clientId,
      redirectUri,
      realmId,
      expiresAt: this.now() + 10 * 60_000,
      used: false,
    });
    return code;
  }

  /** The app named by a Basic authorization header with the right secret, or null. */
  authenticate(header: string | undefined): TSandboxApp | null {
    const match = /^Basic\s+(.+)$/i.exec(header ?? '');
    if (!match) return null;
    const decoded = Buffer.from(match[1] ?? '', 'base64').toString('utf8');
    const separator = decoded.indexOf(':');
    if (separator < 0) return null;
    const app = this.apps.get(decoded.slice(0, separator));
    return app && app.clientSecret === decoded.slice(separator + 1) ? app : null;
  }

  private issue(grant: TGrant): TTokenResponse {
    const access = token('eyJsbx');
    grant.accessTokens[access] = this.now() + this.ttl.accessSeconds * 1000;
    return {
      token_type: 'bearer',
      access_token: access,
      refresh_token: grant.refreshToken,
      expires_in: this.ttl.accessSeconds,
      x_refresh_token_expires_in: Math.max(0, Math.round((grant.refreshTokenExpiresAt - this.now()) / 1000)),
    };
  }

  exchange(app: TSandboxApp, form: URLSearchParams): TTokenResult {
    const grantType = form.get('grant_type');
    if (grantType === 'authorization_code') {
      const code = this.codes.get(form.get('code') ?? '');
      if (!code || code.used || code.expiresAt < this.now() || code.clientId !== app.clientId) {
        return { ok: false, status: 400, body: { error: 'invalid_grant' } };
      }
      if (code.redirectUri !== form.get('redirect_uri')) {
        return {
          ok: false,
          status: 400,
          body: { error: 'invalid_grant', error_description: 'redirect_uri mismatch' },
        };
      }
      code.used = true;
      const grant: TGrant = {
        id: token('g'),
        clientId: app.clientId,
        realmId: code.realmId,
        refreshToken: token('RT1-sbx-'),
        refreshTokenExpiresAt: this.now() + this.ttl.refreshSeconds * 1000,
        accessTokens: {},
        revoked: false,
        createdAt: this.now(),
        refreshedAt: null,
      };
      this.grants.push(grant);
      return { ok: true, body: this.issue(grant) };
    }
    if (grantType === 'refresh_token') {
      const presented = form.get('refresh_token') ?? '';
      const grant = this.grants.find((g) => g.refreshToken === presented && g.clientId === app.clientId);
      if (!grant || grant.revoked || grant.refreshTokenExpiresAt < this.now()) {
        return { ok: false, status: 400, body: { error: 'invalid_grant' } };
      }
      grant.refreshToken = token('RT1-sbx-');
      grant.refreshTokenExpiresAt = this.now() + this.ttl.refreshSeconds * 1000;
      grant.refreshedAt = this.now();
      return { ok: true, body: this.issue(grant) };
    }
    return { ok: false, status: 400, body: { error: 'unsupported_grant_type' } };
  }

  /** Revokes the grant a refresh or access token belongs to. Unknown tokens are fine (idempotent). */
  revoke(app: TSandboxApp, presented: string): void {
    for (const grant of this.grants) {
      if (grant.clientId !== app.clientId) continue;
      if (grant.refreshToken === presented || presented in grant.accessTokens) grant.revoked = true;
    }
  }

  /** The grant behind a bearer token, when it is valid for `realmId`. */
  authorizeApi(header: string | undefined, realmId: string): TGrant | null {
    const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
    if (!match) return null;
    const presented = match[1] ?? '';
    const grant = this.grants.find((g) => presented in g.accessTokens);
    if (!grant || grant.revoked || grant.realmId !== realmId) return null;
    const expiresAt = grant.accessTokens[presented] ?? 0;
    return expiresAt > this.now() ? grant : null;
  }

  expireAccessTokens(realmId?: string): number {
    let count = 0;
    for (const grant of this.grants) {
      if (realmId && grant.realmId !== realmId) continue;
      for (const access of Object.keys(grant.accessTokens)) {
        grant.accessTokens[access] = 0;
        count++;
      }
    }
    return count;
  }

  revokeGrants(realmId?: string): number {
    let count = 0;
    for (const grant of this.grants) {
      if (realmId && grant.realmId !== realmId) continue;
      if (!grant.revoked) count++;
      grant.revoked = true;
    }
    return count;
  }

  /** Drops expired access tokens and long-dead grants so a long-running dev sandbox stays small. */
  prune(): void {
    const now = this.now();
    for (const grant of this.grants) {
      for (const [access, expiresAt] of Object.entries(grant.accessTokens)) {
        if (expiresAt < now - 86_400_000) delete grant.accessTokens[access];
      }
    }
    this.grants = this.grants.filter(
      (g) => !(g.revoked || g.refreshTokenExpiresAt < now) || now - g.createdAt < 7 * 86_400_000,
    );
    for (const [code, entry] of this.codes) if (entry.expiresAt < now) this.codes.delete(code);
  }
}
