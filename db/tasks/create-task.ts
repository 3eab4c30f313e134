import type { EntityManager } from '@mikro-orm/postgresql';
import type { TActor } from '../audit/actor';
import { recordAuditEvent } from '../audit/record-audit-event';
import { Task, type ITask, type TTaskKind } from './task.entity';

export interface TCreateTaskInput {
  organizationId: string;
  /** Business key: the same key never creates a second task. */
  key: string;
  title: string;
  details?: string;
  kind: TTaskKind;
  engagementId?: string;
  clientId?: string;
  assigneeUserId?: string;
  dueAt?: Date;
  actor: TActor;
}

/** Opens a task for staff, once per business key. */
export async function createTask(em: EntityManager, input: TCreateTaskInput): Promise<ITask> {
  return em.transactional(async (tx) => {
    const existing = await tx.findOne(Task, { key: input.key, organization: input.organizationId });
    if (existing) return existing;
    const task = tx.create(Task, {
      organization: input.organizationId,
      key: input.key,
      title: input.title,
      details: input.details ?? null,
      kind: input.kind,
      status: 'open',
      engagement: input.engagementId ?? null,
      client: input.clientId ?? null,
      assignee: input.assigneeUserId ?? null,
      dueAt: input.dueAt ?? null,
    });
    recordAuditEvent(tx, {
      organizationId: input.organizationId,
      actor: input.actor,
      action: 'task.created',
      target: { type: 'task', id: task.id },
      details: {
        kind: input.kind,
        engagementId: input.engagementId ?? null,
        assigneeId: input.assigneeUserId ?? null,
      },
    });
    return task;
  });
}
