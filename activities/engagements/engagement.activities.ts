/**
 * Activities every engagement workflow shares: project process state to the read model (engagement
 * row, timeline, live update), read the firm's policy, open and close staff tasks, and send templated
 * emails through the sent-log. Each one is idempotent: Temporal may run it more than once.
 */
import type { MikroORM } from '@mikro-orm/postgresql';
import { log } from '@temporalio/activity';
import { systemActor } from '../../db/audit/actor';
import { Contact } from '../../db/clients/contact.entity';
import { EmailMessage } from '../../db/email/email-message.entity';
import { sendEmailOnce } from '../../db/email/send-email-once';
import { Engagement } from '../../db/engagements/engagement.entity';
import { recordEngagementProjection } from '../../db/engagements/record-engagement-projection';
import { Organization } from '../../db/organizations/organization.entity';
import { cancelTask } from '../../db/tasks/cancel-task';
import { completeTask } from '../../db/tasks/complete-task';
import { createTask } from '../../db/tasks/create-task';
import type { TTaskKind } from '../../db/tasks/task.entity';
import { forTenant } from '../../db/tenancy/tenant-context';
import { Membership, type TStaffRole } from '../../db/users/membership.entity';
import { User } from '../../db/users/user.entity';
import { isEmailDeliveryError, type Mailer } from '../../integrations/email/mailer';
import type { TEmailTemplate } from '../../integrations/email/templates';
import type { LiveUpdatesPublisher } from '../../integrations/live-updates/live-updates';
import { isAppError } from '../../lib/errors';
import type {
  TEngagementProjection,
  TOpenTaskView,
  TReminderCadence,
} from '../../workflows/shared/engagement.contracts';
import { failFastOnBusinessErrors } from '../shared/business-errors';

export interface EngagementActivityDeps {
  orm: MikroORM;
  mailer: Mailer;
  liveUpdates: LiveUpdatesPublisher;
  /** Base URL of the web app, for links in emails. */
  publicUrl: string;
}

/** The firm's settings a workflow needs, read once at its start (and passed on through continue-as-new). */
export interface TFirmPolicy {
  timeZone: string;
  /** Extractions below this confidence (0-1) go to a person. */
  reviewConfidenceThreshold: number;
  /** The firm's reminder schedule for client requests. */
  reminders: TReminderCadence;
}

type TEngagementTemplateName =
  | 'document_request'
  | 'document_reminder'
  | 'review_ready'
  | 'approval_request'
  | 'close_questions'
  | 'invoice'
  | 'close_report'
  | 'engagement_cancelled';

/** Fields the activity fills from the database, so names and addresses stay out of workflow history. */
type TFilledFields = 'firmName' | 'contactName' | 'recipientName' | 'timeZone' | 'engagementTitle';

/** Dates travel as ISO strings through Temporal. */
type TWire<T> = {
  [K in keyof T]: T[K] extends Date ? string : T[K] extends Date | undefined ? string | undefined : T[K];
};

/**
 * An engagement email as a workflow describes it: the template and its own fields. Dates are ISO
 * strings; a link field (`...Url`) may be a path such as `/portal/engagements/<id>/documents`, made
 * absolute here. `engagementTitle` defaults to the engagement's title.
 */
export type TEngagementEmailContent =
  Extract<TEmailTemplate, { template: TEngagementTemplateName }> extends infer T
    ? T extends unknown
      ? TWire<Omit<T, TFilledFields>> & { engagementTitle?: string }
      : never
    : never;

export type TEmailRecipient =
  /** The client's first portal contact (by when they were added). */
  { kind: 'client' } | { kind: 'contact'; contactId: string } | { kind: 'staff'; userId: string };

export interface TSendEngagementEmailInput {
  organizationId: string;
  engagementId: string;
  /** Sent at most once per key (the sent-log), e.g. `reminderIdempotencyKey(...)`. */
  idempotencyKey: string;
  to: TEmailRecipient;
  email: TEngagementEmailContent;
}

export interface TSendEngagementEmailResult {
  sent: boolean;
  /** Why it did not go out, in words for `getStatus`: "no portal contact", "email bounced", ... */
  notSentReason: string | null;
}

export interface TOpenStaffTaskInput {
  organizationId: string;
  engagementId: string;
  /** Business key: the same key never opens a second task. */
  key: string;
  kind: TTaskKind;
  title: string;
  details?: string;
  /** A person, or a role resolved to the engagement's preparer/reviewer or the firm's first member with it. */
  assignTo?: { userId: string } | { role: TStaffRole };
  /** Due this many seconds after the task is opened. */
  dueInSeconds?: number;
}

const dateFields = new Set(['dueDate', 'expiresAt', 'occurredAt']);

/** The `notSentReason` of an address that bounced or that the mail server refused, with its reply. */
function bouncedReason(reply: string | null | undefined): string {
  const detail = reply?.trim();
  return detail ? `email bounced (${detail})` : 'email bounced';
}

export function createEngagementActivities({ orm, mailer, liveUpdates, publicUrl }: EngagementActivityDeps) {
  const base = publicUrl.replace(/\/$/, '');
  const absolute = (value: string) => (value.startsWith('/') ? `${base}${value}` : value);

  /** Who gets the email, or why nobody does. */
  async function resolveRecipient(
    organizationId: string,
    engagementId: string,
    to: TEmailRecipient,
  ): Promise<{ email: string; name: string } | { notSentReason: string }> {
    const em = forTenant(orm, organizationId);
    if (to.kind === 'staff') {
      const user = await em.findOne(User, { id: to.userId });
      return user ? { email: user.email, name: user.name } : { notSentReason: 'no such staff member' };
    }
    const engagement = await em.findOneOrFail(Engagement, { id: engagementId, organization: organizationId });
    const contact =
      to.kind === 'contact'
        ? await em.findOne(Contact, { id: to.contactId, client: engagement.client.id, portalAccess: true })
        : await em.findOne(
            Contact,
            { client: engagement.client.id, portalAccess: true },
            { orderBy: { createdAt: 'asc', id: 'asc' } },
          );
    if (!contact) return { notSentReason: 'no portal contact' };
    const last = await em.findOne(
      EmailMessage,
      {
        organization: organizationId,
        toAddress: contact.email,
        status: { $in: ['sent', 'bounced', 'failed'] },
      },
      { orderBy: { createdAt: 'desc' } },
    );
    // The address bounced or was refused before: not tried again (the contact's address must change).
    if (last?.status === 'bounced' || last?.status === 'failed')
      return { notSentReason: bouncedReason(last.lastError) };
    return { email: contact.email, name: contact.name };
  }

  return {
    /** Writes the workflow's state to the engagement row and timeline, then tells open pages. */
    async projectEngagement(input: TEngagementProjection & { timelineOnly?: boolean }): Promise<void> {
      await failFastOnBusinessErrors(async () => {
        await recordEngagementProjection(forTenant(orm, input.organizationId), input);
        // Publish even when the event was already recorded: a retry after a failed publish must still notify.
        await liveUpdates.engagementChanged({
          engagementId: input.engagementId,
          stage: input.stage,
          progress: input.progress,
          status: input.status,
          at: input.event.occurredAt,
        });
      });
    },

    /** The firm's time zone, review threshold and reminder schedule. */
    async loadFirmPolicy(input: { organizationId: string }): Promise<TFirmPolicy> {
      return failFastOnBusinessErrors(async () => {
        const firm = await forTenant(orm, input.organizationId).findOneOrFail(Organization, {
          id: input.organizationId,
        });
        const { settings } = firm;
        const intervals = settings.onboardingReminders.intervalsSeconds;
        const first = intervals[0] ?? 3 * 86_400;
        return {
          timeZone: settings.timeZone,
          reviewConfidenceThreshold: settings.reviewConfidenceThreshold ?? 0.8,
          reminders: {
            firstAfterSeconds: first,
            backoffCoefficient: 1,
            maxIntervalSeconds: Math.max(first, ...intervals),
            maxReminders: intervals.length,
            escalateAfterSeconds: settings.onboardingReminders.followUpAfterSeconds,
            intervalsSeconds: [...intervals],
          },
        };
      });
    },

    /** Opens a staff task once per key; says who it went to (by role) for `getStatus`. */
    async openStaffTask(
      input: TOpenStaffTaskInput,
    ): Promise<TOpenTaskView & { assigneeUserId: string | null }> {
      return failFastOnBusinessErrors(async () => {
        const em = forTenant(orm, input.organizationId);
        const engagement = await em.findOneOrFail(Engagement, {
          id: input.engagementId,
          organization: input.organizationId,
        });
        let assigneeUserId: string | null = null;
        let assigneeRole: TStaffRole | null = null;
        if (input.assignTo && 'userId' in input.assignTo) {
          assigneeUserId = input.assignTo.userId;
          const membership = await em.findOne(Membership, {
            organization: input.organizationId,
            user: assigneeUserId,
          });
          assigneeRole = membership?.role ?? null;
        } else if (input.assignTo) {
          assigneeRole = input.assignTo.role;
          const assigned =
            assigneeRole === 'preparer'
              ? engagement.preparer?.id
              : assigneeRole === 'reviewer'
                ? engagement.reviewer?.id
                : undefined;
          const fallbacks: TStaffRole[] =
            assigneeRole === 'manager' ? ['manager', 'admin', 'owner'] : [assigneeRole];
          assigneeUserId = assigned ?? null;
          for (const role of fallbacks) {
            if (assigneeUserId) break;
            const member = await em.findOne(
              Membership,
              { organization: input.organizationId, role, deactivatedAt: null },
              { orderBy: { createdAt: 'asc', id: 'asc' } },
            );
            assigneeUserId = member?.user.id ?? null;
          }
        }
        const task = await createTask(em, {
          actor: systemActor,
          organizationId: input.organizationId,
          key: input.key,
          kind: input.kind,
          title: input.title,
          details: input.details,
          engagementId: input.engagementId,
          clientId: engagement.client.id,
          assigneeUserId: assigneeUserId ?? undefined,
          dueAt:
            input.dueInSeconds === undefined ? undefined : new Date(Date.now() + input.dueInSeconds * 1000),
        });
        return {
          taskId: task.id,
          title: task.title,
          assigneeRole,
          assigneeUserId: task.assignee?.id ?? null,
        };
      });
    },

    /** Closes a staff task: done (the work happened) or cancelled (no longer needed). Safe to repeat. */
    async closeStaffTask(input: {
      organizationId: string;
      taskId: string;
      outcome: 'done' | 'cancelled';
      reason?: string;
    }): Promise<void> {
      await failFastOnBusinessErrors(async () => {
        const em = forTenant(orm, input.organizationId);
        if (input.outcome === 'cancelled') {
          await cancelTask(em, { ...input, actor: systemActor });
          return;
        }
        try {
          await completeTask(em, {
            organizationId: input.organizationId,
            taskId: input.taskId,
            actor: systemActor,
          });
        } catch (error) {
          // Staff may have closed it themselves, or it was cancelled: nothing left to do.
          if (!isAppError(error, 'task_already_completed') && !isAppError(error, 'invalid_status_transition'))
            throw error;
        }
      });
    },

    /**
     * Sends one engagement email at most once per idempotency key. Returns `sent: false` with the reason
     * when it cannot go out (no portal contact, the address bounced or was refused); a failure a retry
     * can fix (mail server down) throws, and Temporal retries.
     */
    async sendEngagementEmail(input: TSendEngagementEmailInput): Promise<TSendEngagementEmailResult> {
      return failFastOnBusinessErrors(async () => {
        const em = forTenant(orm, input.organizationId);
        const recipient = await resolveRecipient(input.organizationId, input.engagementId, input.to);
        if ('notSentReason' in recipient) {
          log.info('engagement email not sent', {
            idempotencyKey: input.idempotencyKey,
            reason: recipient.notSentReason,
          });
          return { sent: false, notSentReason: recipient.notSentReason };
        }
        const engagement = await em.findOneOrFail(
          Engagement,
          { id: input.engagementId, organization: input.organizationId },
          { populate: ['organization'] },
        );
        const fields: Record<string, unknown> = {};
        for (const [key, value] of Object.entries(input.email)) {
          if (typeof value === 'string' && dateFields.has(key)) fields[key] = new Date(value);
          else if (typeof value === 'string' && key.endsWith('Url')) fields[key] = absolute(value);
          else fields[key] = value;
        }
        const template = {
          ...fields,
          firmName: engagement.organization.name,
          contactName: recipient.name,
          recipientName: recipient.name,
          engagementTitle: input.email.engagementTitle ?? engagement.title,
        } as unknown as TEmailTemplate;
        try {
          await sendEmailOnce({
            em,
            mailer,
            organizationId: input.organizationId,
            idempotencyKey: input.idempotencyKey,
            to: recipient.email,
            template,
            relatedTo: { type: 'engagement', id: input.engagementId },
          });
          return { sent: true, notSentReason: null };
        } catch (error) {
          if (isEmailDeliveryError(error) && !error.retryable) {
            return { sent: false, notSentReason: bouncedReason(error.reason) };
          }
          throw error;
        }
      });
    },
  };
}

export type EngagementActivities = ReturnType<typeof createEngagementActivities>;
