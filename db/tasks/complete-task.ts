import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../lib/errors';
import type { TActor } from '../audit/actor';
import { recordAuditEvent } from '../audit/record-audit-event';
import { Task, type ITask } from './task.entity';

/**
 * Marks an open task done. A task already done fails with reason `task_already_completed`;
 * a cancelled one with `invalid_status_transition`.
 */
export async function completeTask(
  em: EntityManager,
  input: { organizationId: string; taskId: string; actor: TActor },
): Promise<ITask> {
  return em.transactional(async (tx) => {
    const task = await tx.findOne(Task, { id: input.taskId, organization: input.organizationId });
    if (!task) throw new AppError('not_found', 'Task not found.');
    if (task.status === 'done') {
      throw new AppError('conflict', 'This task is already completed.', { reason: 'task_already_completed' });
    }
    if (task.status !== 'open') {
      throw new AppError('conflict', 'A cancelled task cannot be completed.', {
        reason: 'invalid_status_transition',
      });
    }
    task.status = 'done';
    task.completedAt = new Date();
    recordAuditEvent(tx, {
      organizationId: input.organizationId,
      actor: input.actor,
      action: 'task.completed',
      target: { type: 'task', id: task.id },
    });
    return task;
  });
}
