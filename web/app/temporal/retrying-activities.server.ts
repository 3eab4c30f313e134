/**
 * What a running workflow is retrying right now, read from Temporal's description of the execution
 * (its pending activities). Works for every workflow type, so a vendor that is down (SMTP, Stripe,
 * QuickBooks, Document Intelligence) shows on the engagement page as "retrying, attempt N, because …"
 * instead of a silent wait. Only activity names and failure messages are shown: activities keep
 * PII and secrets out of their error messages.
 */
import { WorkflowNotFoundError, type WorkflowExecutionDescription } from '@temporalio/client';
import { optionalTsToDate } from '@temporalio/common/lib/time';
import { isAppError } from '../../../lib/errors';
import { organizationIdKey } from '../../../workflows/shared/search-attributes';
import { callTemporal } from './temporal.server';

export interface TRetryingActivity {
  /** The activity, in words: `sendInvitationEmail` → "Send invitation email". */
  activity: string;
  attempt: number;
  /** The last failure's message, first line only. */
  lastError: string;
  /** When Temporal tries again; null while an attempt is running. */
  nextAttemptAt: Date | null;
}

const maxMessageLength = 300;

/** `sendInvitationEmail` → "Send invitation email". */
export function activityLabel(name: string): string {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .trim()
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function firstLine(message: string): string {
  const line = message.split('\n', 1)[0]?.trim() ?? '';
  return line.length > maxMessageLength ? `${line.slice(0, maxMessageLength - 1)}…` : line;
}

/** The pending activities that already failed at least once (a first attempt in flight is not news). */
export function retryingActivities(description: WorkflowExecutionDescription): TRetryingActivity[] {
  const pending = description.raw.pendingActivities ?? [];
  return pending.flatMap((activity) => {
    const attempt = activity.attempt ?? 1;
    const message = activity.lastFailure?.message;
    if (attempt <= 1 && !message) return [];
    return [
      {
        activity: activityLabel(activity.activityType?.name ?? 'activity'),
        attempt,
        lastError: message ? firstLine(message) : 'The previous attempt timed out.',
        nextAttemptAt: optionalTsToDate(activity.nextAttemptScheduleTime) ?? null,
      },
    ];
  });
}

/** How many running child workflows (document processing, intake) are looked at besides the engagement's own. */
const maxChildrenRead = 5;
const readTimeoutMs = 2_000;

/**
 * What the engagement's workflow, and its running children, are retrying now. Checks the firm's
 * ID on the workflow first. Never fails the page: Temporal being slow or down answers an empty list
 * (the page says so elsewhere).
 */
export async function readRetryingActivities(
  workflowId: string,
  organizationId: string,
): Promise<TRetryingActivity[]> {
  try {
    return await callTemporal('read retrying activities', readTimeoutMs, async (client) => {
      const description = await client.workflow.getHandle(workflowId).describe();
      if (description.typedSearchAttributes.get(organizationIdKey) !== organizationId) return [];
      if (description.status.name !== 'RUNNING') return [];
      const children = (description.raw.pendingChildren ?? [])
        .map((child) => child.workflowId)
        .filter((id): id is string => typeof id === 'string' && id.length > 0)
        .slice(0, maxChildrenRead);
      const childDescriptions = await Promise.all(
        children.map((id) =>
          client.workflow
            .getHandle(id)
            .describe()
            .catch(() => null),
        ),
      );
      return [description, ...childDescriptions].flatMap((d) =>
        d && d.status.name === 'RUNNING' ? retryingActivities(d) : [],
      );
    });
  } catch (error) {
    if (error instanceof WorkflowNotFoundError || isAppError(error)) return [];
    throw error;
  }
}
