import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../lib/errors';
import { Task, type ITask } from './task.entity';

/** Marks a task done. Completing a task that is already done changes nothing. */
export async function completeTask(
  em: EntityManager,
  input: { organizationId: string; taskId: string },
): Promise<ITask> {
  return em.transactional(async (tx) => {
    const task = await tx.findOne(Task, { id: input.taskId, organization: input.organizationId });
    if (!task) throw new AppError('not_found', 'Task not found.');
    if (task.status === 'open') {
      task.status = 'done';
      task.completedAt = new Date();
    }
    return task;
  });
}
