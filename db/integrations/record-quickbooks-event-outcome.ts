import type { EntityManager } from '@mikro-orm/postgresql';
import type { TWebhookEventStatus } from '../webhooks/webhook-event.entity';

/**
 * Records how handling a stored QuickBooks event ended: `processed` (the running close was told),
 * `ignored` (nothing to tell: no connection for the company, or no close running for that month,
 * which catches up through change data capture when it runs) or `failed`, with a note saying which,
 * and the firm once known.
 */
export async function recordQuickbooksEventOutcome(
  em: EntityManager,
  input: {
    webhookEventId: string;
    status: TWebhookEventStatus;
    organizationId?: string | null;
    note: string;
  },
): Promise<void> {
  await em.execute(
    `UPDATE webhook_event
        SET status = ?, error = ?, organization_id = coalesce(?, organization_id), processed_at = now()
      WHERE id = ? AND provider = 'quickbooks'`,
    [input.status, input.note.slice(0, 500), input.organizationId ?? null, input.webhookEventId],
  );
}
