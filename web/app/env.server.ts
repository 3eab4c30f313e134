import { z } from 'zod';
import { parseEnv, zPort } from '../../lib/env';
import { checkLedgerEnv, ledgerEnvFields } from '../../integrations/ledger/ledger-env';
import { paymentsEnvShape, requirePaymentsSettings } from '../../integrations/payments/payments-config';
import {
  documentAiEnvShape,
  requireAzureDocumentAiSettings,
} from '../../integrations/document-ai/document-ai-env';
import { checkPayloadKeys, payloadKeysEnvShape } from '../../lib/temporal/payload-keys';

/** Used only when NODE_ENV=development and SESSION_SECRET is unset; rejected everywhere else. */
const developmentSessionSecret = 'development-only-session-secret-never-used-in-production';

const ZNodeEnv = z.enum(['development', 'test', 'production']);

/**
 * The web process's configuration. Development gets defaults for what a laptop can guess;
 * test and production must say everything that matters for security.
 */
function webEnvSchema(source: Record<string, string | undefined>) {
  const nodeEnv = ZNodeEnv.safeParse(source.NODE_ENV ?? 'development').data;
  const isDevelopment = nodeEnv === 'development';
  const secret = z
    .string()
    .min(32, 'must be at least 32 characters (generate one: openssl rand -hex 32)')
    .refine(
      (value) => isDevelopment || value !== developmentSessionSecret,
      'must not be the development default',
    );
  const publicUrl = z.url('must be the base URL of the web app, e.g. https://app.example.com');

  return z.object({
    NODE_ENV: ZNodeEnv.default('development'),
    PORT: zPort.default(3000),
    PUBLIC_URL:
      nodeEnv === 'production' ? publicUrl : publicUrl.default(`http://localhost:${source.PORT ?? '3000'}`),
    SESSION_SECRET: isDevelopment ? secret.default(developmentSessionSecret) : secret,
    DATABASE_URL: z.string().startsWith('postgres', 'must be a postgres:// URL'),
    REDIS_URL: z.string().startsWith('redis', 'must be a redis:// URL'),
    TEMPORAL_ADDRESS: z
      .string()
      .min(3, 'must be host:port of the Temporal frontend')
      .default('127.0.0.1:7233'),
    TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
    TEMPORAL_UI_URL: z
      .url('must be the Temporal Web UI URL, e.g. http://localhost:8233')
      .default('http://localhost:8233'),
    /**
     * The origin the Temporal UI runs on, the only one allowed to call the codec endpoint (/codec/*)
     * from a browser; the origin of TEMPORAL_UI_URL when unset.
     */
    TEMPORAL_UI_ORIGIN: z
      .url('must be the origin of the Temporal Web UI, e.g. https://temporal.example.com')
      .refine(
        (value) => new URL(value).origin === value.replace(/\/+$/, ''),
        'must be an origin only (scheme, host and port, no path)',
      )
      .optional(),
    /** Temporal payload encryption keys, in every environment (lib/temporal/payload-keys.ts). */
    ...payloadKeysEnvShape,
    AZURE_STORAGE_CONNECTION_STRING: z.string().min(10, 'must be an Azure Storage connection string'),
    BLOB_CONTAINER: z
      .string()
      .regex(
        /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/,
        'must be a blob container name (3-63 lower-case letters, digits, dashes)',
      ),
    /** The blob endpoint as browsers reach it, when it differs from the connection string's (docker-compose). */
    BLOB_PUBLIC_ENDPOINT: z
      .url('must be the blob service URL browsers use, e.g. http://localhost:10000/devstoreaccount1')
      .optional(),
    MAILBOX_URL: z.url('must be the URL of the local mailbox page').optional(),
    /** Outgoing email (password resets, staff invitations, security notices). */
    SMTP_URL: z.string().startsWith('smtp', 'must be an smtp:// or smtps:// URL'),
    MAIL_FROM: z.string().min(3).default('CPA Platform <no-reply@cpa-platform.local>'),
    /** A session ends after this many seconds without a request (default 30 minutes). */
    SESSION_IDLE_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(86_400).default(1800),
    /** A session ends this many seconds after sign-in, however active (default 12 hours). */
    SESSION_ABSOLUTE_TIMEOUT_SECONDS: z.coerce
      .number()
      .int()
      .min(1)
      .max(30 * 86_400)
      .default(43_200),
    /** Prepended to every Redis key this process writes (throttle counters), to share one Redis safely. */
    REDIS_KEY_PREFIX: z
      .string()
      .regex(/^[\w.:-]{1,60}$/, 'must be letters, digits, dots, colons, dashes or underscores')
      .default('cpa:'),
    /** Document AI: `local` (default) or `azure` with its endpoint and key (integrations/document-ai). */
    ...documentAiEnvShape,
    /** Ledger: `local` QuickBooks sandbox (default outside production) or `quickbooks` (integrations/ledger/ledger-env.ts). */
    ...ledgerEnvFields(nodeEnv),
    /** Payments: `local` (default outside production) or `stripe` (integrations/payments/payments-config.ts). */
    ...paymentsEnvShape,
  });
}

export type TWebEnv = z.infer<ReturnType<typeof webEnvSchema>>;

/** Parses the configuration; throws naming every missing or malformed variable. */
export function parseWebEnv(source: Record<string, string | undefined> = process.env): TWebEnv {
  const env = parseEnv(
    'web',
    webEnvSchema(source)
      .superRefine(...requireAzureDocumentAiSettings)
      .superRefine(...requirePaymentsSettings('web'))
      .superRefine(checkLedgerEnv)
      .superRefine(checkPayloadKeys(source)),
    source,
  );
  return {
    ...env,
    PUBLIC_URL: env.PUBLIC_URL.replace(/\/+$/, ''),
    TEMPORAL_UI_URL: env.TEMPORAL_UI_URL.replace(/\/+$/, ''),
    TEMPORAL_UI_ORIGIN: new URL(env.TEMPORAL_UI_ORIGIN ?? env.TEMPORAL_UI_URL).origin,
  };
}

const envKey = Symbol.for('cpa.web.env');
type EnvHolder = { [envKey]?: TWebEnv };

/**
 * Sets the configuration of this process. web/server.ts calls it once, before the app is loaded;
 * it is kept on globalThis so the app (loaded by Vite in development) and the server share it.
 */
export function configureWebEnv(env: TWebEnv): void {
  (globalThis as EnvHolder)[envKey] = env;
}

/** The configuration of this process: as configured, else parsed from process.env on first use. */
export function webEnv(): TWebEnv {
  const holder = globalThis as EnvHolder;
  holder[envKey] ??= parseWebEnv();
  return holder[envKey];
}
