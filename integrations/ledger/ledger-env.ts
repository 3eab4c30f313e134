/**
 * Ledger configuration shared by the web and worker env modules:
 *
 *   LEDGER_PROVIDER=local        the repo's QuickBooks sandbox at QUICKBOOKS_SANDBOX_URL
 *                                (the default in development and tests; `npm run dev` starts it)
 *   LEDGER_PROVIDER=quickbooks   Intuit: INTUIT_CLIENT_ID, INTUIT_CLIENT_SECRET and
 *                                INTUIT_WEBHOOK_VERIFIER_TOKEN are required, INTUIT_ENVIRONMENT
 *                                picks sandbox or production companies
 *
 * QUICKBOOKS_API_BASE, INTUIT_AUTHORIZE_URL, INTUIT_TOKEN_URL and INTUIT_REVOKE_URL override the
 * derived URLs (for a proxy, or to point production-mode code at a local sandbox). In production
 * without LEDGER_PROVIDER, QuickBooks is simply not offered.
 */
import { z } from 'zod';
import { SensitiveString } from '../../lib/crypto/sensitive-string';
import { localSandboxApp } from './local-sandbox-app';
import { intuitOAuthEndpoints, type TOAuthEndpoints } from './quickbooks/oauth';

export const ledgerProviders = ['local', 'quickbooks'] as const;
export type TLedgerProvider = (typeof ledgerProviders)[number];

export { localSandboxApp };

export const defaultSandboxUrl = 'http://127.0.0.1:8090';

const intuitApiBase = {
  sandbox: 'https://sandbox-quickbooks.api.intuit.com',
  production: 'https://quickbooks.api.intuit.com',
} as const;

const blankIsUnset = (value: unknown) =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;
const optionalUrl = (what: string) => z.preprocess(blankIsUnset, z.url(`must be ${what}`).optional());
const optionalSecret = z.preprocess(blankIsUnset, z.string().min(1).optional());

/** The ledger variables, to spread into a process's env schema. */
export function ledgerEnvFields(nodeEnv: string | undefined) {
  const provider = z.preprocess(
    blankIsUnset,
    z.enum(ledgerProviders, {
      message: 'must be local (the repo’s QuickBooks sandbox) or quickbooks (Intuit)',
    }),
  );
  return {
    LEDGER_PROVIDER: nodeEnv === 'production' ? provider.optional() : provider.default('local'),
    QUICKBOOKS_SANDBOX_URL: z.preprocess(
      blankIsUnset,
      z
        .url('must be the local QuickBooks sandbox URL, e.g. http://127.0.0.1:8090')
        .default(defaultSandboxUrl),
    ),
    INTUIT_CLIENT_ID: optionalSecret,
    INTUIT_CLIENT_SECRET: optionalSecret,
    INTUIT_WEBHOOK_VERIFIER_TOKEN: optionalSecret,
    INTUIT_ENVIRONMENT: z.preprocess(
      blankIsUnset,
      z
        .enum(['sandbox', 'production'], { message: 'must be sandbox or production' })
        .default(nodeEnv === 'production' ? 'production' : 'sandbox'),
    ),
    QUICKBOOKS_API_BASE: optionalUrl('the QuickBooks API base URL, e.g. https://quickbooks.api.intuit.com'),
    INTUIT_AUTHORIZE_URL: optionalUrl('the Intuit OAuth authorize URL'),
    INTUIT_TOKEN_URL: optionalUrl('the Intuit OAuth token URL'),
    INTUIT_REVOKE_URL: optionalUrl('the Intuit OAuth revoke URL'),
  };
}

/** The parsed ledger variables. */
export interface TLedgerEnv {
  LEDGER_PROVIDER?: TLedgerProvider | undefined;
  QUICKBOOKS_SANDBOX_URL: string;
  INTUIT_CLIENT_ID?: string | undefined;
  INTUIT_CLIENT_SECRET?: string | undefined;
  INTUIT_WEBHOOK_VERIFIER_TOKEN?: string | undefined;
  INTUIT_ENVIRONMENT: 'sandbox' | 'production';
  QUICKBOOKS_API_BASE?: string | undefined;
  INTUIT_AUTHORIZE_URL?: string | undefined;
  INTUIT_TOKEN_URL?: string | undefined;
  INTUIT_REVOKE_URL?: string | undefined;
}

/** For `.superRefine(checkLedgerEnv)`: with LEDGER_PROVIDER=quickbooks, names each missing credential. */
export function checkLedgerEnv<T extends TLedgerEnv>(env: T, ctx: z.RefinementCtx<T>): void {
  if (env.LEDGER_PROVIDER !== 'quickbooks') return;
  const required = {
    INTUIT_CLIENT_ID: 'the Client ID of the Intuit app (developer.intuit.com → Keys & credentials)',
    INTUIT_CLIENT_SECRET: 'the Client Secret of the Intuit app',
    INTUIT_WEBHOOK_VERIFIER_TOKEN: 'the Verifier Token of the Intuit app’s webhooks',
  } as const;
  for (const [name, what] of Object.entries(required) as [keyof typeof required, string][]) {
    if (!env[name]) {
      ctx.addIssue({
        code: 'custom',
        path: [name],
        message: `is required with LEDGER_PROVIDER=quickbooks: ${what}`,
      });
    }
  }
}

export interface TLedgerConfig {
  mode: 'local' | 'sandbox' | 'production';
  clientId: string;
  clientSecret: SensitiveString;
  webhookVerifierToken: SensitiveString;
  /** Intuit's environment the OAuth library is told (the local sandbox poses as `sandbox`). */
  environment: 'sandbox' | 'production';
  apiBaseUrl: string;
  oauthEndpoints: TOAuthEndpoints;
  /** `<PUBLIC_URL>/oauth/quickbooks/callback`; only the web app connects companies. */
  redirectUri?: string;
}

/** The callback path registered with Intuit as the app's redirect URI. */
export const quickbooksCallbackPath = '/oauth/quickbooks/callback';

/** The configuration for createLedger(), or null when QuickBooks is not configured (production only). */
export function ledgerConfigFromEnv(env: TLedgerEnv, publicUrl?: string): TLedgerConfig | null {
  const redirectUri = publicUrl ? `${publicUrl.replace(/\/+$/, '')}${quickbooksCallbackPath}` : undefined;
  if (!env.LEDGER_PROVIDER) return null;
  if (env.LEDGER_PROVIDER === 'local') {
    const sandbox = env.QUICKBOOKS_SANDBOX_URL.replace(/\/+$/, '');
    return {
      mode: 'local',
      clientId: env.INTUIT_CLIENT_ID ?? localSandboxApp.clientId,
      clientSecret: new SensitiveString(env.INTUIT_CLIENT_SECRET ?? localSandboxApp.clientSecret),
      webhookVerifierToken: new SensitiveString(
        env.INTUIT_WEBHOOK_VERIFIER_TOKEN ?? localSandboxApp.webhookVerifierToken,
      ),
      environment: 'sandbox',
      apiBaseUrl: env.QUICKBOOKS_API_BASE ?? sandbox,
      oauthEndpoints: {
        authorize: env.INTUIT_AUTHORIZE_URL ?? `${sandbox}/connect/oauth2`,
        token: env.INTUIT_TOKEN_URL ?? `${sandbox}/oauth2/v1/tokens/bearer`,
        revoke: env.INTUIT_REVOKE_URL ?? `${sandbox}/v2/oauth2/tokens/revoke`,
      },
      redirectUri,
    };
  }
  if (!env.INTUIT_CLIENT_ID || !env.INTUIT_CLIENT_SECRET || !env.INTUIT_WEBHOOK_VERIFIER_TOKEN) {
    throw new Error(
      'LEDGER_PROVIDER=quickbooks needs INTUIT_CLIENT_ID, INTUIT_CLIENT_SECRET and INTUIT_WEBHOOK_VERIFIER_TOKEN',
    );
  }
  return {
    mode: env.INTUIT_ENVIRONMENT,
    clientId: env.INTUIT_CLIENT_ID,
    clientSecret: new SensitiveString(env.INTUIT_CLIENT_SECRET),
    webhookVerifierToken: new SensitiveString(env.INTUIT_WEBHOOK_VERIFIER_TOKEN),
    environment: env.INTUIT_ENVIRONMENT,
    apiBaseUrl: (env.QUICKBOOKS_API_BASE ?? intuitApiBase[env.INTUIT_ENVIRONMENT]).replace(/\/+$/, ''),
    oauthEndpoints: {
      authorize: env.INTUIT_AUTHORIZE_URL ?? intuitOAuthEndpoints.authorize,
      token: env.INTUIT_TOKEN_URL ?? intuitOAuthEndpoints.token,
      revoke: env.INTUIT_REVOKE_URL ?? intuitOAuthEndpoints.revoke,
    },
    redirectUri,
  };
}
