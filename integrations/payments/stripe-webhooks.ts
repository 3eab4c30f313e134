/**
 * Stripe webhook signatures: verifying a delivery (production and local deliveries alike) and
 * signing one (the local payment page delivers `invoice.paid` to the platform the way Stripe does).
 * Both use the `stripe` library, on the exact raw body bytes.
 */
import Stripe from 'stripe';

/** Deliveries signed longer ago than this are refused as replays (Stripe's default tolerance). */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

export const webhookSignatureFailures = ['missing', 'stale', 'invalid', 'malformed'] as const;
export type TWebhookSignatureFailure = (typeof webhookSignatureFailures)[number];

/** A delivery that is not provably from Stripe (or from this platform's local payment page). */
export class WebhookSignatureError extends Error {
  override name = 'WebhookSignatureError';
  constructor(
    readonly reason: TWebhookSignatureFailure,
    message: string,
  ) {
    super(message);
  }
}

/** The envelope of a verified event; `object` is `data.object`, the snapshot the event describes. */
export interface TStripeEventEnvelope {
  id: string;
  type: string;
  /** When Stripe created the event. */
  created: Date;
  livemode: boolean;
  apiVersion: string | null;
  object: Record<string, unknown>;
}

/**
 * Verifies the `Stripe-Signature` header against the raw body and returns the event. Throws a
 * WebhookSignatureError when the header is missing, does not match, is older than the tolerance, or
 * the body is not an event.
 */
export function verifyStripeWebhook(input: {
  rawBody: Buffer;
  signature: string | null;
  secret: string;
  toleranceSeconds?: number;
}): TStripeEventEnvelope {
  if (!input.signature?.trim()) {
    throw new WebhookSignatureError('missing', 'The Stripe-Signature header is missing.');
  }
  let event: Stripe.Event;
  try {
    event = Stripe.webhooks.constructEvent(
      input.rawBody,
      input.signature,
      input.secret,
      input.toleranceSeconds ?? WEBHOOK_TOLERANCE_SECONDS,
    );
  } catch (error) {
    if (error instanceof Stripe.errors.StripeSignatureVerificationError) {
      const stale = /tolerance/i.test(error.message);
      throw new WebhookSignatureError(
        stale ? 'stale' : 'invalid',
        stale
          ? 'The signature is too old: the delivery was refused as a possible replay.'
          : 'The signature does not match the body.',
      );
    }
    throw new WebhookSignatureError('malformed', 'The body is not a JSON event.');
  }
  const raw = event as unknown as {
    id?: unknown;
    type?: unknown;
    created?: unknown;
    livemode?: unknown;
    api_version?: unknown;
    data?: { object?: unknown };
  };
  if (
    typeof raw.id !== 'string' ||
    !raw.id ||
    typeof raw.type !== 'string' ||
    typeof raw.created !== 'number' ||
    typeof raw.data?.object !== 'object' ||
    raw.data.object === null
  ) {
    throw new WebhookSignatureError('malformed', 'The body is signed but is not a Stripe event.');
  }
  return {
    id: raw.id,
    type: raw.type,
    created: new Date(raw.created * 1000),
    livemode: raw.livemode === true,
    apiVersion: typeof raw.api_version === 'string' ? raw.api_version : null,
    object: raw.data.object as Record<string, unknown>,
  };
}

/** The `Stripe-Signature` header for a body, as Stripe computes it (scheme v1, HMAC-SHA256). */
export function signStripeWebhook(input: { payload: string; secret: string; timestamp?: Date }): string {
  return Stripe.webhooks.generateTestHeaderString({
    payload: input.payload,
    secret: input.secret,
    timestamp: Math.floor((input.timestamp ?? new Date()).getTime() / 1000),
  });
}
