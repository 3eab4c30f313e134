import { randomBytes } from 'node:crypto';
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import {
  signStripeWebhook,
  verifyStripeWebhook,
  WebhookSignatureError,
  type TWebhookSignatureFailure,
} from './stripe-webhooks';

const secret = `whsec_${randomBytes(24).toString('hex')}`;
const event = {
  id: 'evt_1TestEvent',
  object: 'event',
  api_version: Stripe.API_VERSION,
  created: Math.floor(Date.now() / 1000),
  livemode: false,
  type: 'invoice.paid',
  data: { object: { id: 'in_1', object: 'invoice', status: 'paid' } },
};
const payload = JSON.stringify(event);

function signed(body: string, options: { secret?: string; timestamp?: number } = {}) {
  return Stripe.webhooks.generateTestHeaderString({
    payload: body,
    secret: options.secret ?? secret,
    timestamp: options.timestamp,
  });
}

function failureOf(run: () => unknown): TWebhookSignatureFailure {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(WebhookSignatureError);
    return (error as WebhookSignatureError).reason;
  }
  throw new Error('expected the delivery to be refused');
}

describe('Stripe webhook signatures', () => {
  it('accepts a body signed with the endpoint secret and returns the event envelope', () => {
    const verified = verifyStripeWebhook({
      rawBody: Buffer.from(payload),
      signature: signed(payload),
      secret,
    });
    expect(verified).toEqual({
      id: 'evt_1TestEvent',
      type: 'invoice.paid',
      created: new Date(event.created * 1000),
      livemode: false,
      apiVersion: Stripe.API_VERSION,
      object: { id: 'in_1', object: 'invoice', status: 'paid' },
    });
  });

  it('refuses a delivery without a signature', () => {
    expect(
      failureOf(() => verifyStripeWebhook({ rawBody: Buffer.from(payload), signature: null, secret })),
    ).toBe('missing');
    expect(
      failureOf(() => verifyStripeWebhook({ rawBody: Buffer.from(payload), signature: ' ', secret })),
    ).toBe('missing');
  });

  it('refuses a signature made with another secret, or a body changed after signing', () => {
    const foreign = signed(payload, { secret: 'whsec_someone_else' });
    expect(
      failureOf(() => verifyStripeWebhook({ rawBody: Buffer.from(payload), signature: foreign, secret })),
    ).toBe('invalid');
    const tampered = payload.replace('"paid"', '"open"');
    expect(
      failureOf(() =>
        verifyStripeWebhook({ rawBody: Buffer.from(tampered), signature: signed(payload), secret }),
      ),
    ).toBe('invalid');
    expect(
      failureOf(() => verifyStripeWebhook({ rawBody: Buffer.from(payload), signature: 'garbage', secret })),
    ).toBe('invalid');
  });

  it('refuses a signature older than five minutes as a possible replay, and accepts one just inside', () => {
    const now = Math.floor(Date.now() / 1000);
    const stale = signed(payload, { timestamp: now - 301 });
    expect(
      failureOf(() => verifyStripeWebhook({ rawBody: Buffer.from(payload), signature: stale, secret })),
    ).toBe('stale');
    const recent = signed(payload, { timestamp: now - 280 });
    expect(verifyStripeWebhook({ rawBody: Buffer.from(payload), signature: recent, secret }).id).toBe(
      'evt_1TestEvent',
    );
  });

  it('refuses a correctly signed body that is not an event', () => {
    for (const body of [
      'not json',
      JSON.stringify({ id: 'evt_1', type: 'invoice.paid' }),
      JSON.stringify([1, 2]),
    ]) {
      expect(
        failureOf(() => verifyStripeWebhook({ rawBody: Buffer.from(body), signature: signed(body), secret })),
      ).toBe('malformed');
    }
  });

  it('signs deliveries the way Stripe does, so the platform verifies its own local deliveries', () => {
    const signature = signStripeWebhook({ payload, secret });
    expect(signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verifyStripeWebhook({ rawBody: Buffer.from(payload), signature, secret }).type).toBe(
      'invoice.paid',
    );
  });
});
