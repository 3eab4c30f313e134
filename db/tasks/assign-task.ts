import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../lib/errors';
import type { TActor } from '../audit/actor';
import { recordAuditEvent } from '../audit/record-audit-event';
import { Membership } from '../users/membership.entity';
import { User } from '../users/user.entity';
import { Task, type ITask } from './task.entity';

/** Gives an open task to a member of the same firm. */
export async function assignTask(
  em: EntityManager,
  input: { organizationId: string; taskId: string; assigneeUserId: string; actor: TActor },
): Promise<ITask> {
  return em.transactional(async (tx) => {
    const task = await tx.findOne(Task, { id: input.taskId, organization: input.organizationId });
    if (!task) throw new AppError('not_found', 'Task not found.');
    if (task.status !== 'open') {
      throw new AppError('conflict', 'Only open tasks can be reassigned.', {
        reason: 'invalid_status_transition',
      });
    }
    const member = await tx.count(Membership, {
      organization: input.organizationId,
      user: input.assigneeUserId,
    });
    if (member === 0) {
      throw new AppError('invalid_input', 'Choose someone from your firm.', {
        reason: 'assignee_not_in_firm',
      });
    }
    const previous = task.assignee?.id ?? null;
    task.assignee = tx.getReference(User, input.assigneeUserId);
    recordAuditEvent(tx, {
      organizationId: input.organizationId,
      actor: input.actor,
      action: 'task.assigned',
      target: { type: 'task', id: task.id },
      details: { from: previous, to: input.assigneeUserId },
    });
    return task;
  });
}
