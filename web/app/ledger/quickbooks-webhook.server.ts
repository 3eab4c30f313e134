/**
 * What happens to QuickBooks changes after their webhook delivery was verified, stored and answered:
 * each is handed to the running close of its month (db/integrations/process-quickbooks-event.ts),
 * here through the web app's Temporal client. A change whose close could not be told is recorded
 * `failed`; the platform maintenance workflow retries it (activities/maintenance).
 */
import { WorkflowNotFoundError, type Client as TemporalClient } from '@temporalio/client';
import {
  processQuickbooksEvents,
  type TStoredChange,
} from '../../../db/integrations/process-quickbooks-event';
import type { Ledger } from '../../../integrations/ledger/ledger';
import {
  closeWorkflowIdFor,
  ledgerChangedSignal,
  type TLedgerChanged,
} from '../../../workflows/shared/ledger.contracts';
import { orm, temporal } from '../services.server';

export { monthIn, type TStoredChange } from '../../../db/integrations/process-quickbooks-event';

/** Signals the close of a change's month through a Temporal client; `delivered` false when none runs. */
export function ledgerChangedSignaller(client: () => Promise<TemporalClient>) {
  return async (change: TLedgerChanged): Promise<{ workflowId: string; delivered: boolean }> => {
    const workflowId = closeWorkflowIdFor(change.clientId, change.period);
    try {
      await (await client()).workflow.getHandle(workflowId).signal(ledgerChangedSignal, change);
      return { workflowId, delivered: true };
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return { workflowId, delivered: false };
      throw error;
    }
  };
}

/**
 * Handles stored changes one after another, after the webhook has been answered. A failure is
 * recorded on its event and logged; it never reaches Intuit (which would only deliver it again).
 */
export async function processQuickbooksChanges(ledger: Ledger, changes: TStoredChange[]): Promise<void> {
  await processQuickbooksEvents(
    { orm: await orm(), ledger, signalLedgerChanged: ledgerChangedSignaller(temporal) },
    changes,
  );
}
