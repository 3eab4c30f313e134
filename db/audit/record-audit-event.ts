import type { EntityManager } from '@mikro-orm/postgresql';
import { AuditEvent, type IAuditEvent } from './audit-event.entity';
import type { TActor } from './actor';

export interface TAuditEventInput {
  organizationId: string;
  actor: TActor;
  /** `<noun>.<verb in past tense>`, e.g. `client.created`. */
  action: string;
  target: { type: string; id?: string };
  /** IDs and enums only: never names, emails, tax IDs or document contents. */
  details?: Record<string, unknown>;
}

/**
 * Adds an audit event to the caller's unit of work, so it commits (or rolls back) with the change it
 * describes. Call it inside the operation's transaction.
 */
export function recordAuditEvent(em: EntityManager, input: TAuditEventInput): IAuditEvent {
  return em.create(AuditEvent, {
    organization: input.organizationId,
    actorType: input.actor.type,
    actorId: input.actor.id ?? null,
    action: input.action,
    targetType: input.target.type,
    targetId: input.target.id ?? null,
    ip: input.actor.ip?.slice(0, 64) ?? null,
    userAgent: input.actor.userAgent?.slice(0, 300) ?? null,
    details: input.details ?? null,
  });
}
