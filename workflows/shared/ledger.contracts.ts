/**
 * Ledger (QuickBooks) events that workflows hear about. The web app's QuickBooks webhook sends
 * `ledgerChangedSignal` to the running close of the month a change belongs to; a close that is not
 * running is not started by it (the close reads changes through change data capture when it runs).
 */
import { defineSignal } from '@temporalio/workflow';
import { z } from 'zod';

export const ledgerOperations = ['Create', 'Update', 'Delete', 'Merge', 'Void', 'Emailed'] as const;

/** A month as yyyy-mm. */
export const ZLedgerPeriod = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'The period is a month as yyyy-mm');

export const ZLedgerChanged = z.object({
  /** The webhook event ID (unique per provider): a close applies each change once. */
  eventId: z.string().min(1).max(200),
  clientId: z.uuid(),
  /** The QuickBooks company (realm) ID. */
  realmId: z.string().min(1).max(100),
  /** Entity name as the API spells it: Purchase, Deposit, JournalEntry, … */
  entity: z.string().min(1).max(60),
  entityId: z.string().min(1).max(100),
  operation: z.enum(ledgerOperations),
  /** When QuickBooks says it changed (ISO 8601). */
  occurredAt: z.iso.datetime({ offset: true }),
  /** The month the change belongs to: the transaction's date, else the change's date in the firm's zone. */
  period: ZLedgerPeriod,
});
export type TLedgerChanged = z.infer<typeof ZLedgerChanged>;

export const ledgerChangedSignal = defineSignal<[TLedgerChanged]>('ledgerChanged');

/**
 * The workflow ID of a client's close of one month: `close:<clientId>:<yyyy-mm>` (the same business
 * key as the monthly close's own contracts).
 */
export function closeWorkflowIdFor(clientId: string, period: string): string {
  return `close:${clientId}:${period}`;
}
