import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../lib/errors';
import type { TActor } from '../audit/actor';
import { recordAuditEvent } from '../audit/record-audit-event';
import { Client, type TClientProfile } from './client.entity';

/** Stores the profile a client submitted and makes the client active. Idempotent. */
export async function recordClientProfile(
  em: EntityManager,
  input: {
    organizationId: string;
    clientId: string;
    profile: TClientProfile;
    submittedAt: Date;
    actor: TActor;
  },
): Promise<void> {
  await em.transactional(async (tx) => {
    const client = await tx.findOne(Client, { id: input.clientId, organization: input.organizationId });
    if (!client) throw new AppError('not_found', 'Client not found.', `client ${input.clientId} not found`);
    if (client.profileSubmittedAt && client.profileSubmittedAt.getTime() === input.submittedAt.getTime())
      return;
    client.profile = input.profile;
    client.profileSubmittedAt = input.submittedAt;
    if (client.status === 'prospect') client.status = 'active';
    recordAuditEvent(tx, {
      organizationId: input.organizationId,
      actor: input.actor,
      action: 'client.profile_recorded',
      target: { type: 'client', id: client.id },
    });
  });
}
