import { distinctAuditActions, distinctAuditTargetTypes } from '../../../db/audit/audit-vocabulary';
import type { IAuditEvent } from '../../../db/audit/audit-event.entity';
import { listAuditEvents, type TAuditFilters } from '../../../db/audit/list-audit-events';
import { Client } from '../../../db/clients/client.entity';
import { Contact } from '../../../db/clients/contact.entity';
import { Document } from '../../../db/documents/document.entity';
import { Engagement } from '../../../db/engagements/engagement.entity';
import { Task } from '../../../db/tasks/task.entity';
import type { EntityManager } from '../../../db/types';
import { Membership } from '../../../db/users/membership.entity';
import { User } from '../../../db/users/user.entity';
import { isUuid } from '../../../lib/ids';
import type { TDateFormat } from '../ui/dates.server';
import {
  auditActionLabel,
  auditTargetTypeLabel,
  knownAuditActions,
  knownAuditTargetTypes,
} from './audit-labels';

export const auditPageSize = 50;

/** Names of the people and things audit events point at, looked up in a few batched queries. */
export interface TAuditNames {
  actor(event: Pick<IAuditEvent, 'actorType' | 'actorId'>): string;
  target(event: Pick<IAuditEvent, 'targetType' | 'targetId'>): string | null;
}

function idsOf(events: IAuditEvent[], pick: (event: IAuditEvent) => string | null | undefined): string[] {
  return [...new Set(events.map(pick).filter((id): id is string => typeof id === 'string' && isUuid(id)))];
}

/**
 * Resolves actor and target names for a batch of events. Users are global rows (a person may work
 * for several firms); everything else is read through the firm's EntityManager, so a name of another
 * firm can never show. A row deleted since shows its ID.
 */
export async function auditNames(em: EntityManager, events: IAuditEvent[]): Promise<TAuditNames> {
  const byType = (type: string) =>
    idsOf(
      events.filter((e) => e.targetType === type),
      (e) => e.targetId,
    );
  const userIds = [
    ...new Set([
      ...idsOf(
        events.filter((e) => e.actorType === 'user'),
        (e) => e.actorId,
      ),
      ...byType('user'),
    ]),
  ];
  const contactIds = [
    ...new Set([
      ...idsOf(
        events.filter((e) => e.actorType === 'contact'),
        (e) => e.actorId,
      ),
      ...byType('contact'),
    ]),
  ];
  const [users, contacts, clients, engagements, documents, tasks] = await Promise.all([
    userIds.length ? em.find(User, { id: { $in: userIds } }, { fields: ['name'] }) : [],
    contactIds.length ? em.find(Contact, { id: { $in: contactIds } }, { fields: ['name'] }) : [],
    byType('client').length
      ? em.find(Client, { id: { $in: byType('client') } }, { fields: ['displayName'] })
      : [],
    byType('engagement').length
      ? em.find(Engagement, { id: { $in: byType('engagement') } }, { fields: ['title'] })
      : [],
    byType('document').length
      ? em.find(Document, { id: { $in: byType('document') } }, { fields: ['originalFileName'] })
      : [],
    byType('task').length ? em.find(Task, { id: { $in: byType('task') } }, { fields: ['title'] }) : [],
  ]);
  const names = new Map<string, string>();
  for (const user of users) names.set(`user:${user.id}`, user.name);
  for (const contact of contacts) names.set(`contact:${contact.id}`, contact.name);
  for (const client of clients) names.set(`client:${client.id}`, client.displayName);
  for (const engagement of engagements) names.set(`engagement:${engagement.id}`, engagement.title);
  for (const document of documents) names.set(`document:${document.id}`, document.originalFileName);
  for (const task of tasks) names.set(`task:${task.id}`, task.title);

  return {
    actor(event) {
      if (event.actorType === 'system') return 'System (workflow)';
      const name = event.actorId ? names.get(`${event.actorType}:${event.actorId}`) : undefined;
      const kind = event.actorType === 'user' ? 'staff' : 'portal';
      return name ? `${name} (${kind})` : `Unknown ${kind} user ${event.actorId ?? ''}`.trim();
    },
    target(event) {
      return event.targetId ? (names.get(`${event.targetType}:${event.targetId}`) ?? null) : null;
    },
  };
}

/** Where the staff app shows a target, when it has a page for it. */
function targetHref(targetType: string, targetId: string | null | undefined): string | null {
  if (!targetId || !isUuid(targetId)) return null;
  switch (targetType) {
    case 'client':
      return `/app/clients/${targetId}`;
    case 'engagement':
      return `/app/engagements/${targetId}`;
    case 'document':
      return `/app/documents/${targetId}`;
    default:
      return null;
  }
}

/** Details as short `key: value` text; values are IDs and enums by the audit rules. */
export function detailsText(details: Record<string, unknown> | null | undefined): string {
  if (!details) return '';
  return Object.entries(details)
    .map(([key, value]) => `${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join('; ');
}

export interface TAuditRow {
  id: string;
  at: string;
  atIso: string;
  action: string;
  actionLabel: string;
  actor: string;
  actorFilter: string | null;
  targetType: string;
  targetTypeLabel: string;
  targetId: string | null;
  targetName: string | null;
  targetHref: string | null;
  ip: string | null;
  details: string;
}

/** One page of the firm's audit log for the browser, newest first. */
export async function auditLogPage(
  em: EntityManager,
  input: { organizationId: string; filters: TAuditFilters; after: string | null; format: TDateFormat },
): Promise<{ rows: TAuditRow[]; nextCursor: string | null }> {
  const page = await listAuditEvents(em, {
    organizationId: input.organizationId,
    filters: input.filters,
    after: input.after,
    limit: auditPageSize,
  });
  const names = await auditNames(em, page.items);
  return {
    rows: page.items.map((event) => ({
      id: event.id,
      at: input.format.dateTime(event.occurredAt),
      atIso: event.occurredAt.toISOString(),
      action: event.action,
      actionLabel: auditActionLabel(event.action),
      actor: names.actor(event),
      actorFilter: event.actorType === 'system' ? 'system' : (event.actorId ?? null),
      targetType: event.targetType,
      targetTypeLabel: auditTargetTypeLabel(event.targetType),
      targetId: event.targetId ?? null,
      targetName: names.target(event),
      targetHref: targetHref(event.targetType, event.targetId),
      ip: event.ip ?? null,
      details: detailsText(event.details),
    })),
    nextCursor: page.nextCursor,
  };
}

/** The choices of the filter form: the firm's staff, and every action and target type (known or logged). */
export async function auditFilterOptions(em: EntityManager, organizationId: string) {
  const [memberships, actions, targetTypes] = await Promise.all([
    em.find(Membership, { organization: organizationId }, { populate: ['user'] }),
    distinctAuditActions(em, organizationId),
    distinctAuditTargetTypes(em, organizationId),
  ]);
  const byLabel = (a: { label: string }, b: { label: string }) => a.label.localeCompare(b.label);
  return {
    staff: memberships
      .map((membership) => ({ value: membership.user.id, label: membership.user.name }))
      .sort(byLabel),
    actions: [...new Set([...knownAuditActions, ...actions])]
      .map((value) => ({ value, label: auditActionLabel(value) }))
      .sort(byLabel),
    targetTypes: [...new Set([...knownAuditTargetTypes, ...targetTypes])]
      .map((value) => ({ value, label: auditTargetTypeLabel(value) }))
      .sort(byLabel),
  };
}
