/**
 * QuickBooks webhook deliveries. Intuit signs the raw body: the `intuit-signature` header is
 * base64(HMAC-SHA256(verifier token, raw body)). Two payload formats exist:
 *
 * - CloudEvents (current): a JSON array of events, each with `id`, `type`
 *   (`qbo.<entity>.<operation>.v1`), `time`, `intuitentityid` and `intuitaccountid` (the realm);
 * - legacy: `{ eventNotifications: [{ realmId, dataChangeEvent: { entities: [{ name, id,
 *   operation, lastUpdated, deletedId? }] } }] }`, which has no event ID: one is derived from the
 *   realm, entity, ID, operation and lastUpdated, so a redelivery gets the same ID.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { TLedgerEntityChange } from '../ledger';
import { LedgerError } from '../ledger-errors';

/** Signature check in constant time; a missing or malformed header is simply false. */
export function verifyIntuitSignature(
  rawBody: string,
  signature: string | null,
  verifierToken: string,
): boolean {
  if (!signature || !verifierToken) return false;
  const expected = createHmac('sha256', verifierToken).update(rawBody, 'utf8').digest();
  let given: Buffer;
  try {
    given = Buffer.from(signature.trim(), 'base64');
  } catch {
    return false;
  }
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** What a sender (the local sandbox, tests) puts in `intuit-signature`. */
export function signIntuitPayload(rawBody: string, verifierToken: string): string {
  return createHmac('sha256', verifierToken).update(rawBody, 'utf8').digest('base64');
}

/** Entity names as the API spells them, by their lower-case CloudEvents form. */
const knownEntities = [
  'Account',
  'Bill',
  'BillPayment',
  'Budget',
  'Class',
  'CreditMemo',
  'Currency',
  'Customer',
  'Department',
  'Deposit',
  'Employee',
  'Estimate',
  'Invoice',
  'Item',
  'JournalCode',
  'JournalEntry',
  'Payment',
  'PaymentMethod',
  'Preferences',
  'Purchase',
  'PurchaseOrder',
  'RefundReceipt',
  'SalesReceipt',
  'TaxAgency',
  'Term',
  'TimeActivity',
  'Transfer',
  'Vendor',
  'VendorCredit',
];
const entityByLowerName = new Map(knownEntities.map((name) => [name.toLowerCase(), name]));

const operationByCloudEventVerb: Record<string, TLedgerEntityChange['operation']> = {
  created: 'Create',
  updated: 'Update',
  deleted: 'Delete',
  merged: 'Merge',
  voided: 'Void',
  emailed: 'Emailed',
};
const ZOperation = z.enum(['Create', 'Update', 'Delete', 'Merge', 'Void', 'Emailed']);

const ZCloudEvent = z.looseObject({
  specversion: z.string().optional(),
  id: z.string().min(1).max(200),
  type: z.string().regex(/^qbo\.[a-z]+\.[a-z]+\.v\d+$/, 'type must look like qbo.<entity>.<operation>.v1'),
  time: z.string().optional(),
  intuitentityid: z.string().min(1).max(100),
  intuitaccountid: z.string().min(1).max(100),
  data: z.looseObject({ deletedid: z.string().optional() }).nullable().optional(),
});

const ZLegacy = z.looseObject({
  eventNotifications: z.array(
    z.looseObject({
      realmId: z.string().min(1).max(100),
      dataChangeEvent: z.looseObject({
        entities: z.array(
          z.looseObject({
            name: z.string().min(1).max(60),
            id: z.string().min(1).max(100),
            operation: ZOperation,
            lastUpdated: z.string().min(1),
            deletedId: z.string().optional(),
          }),
        ),
      }),
    }),
  ),
});

function date(value: string | undefined, fallback: Date): Date {
  const parsed = value ? Date.parse(value) : Number.NaN;
  return Number.isNaN(parsed) ? fallback : new Date(parsed);
}

function invalid(reason: string): LedgerError {
  return new LedgerError(
    'validation',
    `The QuickBooks webhook delivery is not in a known format: ${reason}.`,
  );
}

/** The event ID of a legacy change: readable when short, else its SHA-256 (stable across redeliveries). */
export function legacyEventId(parts: {
  realmId: string;
  entity: string;
  id: string;
  operation: string;
  lastUpdated: string;
}): string {
  const readable = `legacy:${parts.realmId}:${parts.entity}:${parts.id}:${parts.operation}:${parts.lastUpdated}`;
  if (readable.length <= 200) return readable;
  return `legacy:${createHash('sha256').update(readable).digest('hex')}`;
}

export function parseQuickbooksWebhook(rawBody: string, receivedAt = new Date()): TLedgerEntityChange[] {
  let json: unknown;
  try {
    json = JSON.parse(rawBody);
  } catch {
    throw invalid('the body is not JSON');
  }

  if (Array.isArray(json)) {
    const events = z.array(ZCloudEvent).safeParse(json);
    if (!events.success) throw invalid(events.error.issues[0]?.message ?? 'bad CloudEvents array');
    return events.data.map((event) => {
      const [, entityPart = '', verb = ''] = event.type.split('.');
      const entity =
        entityByLowerName.get(entityPart) ?? entityPart.charAt(0).toUpperCase() + entityPart.slice(1);
      const operation = operationByCloudEventVerb[verb];
      if (!operation) throw invalid(`unknown operation "${verb}" in ${event.type}`);
      const deletedId = event.data?.deletedid;
      return {
        eventId: event.id,
        format: 'cloudevents',
        realmId: event.intuitaccountid,
        entity,
        entityId: event.intuitentityid,
        operation,
        occurredAt: date(event.time, receivedAt),
        ...(deletedId ? { deletedId } : {}),
      } satisfies TLedgerEntityChange;
    });
  }

  const legacy = ZLegacy.safeParse(json);
  if (!legacy.success) throw invalid(legacy.error.issues[0]?.message ?? 'neither format');
  return legacy.data.eventNotifications.flatMap((notification) =>
    notification.dataChangeEvent.entities.map((change) => ({
      eventId: legacyEventId({
        realmId: notification.realmId,
        entity: change.name,
        id: change.id,
        operation: change.operation,
        lastUpdated: change.lastUpdated,
      }),
      format: 'legacy' as const,
      realmId: notification.realmId,
      entity: change.name,
      entityId: change.id,
      operation: change.operation,
      occurredAt: date(change.lastUpdated, receivedAt),
      ...(change.deletedId ? { deletedId: change.deletedId } : {}),
    })),
  );
}
