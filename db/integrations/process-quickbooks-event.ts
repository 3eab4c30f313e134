/**
 * What happens to a stored QuickBooks change (webhook_event, provider `quickbooks`): the company
 * (realm) is matched to a client's connection, the month the change belongs to is worked out (the
 * transaction's date when it can be read, else the change's date in the firm's time zone), and the
 * running close of that month gets told (`signalLedgerChanged`, given by the caller so that db/
 * stays free of Temporal). No running close is normal: the event is kept as "stored, no running
 * close" and the close reads the change through change data capture when it runs.
 *
 * Used right after a webhook is answered (web/app/ledger/quickbooks-webhook.server.ts) and by the
 * maintenance workflow's retry of events that could not be handled then (activities/maintenance).
 */
import type { Ledger, TLedgerEntityChange } from '../../integrations/ledger/ledger';
import { isLedgerEntityName, ledgerTransactionEntities } from '../../integrations/ledger/quickbooks/entities';
import type { TLedgerChanged } from '../../workflows/shared/ledger.contracts';
import { Organization } from '../organizations/organization.entity';
import { forSystem, type TForkable } from '../tenancy/tenant-context';
import { createConnectionTokenSource } from './connection-token-source';
import { IntegrationConnection } from './integration-connection.entity';
import { recordQuickbooksEventOutcome } from './record-quickbooks-event-outcome';

export interface TStoredChange {
  webhookEventId: string;
  change: TLedgerEntityChange;
}

export interface QuickbooksEventDeps {
  orm: TForkable;
  ledger: Ledger;
  /**
   * Signals the close of the change's month: `workflowId` is the close that was (or would have
   * been) told, `delivered` false when no such close is running. Throws when that is not known now.
   */
  signalLedgerChanged: (change: TLedgerChanged) => Promise<{ workflowId: string; delivered: boolean }>;
  log?: Pick<Console, 'warn'>;
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

/**
 * Handles one stored change and records its outcome (`processed`, or `ignored` with the reason).
 * Throws when the close could not be told (Temporal unavailable): the caller records the failure.
 */
export async function processQuickbooksEvent(
  deps: QuickbooksEventDeps,
  stored: TStoredChange,
): Promise<void> {
  const { change, webhookEventId } = stored;
  const log = deps.log ?? console;
  const systemEm = forSystem(
    deps.orm,
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
        orm: deps.orm,
        organizationId,
        connectionId: connection.id,
        refresh: (refreshToken) => deps.ledger.refreshTokens(refreshToken),
      });
      const entity = (await deps.ledger
        .company(change.realmId, tokens)
        .read(change.entity, change.entityId)) as {
        TxnDate?: unknown;
      };
      if (typeof entity.TxnDate === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(entity.TxnDate)) {
        period = entity.TxnDate.slice(0, 7);
        periodFrom = 'the transaction date';
      }
    } catch (error) {
      log.warn(
        `QuickBooks webhook ${webhookEventId}: reading ${change.entity} ${change.entityId} failed, using the change date: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }

  const { workflowId, delivered } = await deps.signalLedgerChanged({
    eventId: change.eventId,
    clientId,
    realmId: change.realmId,
    entity: change.entity,
    entityId: change.entityId,
    operation: change.operation,
    occurredAt: change.occurredAt.toISOString(),
    period,
  });
  await recordQuickbooksEventOutcome(systemEm, {
    webhookEventId,
    status: delivered ? 'processed' : 'ignored',
    organizationId,
    note: delivered
      ? `Signalled ${workflowId} (month from ${periodFrom}).`
      : `Stored, no running close for ${period} (${workflowId}; month from ${periodFrom}).`,
  });
}

/**
 * Handles stored changes one after another. A failure is recorded on its event (`failed`, retried
 * later by the maintenance workflow) and logged; it never reaches Intuit. Returns how many were
 * handled and how many failed.
 */
export async function processQuickbooksEvents(
  deps: QuickbooksEventDeps,
  changes: TStoredChange[],
): Promise<{ handled: number; failed: number }> {
  const log = deps.log ?? console;
  let handled = 0;
  let failed = 0;
  for (const stored of changes) {
    try {
      await processQuickbooksEvent(deps, stored);
      handled += 1;
    } catch (error) {
      failed += 1;
      const message = error instanceof Error ? error.message : String(error);
      log.warn(`QuickBooks webhook ${stored.webhookEventId}: ${message}`);
      await recordQuickbooksEventOutcome(forSystem(deps.orm, 'QuickBooks webhook: recording a failure'), {
        webhookEventId: stored.webhookEventId,
        status: 'failed',
        note: `Could not notify the close: ${message}`,
      }).catch((recordError: unknown) =>
        log.warn(
          `QuickBooks webhook ${stored.webhookEventId}: recording the failure failed: ${String(recordError)}`,
        ),
      );
    }
  }
  return { handled, failed };
}
