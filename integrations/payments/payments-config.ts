/**
 * Which payments adapter a process uses, from its environment. The web app and the worker both add
 * paymentsEnvFields to their env schema, so a missing or malformed variable stops either at boot with
 * its name, and both build the same adapter with createPayments.
 *
 *   PAYMENTS_PROVIDER      local (default in development and test) or stripe; required in production
 *   STRIPE_SECRET_KEY      stripe only: sk_… or rk_…
 *   STRIPE_WEBHOOK_SECRET  stripe: the endpoint's signing secret (whsec_…); local: any long random
 *                          string (npm run dev keeps one per machine in .data/)
 *   STRIPE_API_BASE        optional: another Stripe API base URL (stripe-mock in tests)
 */
import { z } from 'zod';
import { createLocalPayments } from './local-payments';
import { paymentsProviders, type Payments } from './payments';
import { createStripePayments } from './stripe-payments';

/** An unset variable and an empty one (`STRIPE_SECRET_KEY=` in a compose file) mean the same. */
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (typeof value === 'string' && value.trim() === '' ? undefined : value), schema);

/**
 * The payment variables of a process's env schema. Which ones are required depends on the
 * provider chosen in `source`, so the error names exactly what is missing.
 */
export function paymentsEnvFields(
  source: Record<string, string | undefined>,
  nodeEnv: 'development' | 'test' | 'production' | undefined,
) {
  const production = nodeEnv === 'production';
  const provider = z.enum(paymentsProviders, { message: 'must be local or stripe' });
  const stripeChosen = source.PAYMENTS_PROVIDER?.trim() === 'stripe';
  const webhookSecret = stripeChosen
    ? z
        .string({
          message: 'is required when PAYMENTS_PROVIDER=stripe (the webhook endpoint signing secret)',
        })
        .startsWith('whsec_', "must be the webhook endpoint's signing secret (whsec_…)")
    : z
        .string({
          message:
            'is required: the local payment page signs its webhooks with it (any random string of 32+ characters, e.g. openssl rand -hex 32)',
        })
        .min(32, 'must be at least 32 characters (openssl rand -hex 32)');
  return {
    PAYMENTS_PROVIDER: production
      ? optional(provider.optional()).refine((value) => value !== undefined, {
          message: 'is required in production: stripe, or local for a demo without real payments',
        })
      : optional(provider.default('local')),
    STRIPE_SECRET_KEY: stripeChosen
      ? optional(
          z
            .string({ message: 'is required when PAYMENTS_PROVIDER=stripe' })
            .regex(/^(sk|rk)_(test|live)_\w+$/, 'must be a Stripe secret or restricted key (sk_… or rk_…)'),
        )
      : optional(z.string().optional()),
    STRIPE_WEBHOOK_SECRET: optional(webhookSecret),
    STRIPE_API_BASE: optional(
      z
        .url('must be a URL, e.g. http://127.0.0.1:12111 for stripe-mock')
        .refine(
          (value) => !production || value.startsWith('https://'),
          'must be an https:// URL in production',
        )
        .optional(),
    ),
  };
}

export interface TPaymentsEnv {
  PAYMENTS_PROVIDER?: 'local' | 'stripe' | undefined;
  STRIPE_SECRET_KEY?: string | undefined;
  STRIPE_WEBHOOK_SECRET: string;
  STRIPE_API_BASE?: string | undefined;
}

/** The adapter the parsed env asks for. `publicUrl` is where the local payment page is served. */
export function createPayments(env: TPaymentsEnv, { publicUrl }: { publicUrl: string }): Payments {
  if (env.PAYMENTS_PROVIDER === 'stripe') {
    if (!env.STRIPE_SECRET_KEY) throw new Error('PAYMENTS_PROVIDER=stripe needs STRIPE_SECRET_KEY');
    return createStripePayments({ secretKey: env.STRIPE_SECRET_KEY, apiBase: env.STRIPE_API_BASE });
  }
  return createLocalPayments({ publicUrl, webhookSecret: env.STRIPE_WEBHOOK_SECRET });
}
