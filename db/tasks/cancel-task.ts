import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../lib/errors';
import type { TActor } from '../audit/actor';
import { recordAuditEvent } from '../audit/record-audit-event';
import { Task, type ITask } from './task.entity';

/**
 * Cancels an open task (its engagement was cancelled, or the work it asked for is no longer needed).
 * A task already cancelled is returned as it is; a completed one stays completed.
 */
export async function cancelTask(
  em: EntityManager,
  input: { organizationId: string; taskId: string; actor: TActor; reason?: string },
): Promise<ITask> {
  return em.transactional(async (tx) => {
    const task = await tx.findOne(Task, { id: input.taskId, organization: input.organizationId });
    if (!task) throw new AppError('not_found', 'Task not found.');
    if (task.status !== 'open') return task;
    task.status = 'cancelled';
    task.completedAt = new Date();
    recordAuditEvent(tx, {
      organizationId: input.organizationId,
      actor: input.actor,
      action: 'task.cancelled',
      target: { type: 'task', id: task.id },
      details: input.reason ? { reason: input.reason.slice(0, 200) } : undefined,
    });
    return task;
  });
}
