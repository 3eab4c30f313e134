import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { idColumn, createdAtColumn } from '../shared/columns';
import { Organization } from '../organizations/organization.entity';

export const auditActorTypes = ['user', 'contact', 'system'] as const;
export type TAuditActorType = (typeof auditActorTypes)[number];

/**
 * Append-only record of who did what. The database refuses UPDATE and DELETE on this table
 * (trigger in the migration). Actor and target are stored as IDs so the log outlives the rows.
 */
export const AuditEvent = defineEntity({
  name: 'AuditEvent',
  tableName: 'audit_event',
  triggers: [
    {
      name: 'audit_event_append_only',
      timing: 'before',
      events: ['update', 'delete', 'truncate'],
      forEach: 'statement',
      body: "raise exception 'audit_event is append-only: % is not allowed', TG_OP using errcode = 'insufficient_privilege';",
    },
  ],
  indexes: [
    { properties: ['organization', 'occurredAt'] },
    { properties: ['organization', 'action', 'occurredAt'] },
    { properties: ['organization', 'targetType', 'targetId'] },
    { properties: ['organization', 'actorId', 'occurredAt'] },
    { properties: ['organization', 'targetType', 'occurredAt'] },
  ],
  properties: {
    id: idColumn(),
    organization: () => p.manyToOne(Organization),
    actorType: p.enum(auditActorTypes),
    actorId: p.uuid().nullable(),
    action: p.string().length(80),
    targetType: p.string().length(60),
    targetId: p.string().length(200).nullable(),
    ip: p.string().length(64).nullable(),
    userAgent: p.string().length(300).nullable(),
    details: p.json<Record<string, unknown>>().nullable(),
    occurredAt: createdAtColumn(),
  },
});

export type IAuditEvent = InferEntity<typeof AuditEvent>;
