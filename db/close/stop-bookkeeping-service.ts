import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../lib/errors';
import type { TActor } from '../audit/actor';
import { recordAuditEvent } from '../audit/record-audit-event';
import { BookkeepingService, type IBookkeepingService } from './bookkeeping-service.entity';

/** Stops a client's bookkeeping service; the caller then deletes its schedule. Idempotent. */
export async function stopBookkeepingService(
  em: EntityManager,
  input: { organizationId: string; clientId: string; at: Date; actor: TActor },
): Promise<IBookkeepingService> {
  return em.transactional(async (tx) => {
    const service = await tx.findOne(BookkeepingService, {
      client: input.clientId,
      organization: input.organizationId,
    });
    if (!service) throw new AppError('not_found', 'This client has no bookkeeping service.');
    if (service.status === 'stopped') return service;
    service.status = 'stopped';
    service.stoppedAt = input.at;
    recordAuditEvent(tx, {
      organizationId: input.organizationId,
      actor: input.actor,
      action: 'bookkeeping.stopped',
      target: { type: 'client', id: input.clientId },
    });
    return service;
  });
}
