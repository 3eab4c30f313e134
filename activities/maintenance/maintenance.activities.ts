/**
 * The jobs of the platform maintenance workflow (workflows/maintenance), one activity each, on the
 * `integrations` task queue. Each handles one bounded batch per run (the schedule comes back every
 * few minutes for the rest), heartbeats as it goes, and has idempotent effects: running a job twice,
 * or two runs at once, changes nothing more than running it once.
 */
import { WorkflowNotFoundError, type Client as TemporalClient } from '@temporalio/client';
import { heartbeat, log } from '@temporalio/activity';
import type { MikroORM } from '@mikro-orm/postgresql';
import { createStripeEventHandler } from '../../db/billing/process-stripe-event';
import { expireAbandonedUploads } from '../../db/documents/complete-document-upload';
import { createConnectionTokenSource } from '../../db/integrations/connection-token-source';
import { ledgerReconnectNeededReason } from '../../db/integrations/ledger-connection-errors';
import { listIdleLedgerConnections } from '../../db/integrations/list-idle-ledger-connections';
import { listRetryableQuickbooksEvents } from '../../db/integrations/list-retryable-quickbooks-events';
import { processQuickbooksEvents } from '../../db/integrations/process-quickbooks-event';
import { recordQuickbooksEventOutcome } from '../../db/integrations/record-quickbooks-event-outcome';
import { forSystem } from '../../db/tenancy/tenant-context';
import type { Ledger } from '../../integrations/ledger/ledger';
import type { Payments } from '../../integrations/payments/payments';
import type { BlobStorage } from '../../integrations/storage/blob-storage';
import { isAppError } from '../../lib/errors';
import {
  closeWorkflowIdFor,
  ledgerChangedSignal,
  type TLedgerChanged,
} from '../../workflows/shared/ledger.contracts';
import type { TMaintenanceJobOutcome } from '../../workflows/maintenance/platform-maintenance.contracts';
import {
  invoicePaidSignal,
  ZInvoicePaid,
  type TInvoicePaid,
} from '../../workflows/shared/payments.contracts';

const minute = 60_000;
const day = 24 * 60 * minute;

/** Batch sizes and thresholds of the jobs; the defaults suit a 15-minute cadence. */
export interface TMaintenanceConfig {
  /** Abandoned uploads expired per run. */
  uploadBatch: number;
  /** Stripe events swept per run, and how long one must have been `received` (the web retries for ~3 min). */
  stripeBatch: number;
  stripeStaleAfterMs: number;
  /** QuickBooks connections renewed per run, when their refresh token expires within this long. */
  ledgerBatch: number;
  ledgerRefreshWithinMs: number;
  /** A connection whose refresh-token expiry is unknown is renewed when its tokens are this old. */
  ledgerUnknownExpiryRenewAfterMs: number;
  /** QuickBooks events retried per run; `received` ones only once this old; none older than the window. */
  quickbooksBatch: number;
  quickbooksStaleAfterMs: number;
  quickbooksRetryWindowMs: number;
}

export const defaultMaintenanceConfig: TMaintenanceConfig = {
  uploadBatch: 200,
  stripeBatch: 100,
  stripeStaleAfterMs: 5 * minute,
  ledgerBatch: 25,
  ledgerRefreshWithinMs: 30 * day,
  ledgerUnknownExpiryRenewAfterMs: 30 * day,
  quickbooksBatch: 100,
  quickbooksStaleAfterMs: 5 * minute,
  quickbooksRetryWindowMs: 7 * day,
};

export interface MaintenanceActivityDeps {
  orm: MikroORM;
  storage: BlobStorage;
  payments: Payments;
  /** null when QuickBooks is not configured: its jobs report `skipped`. */
  ledger: Ledger | null;
  /** The worker's own client, to signal engagements and closes. */
  temporal: TemporalClient;
  config?: Partial<TMaintenanceConfig>;
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

export function createMaintenanceActivities(deps: MaintenanceActivityDeps) {
  const config = { ...defaultMaintenanceConfig, ...deps.config };
  const { orm, temporal } = deps;

  async function signalInvoicePaid(workflowId: string, signal: TInvoicePaid) {
    try {
      await temporal.workflow.getHandle(workflowId).signal(invoicePaidSignal, ZInvoicePaid.parse(signal));
      return 'signalled' as const;
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return 'not_running' as const;
      throw error;
    }
  }

  async function signalLedgerChanged(change: TLedgerChanged) {
    const workflowId = closeWorkflowIdFor(change.clientId, change.period);
    try {
      await temporal.workflow.getHandle(workflowId).signal(ledgerChangedSignal, change);
      return { workflowId, delivered: true };
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return { workflowId, delivered: false };
      throw error;
    }
  }

  const stripeEvents = createStripeEventHandler({
    orm: () => Promise.resolve(orm),
    payments: () => deps.payments,
    signalInvoicePaid,
    log,
  });

  return {
    /** Expires direct uploads nobody completed and deletes their blobs (across firms). */
    async maintenanceExpireAbandonedUploads(): Promise<TMaintenanceJobOutcome> {
      heartbeat();
      const expired = await expireAbandonedUploads(
        forSystem(orm, 'maintenance: expiring abandoned uploads across firms'),
        deps.storage,
        { limit: config.uploadBatch },
      );
      return { status: 'done', counts: { expired } };
    },

    /** Processes Stripe events left `received` (the safety net of the web's fast path). */
    async maintenanceSweepStripeEvents(): Promise<TMaintenanceJobOutcome> {
      heartbeat();
      const swept = await stripeEvents.sweep({
        staleAfterMs: config.stripeStaleAfterMs,
        limit: config.stripeBatch,
        stop: () => {
          heartbeat();
          return false;
        },
      });
      return { status: 'done', counts: { ...swept } };
    },

    /**
     * Renews the tokens of QuickBooks connections whose refresh token would run out soon because
     * nobody used it, through the same path as every use (createConnectionTokenSource: rotated pair
     * saved atomically over the version it came from). A refused refresh moves the connection to
     * "reconnect needed" with a staff task there, and is counted, not thrown.
     */
    async maintenanceRefreshIdleLedgerConnections(): Promise<TMaintenanceJobOutcome> {
      const { ledger } = deps;
      if (!ledger) return { status: 'skipped', reason: 'QuickBooks is not configured' };
      const now = Date.now();
      const idle = await listIdleLedgerConnections(
        forSystem(orm, 'maintenance: idle QuickBooks connections'),
        {
          expiresBefore: new Date(now + config.ledgerRefreshWithinMs),
          unknownExpiryRenewedBefore: new Date(now - config.ledgerUnknownExpiryRenewAfterMs),
          limit: config.ledgerBatch,
        },
      );
      const counts = { refreshed: 0, reconnectNeeded: 0, failed: 0 };
      for (const connection of idle) {
        heartbeat(counts);
        const tokens = createConnectionTokenSource({
          orm,
          organizationId: connection.organizationId,
          connectionId: connection.connectionId,
          refresh: (refreshToken) => ledger.refreshTokens(refreshToken),
          // Any token counts as due: this asks for a refresh now.
          refreshMarginMs: Number.POSITIVE_INFINITY,
        });
        try {
          await tokens.accessToken();
          counts.refreshed += 1;
        } catch (error) {
          if (isAppError(error, ledgerReconnectNeededReason)) {
            counts.reconnectNeeded += 1;
            log.warn('idle QuickBooks connection needs reconnecting', {
              connectionId: connection.connectionId,
            });
          } else {
            counts.failed += 1;
            log.warn('refreshing an idle QuickBooks connection failed', {
              connectionId: connection.connectionId,
              error: messageOf(error),
            });
          }
        }
      }
      // Connections that could not be refreshed for a passing reason are tried again next run;
      // failing the activity would retry the ones already done too.
      return { status: 'done', counts };
    },

    /** Tells the closes about QuickBooks changes that could not be handed to them when they arrived. */
    async maintenanceRetryQuickbooksEvents(): Promise<TMaintenanceJobOutcome> {
      const { ledger } = deps;
      if (!ledger) return { status: 'skipped', reason: 'QuickBooks is not configured' };
      const now = Date.now();
      const em = forSystem(orm, 'maintenance: retrying QuickBooks webhook events');
      const { changes, unreadable } = await listRetryableQuickbooksEvents(em, {
        receivedBefore: new Date(now - config.quickbooksStaleAfterMs),
        receivedAfter: new Date(now - config.quickbooksRetryWindowMs),
        limit: config.quickbooksBatch,
      });
      for (const webhookEventId of unreadable) {
        await recordQuickbooksEventOutcome(em, {
          webhookEventId,
          status: 'ignored',
          note: 'The stored change could not be read, so it was not retried.',
        });
      }
      heartbeat();
      const { handled, failed } = await processQuickbooksEvents(
        { orm, ledger, signalLedgerChanged, log },
        changes,
      );
      return { status: 'done', counts: { handled, failed, unreadable: unreadable.length } };
    },
  };
}

export type MaintenanceActivities = ReturnType<typeof createMaintenanceActivities>;
