/**
 * POST /webhooks/stripe: Stripe's deliveries (and the local payment page's, which are signed the
 * same way). The raw body is read first and its signature verified before anything else; a
 * delivery that is unsigned, signed with another secret, or older than five minutes is refused
 * with 400 and changes nothing. A verified event is stored once per event ID (a redelivery answers
 * 200 and does nothing), answered at once, and processed right after (web/app/payments/
 * stripe-events.server.ts), durably: it stays `received` until processed.
 *
 * Not a form: no CSRF token, no session. The signature is the authentication.
 */
import type { ActionFunctionArgs } from '@remix-run/node';
import { storeStripeEvent } from '../../../db/billing/store-stripe-event';
import { forSystem } from '../../../db/tenancy/tenant-context';
import { verifyStripeWebhook, WebhookSignatureError } from '../../../integrations/payments/stripe-webhooks';
import { webEnv } from '../env.server';
import { orm, stripeEvents } from '../services.server';

/** Stripe's events are a few kilobytes; anything this large is not one. */
const MAX_BODY_BYTES = 1024 * 1024;

const json = (status: number, body: Record<string, unknown>) =>
  Response.json(body, { status, headers: { 'Cache-Control': 'no-store' } });

export function loader() {
  return new Response('This endpoint takes webhook deliveries from Stripe (POST) only.', {
    status: 405,
    headers: { Allow: 'POST', 'Content-Type': 'text/plain; charset=utf-8' },
  });
}

export async function action({ request, context }: ActionFunctionArgs) {
  if (request.method !== 'POST') return loader();
  const declaredLength = Number(request.headers.get('content-length') ?? '0');
  if (declaredLength > MAX_BODY_BYTES) return json(413, { error: 'The delivery is too large.' });
  const rawBody = Buffer.from(await request.arrayBuffer());
  if (rawBody.length > MAX_BODY_BYTES) return json(413, { error: 'The delivery is too large.' });

  const secret = webEnv().STRIPE_WEBHOOK_SECRET;
  if (!secret) {
    console.error(`[${context.requestId}] stripe webhook: STRIPE_WEBHOOK_SECRET is not configured`);
    return json(500, { error: 'Webhooks are not configured.' });
  }
  let event;
  try {
    event = verifyStripeWebhook({ rawBody, signature: request.headers.get('stripe-signature'), secret });
  } catch (error) {
    if (!(error instanceof WebhookSignatureError)) throw error;
    console.warn(`[${context.requestId}] stripe webhook refused (${error.reason}): ${error.message}`);
    return json(400, { error: error.message });
  }

  const payload = JSON.parse(rawBody.toString('utf8')) as Record<string, unknown>;
  let stored;
  try {
    stored = await storeStripeEvent(
      forSystem(await orm(), 'stripe webhook: stored before it is matched to a firm'),
      {
        eventId: event.id,
        type: event.type,
        payload,
      },
    );
  } catch (error) {
    // Not stored: a 5xx makes Stripe deliver it again later.
    console.error(`[${context.requestId}] stripe webhook ${event.id} could not be stored`, error);
    return json(503, { error: 'The event could not be stored; deliver it again later.' });
  }
  if (stored.duplicate) return json(200, { received: true, duplicate: true });
  stripeEvents().enqueue(stored.webhookEventId!);
  return json(200, { received: true });
}
