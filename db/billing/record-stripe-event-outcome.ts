import type { EntityManager } from '@mikro-orm/postgresql';
import type { TWebhookEventStatus } from '../webhooks/webhook-event.entity';

/**
 * Records how processing a stored Stripe event ended: `processed`, `ignored` (nothing of ours, or a
 * type we do not handle) or `failed` (it can never succeed; the note says why), with the firm it
 * belongs to once known. `received` with a note keeps it waiting for another attempt.
 */
export async function recordStripeEventOutcome(
  em: EntityManager,
  input: {
    webhookEventId: string;
    status: TWebhookEventStatus;
    organizationId?: string | null;
    note?: string | null;
  },
): Promise<void> {
  await em.execute(
    `UPDATE webhook_event
        SET status = ?, error = ?, organization_id = coalesce(?, organization_id),
            processed_at = CASE WHEN ? = 'received' THEN processed_at ELSE now() END
      WHERE id = ? AND provider = 'stripe'`,
    [
      input.status,
      input.note ? input.note.slice(0, 500) : null,
      input.organizationId ?? null,
      input.status,
      input.webhookEventId,
    ],
  );
}
