/**
 * What happens to a QuickBooks change after its webhook delivery was verified, stored and answered:
 * the company (realm) is matched to a client's connection, the month the change belongs to is
 * worked out (the transaction's date when it can be read, else the change's date in the firm's time
 * zone), and the running close of that month, `close:<clientId>:<yyyy-mm>`, gets
 * `ledgerChangedSignal`. No running close is normal: the event is kept as "stored, no running close"
 * and the close reads the change through change data capture when it runs.
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import { createConnectionTokenSource } from '../../../db/integrations/connection-token-source';
import { IntegrationConnection } from '../../../db/integrations/integration-connection.entity';
import { recordQuickbooksEventOutcome } from '../../../db/integrations/record-quickbooks-event-outcome';
import { Organization } from '../../../db/organizations/organization.entity';
import { forSystem } from '../../../db/tenancy/tenant-context';
import type { Ledger, TLedgerEntityChange } from '../../../integrations/ledger/ledger';
import {
  isLedgerEntityName,
  ledgerTransactionEntities,
} from '../../../integrations/ledger/quickbooks/entities';
import {
  closeWorkflowIdFor,
  ledgerChangedSignal,
  type TLedgerChanged,
} from '../../../workflows/shared/ledger.contracts';
import { orm, temporal } from '../services.server';

export interface TStoredChange {
  webhookEventId: string;
  change: TLedgerEntityChange;
}

/** yyyy-mm of an instant in a time zone. */
export function monthIn(timeZone: string, at: Date): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
  }).formatToParts(at);
  const year = parts.find((p) => p.type === 'year')?.value ?? '';
  const month = parts.find((p) => p.type === 'month')?.value ?? '';
  return `${year}-${month}`;
}

const isTransaction = (entity: string) => (ledgerTransactionEntities as readonly string[]).includes(entity);

async function handle(ledger: Ledger, stored: TStoredChange): Promise<void> {
  const { change, webhookEventId } = stored;
  const systemEm = forSystem(
    await orm(),
    'QuickBooks webhook: the firm is known only once the company is matched',
  );
  const connection = await systemEm.findOne(IntegrationConnection, {
    provider: 'quickbooks',
    externalId: change.realmId,
    status: { $ne: 'disconnected' },
  });
  if (!connection) {
    await recordQuickbooksEventOutcome(systemEm, {
      webhookEventId,
      status: 'ignored',
      note: 'No client is connected to this QuickBooks company.',
    });
    return;
  }
  const organizationId = connection.organization.id;
  const clientId = connection.client.id;
  const firm = await systemEm.findOneOrFail(Organization, { id: organizationId }, { fields: ['settings'] });

  let period = monthIn(firm.settings.timeZone, change.occurredAt);
  let periodFrom = 'the change date';
  if (
    connection.status === 'connected' &&
    isLedgerEntityName(change.entity) &&
    isTransaction(change.entity) &&
    change.operation !== 'Delete'
  ) {
    try {
      const tokens = createConnectionTokenSource({
        orm: await orm(),
        organizationId,
        connectionId: connection.id,
        refresh: (refreshToken) => ledger.refreshTokens(refreshToken),
      });
      const entity = (await ledger.company(change.realmId, tokens).read(change.entity, change.entityId)) as {
        TxnDate?: unknown;
      };
      if (typeof entity.TxnDate === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(entity.TxnDate)) {
        period = entity.TxnDate.slice(0, 7);
        periodFrom = 'the transaction date';
      }
    } catch (error) {
      console.warn(
        `QuickBooks webhook ${webhookEventId}: reading ${change.entity} ${change.entityId} failed, using the change date: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }

  const workflowId = closeWorkflowIdFor(clientId, period);
  const payload: TLedgerChanged = {
    eventId: change.eventId,
    clientId,
    realmId: change.realmId,
    entity: change.entity,
    entityId: change.entityId,
    operation: change.operation,
    occurredAt: change.occurredAt.toISOString(),
    period,
  };
  try {
    await (await temporal()).workflow.getHandle(workflowId).signal(ledgerChangedSignal, payload);
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) {
      await recordQuickbooksEventOutcome(systemEm, {
        webhookEventId,
        status: 'ignored',
        organizationId,
        note: `Stored, no running close for ${period} (${workflowId}; month from ${periodFrom}).`,
      });
      return;
    }
    throw error;
  }
  await recordQuickbooksEventOutcome(systemEm, {
    webhookEventId,
    status: 'processed',
    organizationId,
    note: `Signalled ${workflowId} (month from ${periodFrom}).`,
  });
}

/**
 * Handles stored changes one after another, after the webhook has been answered. A failure is
 * recorded on its event and logged; it never reaches Intuit (which would only deliver it again).
 */
export async function processQuickbooksChanges(ledger: Ledger, changes: TStoredChange[]): Promise<void> {
  for (const stored of changes) {
    try {
      await handle(ledger, stored);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      console.warn(`QuickBooks webhook ${stored.webhookEventId}: ${message}`);
      await recordQuickbooksEventOutcome(forSystem(await orm(), 'QuickBooks webhook: recording a failure'), {
        webhookEventId: stored.webhookEventId,
        status: 'failed',
        note: `Could not notify the close: ${message}`,
      }).catch((recordError: unknown) =>
        console.warn(
          `QuickBooks webhook ${stored.webhookEventId}: recording the failure failed: ${String(recordError)}`,
        ),
      );
    }
  }
}
