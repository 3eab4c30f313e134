/**
 * POST /webhooks/quickbooks: Intuit's change notifications (CloudEvents array or the legacy
 * `eventNotifications` format). The signature is checked on the raw body (`intuit-signature`,
 * HMAC-SHA256 with the app's verifier token, constant-time); a bad or missing one is refused with
 * 401 and nothing is stored. Each change is stored once per event ID (webhook_event), the request is
 * answered at once, and the changes are then handed to the running closes in the background
 * (web/app/ledger/quickbooks-webhook.server.ts). Not a form: no CSRF token, the signature instead.
 */
import type { ActionFunctionArgs } from '@remix-run/node';
import { storeQuickbooksEvent } from '../../../db/integrations/store-quickbooks-event';
import { forSystem } from '../../../db/tenancy/tenant-context';
import { isLedgerError } from '../../../integrations/ledger/ledger-errors';
import { processQuickbooksChanges, type TStoredChange } from '../ledger/quickbooks-webhook.server';
import { ledger, orm } from '../services.server';

const maxBodyBytes = 1024 * 1024;

const text = (status: number, body: string, headers: Record<string, string> = {}) =>
  new Response(body, {
    status,
    headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', ...headers },
  });

export function loader() {
  return text(405, 'QuickBooks webhooks are POSTed here.', { Allow: 'POST' });
}

export async function action({ request, context }: ActionFunctionArgs) {
  if (request.method !== 'POST') return text(405, 'Use POST.', { Allow: 'POST' });
  const configured = ledger();
  if (!configured) return text(404, 'QuickBooks is not configured on this server.');
  if (Number(request.headers.get('content-length') ?? 0) > maxBodyBytes) return text(413, 'Body too large.');
  const raw = await request.text();
  if (Buffer.byteLength(raw, 'utf8') > maxBodyBytes) return text(413, 'Body too large.');
  if (!configured.verifyWebhook(raw, request.headers.get('intuit-signature'))) {
    return text(401, 'The intuit-signature header does not match the body.');
  }
  let changes;
  try {
    changes = configured.parseWebhook(raw);
  } catch (error) {
    if (isLedgerError(error)) return text(400, error.message);
    throw error;
  }

  const em = forSystem(await orm(), 'QuickBooks webhook: storing deliveries before the firm is known');
  const fresh: TStoredChange[] = [];
  let duplicates = 0;
  try {
    for (const change of changes) {
      const stored = await storeQuickbooksEvent(em, {
        eventId: change.eventId,
        type: `${change.entity}.${change.operation}`,
        payload: {
          format: change.format,
          realmId: change.realmId,
          entity: change.entity,
          entityId: change.entityId,
          operation: change.operation,
          occurredAt: change.occurredAt.toISOString(),
          ...(change.deletedId ? { deletedId: change.deletedId } : {}),
        },
      });
      if (stored.webhookEventId) fresh.push({ webhookEventId: stored.webhookEventId, change });
      else duplicates += 1;
    }
  } catch (error) {
    // Not stored: a 500 makes Intuit deliver again later, which is what we want.
    console.warn(
      `[${context.requestId}] QuickBooks webhook not stored: ${error instanceof Error ? error.message : String(error)}`,
    );
    return text(500, 'Not stored; please deliver again.');
  }

  // Answer now; the closes are told in the background (their failures are recorded per event).
  if (fresh.length > 0) void processQuickbooksChanges(configured, fresh);
  return Response.json(
    { received: changes.length, stored: fresh.length, duplicates },
    { status: 200, headers: { 'Cache-Control': 'no-store' } },
  );
}
