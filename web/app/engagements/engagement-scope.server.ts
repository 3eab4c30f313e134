import type { FilterQuery } from '@mikro-orm/core';
import type { IDocument } from '../../../db/documents/document.entity';
import { Engagement, type IEngagement } from '../../../db/engagements/engagement.entity';
import type { ITask } from '../../../db/tasks/task.entity';
import type { EntityManager } from '../../../db/types';
import type { TEngagementVisibility } from '../auth/permissions.server';

/**
 * What a staff member may see, as query conditions, from their engagement visibility (see
 * permissions.server.ts): everything of the firm, or what hangs off the engagements they are assigned
 * to. Clients, tasks and documents follow their engagements; a task assigned to someone is always
 * theirs to see. Every list and page of the staff app applies these, so a hidden engagement answers
 * 404 like a missing one.
 */

function assignedTo(userId: string): FilterQuery<IEngagement> {
  return { $or: [{ preparer: userId }, { reviewer: userId }] };
}

/** The condition on engagements; `{}` when all are visible. */
export function engagementCondition(visibility: TEngagementVisibility): FilterQuery<IEngagement> {
  return visibility.kind === 'all' ? {} : assignedTo(visibility.userId);
}

/** The condition on tasks: assigned to them, or on an engagement they may see. */
export function taskCondition(visibility: TEngagementVisibility): FilterQuery<ITask> {
  if (visibility.kind === 'all') return {};
  return { $or: [{ assignee: visibility.userId }, { engagement: assignedTo(visibility.userId) }] };
}

/** The user ID to restrict engagement lists to, or undefined when all are visible. */
export function assignedUserId(visibility: TEngagementVisibility): string | undefined {
  return visibility.kind === 'all' ? undefined : visibility.userId;
}

/**
 * The clients a staff member may see: null for all of the firm's, else the clients of the
 * engagements they are assigned to.
 */
export async function visibleClientIds(
  em: EntityManager,
  input: { organizationId: string; visibility: TEngagementVisibility },
): Promise<string[] | null> {
  if (input.visibility.kind === 'all') return null;
  const engagements = await em.find(
    Engagement,
    { $and: [{ organization: input.organizationId }, assignedTo(input.visibility.userId)] },
    { fields: ['client'] },
  );
  return [...new Set(engagements.map((engagement) => engagement.client.id))];
}

/** Whether a staff member may see one client. */
export async function canSeeClient(
  em: EntityManager,
  input: { organizationId: string; visibility: TEngagementVisibility; clientId: string },
): Promise<boolean> {
  if (input.visibility.kind === 'all') return true;
  const count = await em.count(Engagement, {
    $and: [
      { organization: input.organizationId, client: input.clientId },
      assignedTo(input.visibility.userId),
    ],
  });
  return count > 0;
}

/** Whether a staff member may see one document: through its engagement, or its client when it has none. */
export async function canSeeDocument(
  em: EntityManager,
  input: {
    organizationId: string;
    visibility: TEngagementVisibility;
    document: Pick<IDocument, 'client' | 'engagement'>;
  },
): Promise<boolean> {
  const { visibility, document } = input;
  if (visibility.kind === 'all') return true;
  if (document.engagement) {
    const count = await em.count(Engagement, {
      $and: [
        { organization: input.organizationId, id: document.engagement.id },
        assignedTo(visibility.userId),
      ],
    });
    return count > 0;
  }
  return canSeeClient(em, { ...input, clientId: document.client.id });
}
