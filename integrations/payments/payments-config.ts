/**
 * Which payments adapter a process uses, from its environment. The web app and the worker spread
 * `paymentsEnvShape` into their env schema and refine it with `requirePaymentsSettings(...)`, so a
 * missing or malformed variable stops either at boot with its name; both build the same adapter
 * with createPayments.
 *
 *   PAYMENTS_PROVIDER      local (the default in development and test) or stripe; required in production
 *   STRIPE_SECRET_KEY      stripe: the API key (sk_… or rk_…)
 *   STRIPE_WEBHOOK_SECRET  stripe: the webhook endpoint's signing secret (whsec_…), for the web app;
 *                          local: any random string of 32+ characters, for both (npm run dev keeps one
 *                          per machine in .data/), which signs payment links and local deliveries
 *   STRIPE_API_BASE        optional: another Stripe API base URL (stripe-mock in tests)
 */
import { z } from 'zod';
import { createLocalPayments } from './local-payments';
import { paymentsProviders, type Payments, type TPaymentsProvider } from './payments';
import { createStripePayments } from './stripe-payments';

/** An unset variable and an empty one (`STRIPE_SECRET_KEY=` in a compose file) mean the same. */
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess(
    (value) => (typeof value === 'string' && value.trim() === '' ? undefined : value),
    schema.optional(),
  );

export const paymentsEnvShape = {
  PAYMENTS_PROVIDER: optional(z.enum(paymentsProviders, 'must be local or stripe')),
  STRIPE_SECRET_KEY: optional(
    z.string().regex(/^(sk|rk)_(test|live)_\w+$/, 'must be a Stripe secret or restricted key (sk_… or rk_…)'),
  ),
  STRIPE_WEBHOOK_SECRET: optional(z.string().trim()),
  STRIPE_API_BASE: optional(z.url('must be a URL, e.g. http://127.0.0.1:12111 for stripe-mock')),
};

export interface TPaymentsEnv {
  NODE_ENV?: string;
  PAYMENTS_PROVIDER?: TPaymentsProvider | undefined;
  STRIPE_SECRET_KEY?: string | undefined;
  STRIPE_WEBHOOK_SECRET?: string | undefined;
  STRIPE_API_BASE?: string | undefined;
}

/** The provider a parsed env asks for: local unless stripe is chosen. */
export function paymentsProviderOf(env: Pick<TPaymentsEnv, 'PAYMENTS_PROVIDER'>): TPaymentsProvider {
  return env.PAYMENTS_PROVIDER ?? 'local';
}

/**
 * A refinement for an env schema holding `paymentsEnvShape` (and NODE_ENV): names every payment
 * variable the chosen provider needs and lacks. The web app verifies webhooks, so it always needs
 * the webhook secret; the worker needs it only for the local adapter's payment links.
 */
export function requirePaymentsSettings(processKind: 'web' | 'worker') {
  return [
    (env: Partial<Record<keyof TPaymentsEnv, unknown>>, ctx: z.RefinementCtx) => {
      const issue = (name: keyof TPaymentsEnv, message: string) =>
        ctx.addIssue({ code: 'custom', path: [name], message });
      const production = env.NODE_ENV === 'production';
      if (production && env.PAYMENTS_PROVIDER === undefined) {
        issue(
          'PAYMENTS_PROVIDER',
          'is required in production: stripe, or local for a demo that takes no real payments',
        );
      }
      const secret = typeof env.STRIPE_WEBHOOK_SECRET === 'string' ? env.STRIPE_WEBHOOK_SECRET : undefined;
      if (env.PAYMENTS_PROVIDER === 'stripe') {
        if (env.STRIPE_SECRET_KEY === undefined)
          issue('STRIPE_SECRET_KEY', 'is required when PAYMENTS_PROVIDER=stripe');
        if (processKind === 'web' && secret === undefined) {
          issue(
            'STRIPE_WEBHOOK_SECRET',
            "is required when PAYMENTS_PROVIDER=stripe: the webhook endpoint's signing secret (whsec_…)",
          );
        } else if (secret !== undefined && !secret.startsWith('whsec_')) {
          issue('STRIPE_WEBHOOK_SECRET', "must be the webhook endpoint's signing secret (whsec_…)");
        }
      } else if (secret === undefined || secret.length < 32) {
        issue(
          'STRIPE_WEBHOOK_SECRET',
          secret === undefined
            ? 'is required: the local payment page signs payment links and webhooks with it (a random string of 32+ characters: openssl rand -hex 32)'
            : 'must be at least 32 characters (openssl rand -hex 32)',
        );
      }
      if (
        production &&
        typeof env.STRIPE_API_BASE === 'string' &&
        !env.STRIPE_API_BASE.startsWith('https://')
      ) {
        issue('STRIPE_API_BASE', 'must be an https:// URL in production');
      }
    },
    { when: () => true },
  ] as const;
}

/** The adapter a parsed env asks for. `publicUrl` is where the local payment page is served. */
export function createPayments(env: TPaymentsEnv, { publicUrl }: { publicUrl: string }): Payments {
  if (paymentsProviderOf(env) === 'stripe') {
    if (!env.STRIPE_SECRET_KEY) throw new Error('PAYMENTS_PROVIDER=stripe needs STRIPE_SECRET_KEY');
    return createStripePayments({ secretKey: env.STRIPE_SECRET_KEY, apiBase: env.STRIPE_API_BASE });
  }
  if (!env.STRIPE_WEBHOOK_SECRET) throw new Error('PAYMENTS_PROVIDER=local needs STRIPE_WEBHOOK_SECRET');
  return createLocalPayments({ publicUrl, webhookSecret: env.STRIPE_WEBHOOK_SECRET });
}
