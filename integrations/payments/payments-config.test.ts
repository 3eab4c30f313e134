import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseEnv } from '../../lib/env';
import { createPayments, paymentsEnvShape, requirePaymentsSettings } from './payments-config';

const schema = (processKind: 'web' | 'worker') =>
  z
    .object({
      NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
      ...paymentsEnvShape,
    })
    .superRefine(...requirePaymentsSettings(processKind));

const localSecret = 'a'.repeat(64);

function problems(processKind: 'web' | 'worker', source: Record<string, string | undefined>): string {
  try {
    parseEnv(processKind, schema(processKind), source);
    return '';
  } catch (error) {
    return (error as Error).message;
  }
}

describe('payments configuration', () => {
  it('uses the local adapter outside production, given its secret', () => {
    const env = parseEnv('web', schema('web'), {
      NODE_ENV: 'development',
      STRIPE_WEBHOOK_SECRET: localSecret,
    });
    expect(env.PAYMENTS_PROVIDER).toBeUndefined();
    expect(createPayments(env, { publicUrl: 'http://localhost:3000' }).provider).toBe('local');
  });

  it('names the webhook secret when the local adapter has none, or a short one', () => {
    expect(problems('web', { NODE_ENV: 'test' })).toMatch(
      /STRIPE_WEBHOOK_SECRET: is required: the local payment page signs/,
    );
    expect(problems('worker', { NODE_ENV: 'test', STRIPE_WEBHOOK_SECRET: 'short' })).toMatch(
      /STRIPE_WEBHOOK_SECRET: must be at least 32 characters/,
    );
  });

  it('names every Stripe variable that is missing when Stripe is chosen, at boot', () => {
    const message = problems('web', { NODE_ENV: 'production', PAYMENTS_PROVIDER: 'stripe' });
    expect(message).toContain('STRIPE_SECRET_KEY: is required when PAYMENTS_PROVIDER=stripe');
    expect(message).toContain(
      "STRIPE_WEBHOOK_SECRET: is required when PAYMENTS_PROVIDER=stripe: the webhook endpoint's signing secret",
    );
    // The worker does not verify webhooks: it needs the API key only.
    const worker = problems('worker', { NODE_ENV: 'production', PAYMENTS_PROVIDER: 'stripe' });
    expect(worker).toContain('STRIPE_SECRET_KEY');
    expect(worker).not.toContain('STRIPE_WEBHOOK_SECRET');
  });

  it('refuses malformed Stripe values and an empty string counts as unset', () => {
    const message = problems('web', {
      NODE_ENV: 'production',
      PAYMENTS_PROVIDER: 'stripe',
      STRIPE_SECRET_KEY: 'pk_live_publishable',
      STRIPE_WEBHOOK_SECRET: 'not-a-whsec-secret-at-all-but-long-enough',
      STRIPE_API_BASE: 'http://127.0.0.1:12111',
    });
    expect(message).toContain('STRIPE_SECRET_KEY: must be a Stripe secret or restricted key');
    expect(message).toContain(
      "STRIPE_WEBHOOK_SECRET: must be the webhook endpoint's signing secret (whsec_…)",
    );
    expect(message).toContain('STRIPE_API_BASE: must be an https:// URL in production');
    expect(
      problems('web', { NODE_ENV: 'production', PAYMENTS_PROVIDER: 'stripe', STRIPE_SECRET_KEY: '' }),
    ).toContain('STRIPE_SECRET_KEY: is required');
  });

  it('requires an explicit choice in production', () => {
    expect(problems('worker', { NODE_ENV: 'production', STRIPE_WEBHOOK_SECRET: localSecret })).toContain(
      'PAYMENTS_PROVIDER: is required in production',
    );
    expect(problems('worker', { NODE_ENV: 'production', PAYMENTS_PROVIDER: 'paypal' })).toContain(
      'PAYMENTS_PROVIDER: must be local or stripe',
    );
  });

  it('builds the Stripe adapter, pointed at stripe-mock when STRIPE_API_BASE is set', () => {
    const env = parseEnv('web', schema('web'), {
      NODE_ENV: 'test',
      PAYMENTS_PROVIDER: 'stripe',
      STRIPE_SECRET_KEY: 'sk_test_abc123',
      STRIPE_WEBHOOK_SECRET: 'whsec_abc123',
      STRIPE_API_BASE: 'http://127.0.0.1:12111',
    });
    expect(createPayments(env, { publicUrl: 'http://localhost:3000' }).provider).toBe('stripe');
  });
});
