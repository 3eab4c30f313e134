import type { MikroORM } from '@mikro-orm/postgresql';
import { log } from '@temporalio/activity';
import type { Mailer } from '../../integrations/email/mailer';
import type { LiveUpdatesPublisher } from '../../integrations/live-updates/live-updates';
import { createClient } from '../../db/clients/create-client';
import { recordClientProfile } from '../../db/clients/record-client-profile';
import { Contact } from '../../db/clients/contact.entity';
import { startEngagementRecord } from '../../db/engagements/start-engagement-record';
import {
  recordEngagementProgress,
  type TEngagementProgress,
} from '../../db/engagements/record-engagement-progress';
import { EmailMessage } from '../../db/email/email-message.entity';
import { sendEmailOnce } from '../../db/email/send-email-once';
import { issuePortalLink } from '../../db/portal/issue-portal-link';
import { PortalLink } from '../../db/portal/portal-link.entity';
import { recordAuditEvent } from '../../db/audit/record-audit-event';
import { assignTask } from '../../db/tasks/assign-task';
import { createTask } from '../../db/tasks/create-task';
import { completeTask } from '../../db/tasks/complete-task';
import type {
  TClientOnboardingInput,
  TClientProfile,
} from '../../workflows/onboarding/client-onboarding.contracts';
import { onboardingStageInfo } from '../../workflows/onboarding/client-onboarding.contracts';
import { failFastOnBusinessErrors } from '../shared/business-errors';
import { forTenant } from '../../db/tenancy/tenant-context';
import { systemActor, type TActor } from '../../db/audit/actor';
import { isAppError } from '../../lib/errors';
import { isEmailDeliveryError } from '../../integrations/email/mailer';
import { failFastOnPermanentEmailErrors } from '../shared/email-delivery-errors';

export interface OnboardingActivityDeps {
  orm: MikroORM;
  mailer: Mailer;
  liveUpdates: LiveUpdatesPublisher;
  /** Base URL of the web app, for links in emails. */
  publicUrl: string;
}

export interface TSendOnboardingEmailInput {
  organizationId: string;
  engagementId: string;
  contactId: string;
  workflowId: string;
  kind: 'invitation' | 'reminder';
  reminderNumber?: number;
}

export interface TSendOnboardingInvitationInput {
  organizationId: string;
  engagementId: string;
  contactId: string;
  /** The sent-log key: the same key never emails twice (e.g. `reminderIdempotencyKey(...)`). */
  idempotencyKey: string;
  kind: 'invitation' | 'reminder';
  reminderNumber?: number;
  /** The staff member who asked for a new link; the workflow itself otherwise. */
  byUserId?: string;
}

export interface TSendOnboardingInvitationResult {
  /** True when the email went out, now or on an earlier attempt with the same key. */
  sent: boolean;
  /** Why it did not go out, in words for `getStatus`: "no portal contact", "email bounced", ... */
  notSentReason: string | null;
}

/** Purposes of the links onboarding issues (`onboarding-invitation`, `onboarding-reminder`). */
const onboardingLinkPurposes = ['onboarding-invitation', 'onboarding-reminder'];

/** Activities of the client onboarding workflow. Each one is idempotent: Temporal may retry it. */
export function createOnboardingActivities({ orm, mailer, liveUpdates, publicUrl }: OnboardingActivityDeps) {
  return {
    /** Creates the client, its contact and the engagement read model (once). */
    async createClientRecord(
      input: TClientOnboardingInput & { workflowId: string; runId: string },
    ): Promise<void> {
      await failFastOnBusinessErrors(async () => {
        const em = forTenant(orm, input.organizationId);
        const actor: TActor = input.startedByUserId
          ? { type: 'user', id: input.startedByUserId }
          : systemActor;
        await em.transactional(async (tx) => {
          await createClient(tx, {
            actor,
            organizationId: input.organizationId,
            clientId: input.clientId,
            kind: input.client.kind,
            displayName: input.client.displayName,
            contact: input.contact,
          });
          await startEngagementRecord(tx, {
            actor,
            organizationId: input.organizationId,
            engagementId: input.engagementId,
            clientId: input.clientId,
            type: 'client_onboarding',
            title: `Client onboarding: ${input.client.displayName}`,
            workflowId: input.workflowId,
            runId: input.runId,
            stage: 'creating_client',
            progress: onboardingStageInfo.creating_client.progress,
            startedByUserId: input.startedByUserId,
          });
        });
      });
    },

    /** Projects a stage change to Postgres and tells open pages. */
    async recordEngagementProgress(input: TEngagementProgress): Promise<void> {
      await failFastOnBusinessErrors(async () => {
        await recordEngagementProgress(forTenant(orm, input.organizationId), input);
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

    /** Sends the portal invitation or a reminder, at most once per business key (the sent-log). */
    async sendOnboardingEmail(input: TSendOnboardingEmailInput): Promise<{ sent: boolean }> {
      return failFastOnBusinessErrors(() =>
        failFastOnPermanentEmailErrors(async () => {
          const em = forTenant(orm, input.organizationId);
          const idempotencyKey =
            input.kind === 'invitation'
              ? `${input.workflowId}:invitation`
              : `${input.workflowId}:reminder:${input.reminderNumber ?? 0}`;
          // Checked before a link is issued: a new link revokes the older ones, including the one already emailed.
          const alreadySent = await em.count(EmailMessage, {
            idempotencyKey,
            status: { $in: ['sent', 'bounced'] },
          });
          if (alreadySent > 0) {
            log.info('onboarding email already sent; not sending again', { idempotencyKey });
            return { sent: false };
          }
          const contact = await em.findOneOrFail(
            Contact,
            { id: input.contactId, organization: input.organizationId },
            { populate: ['organization'] },
          );
          const link = await issuePortalLink(em, {
            organizationId: input.organizationId,
            contactId: contact.id,
            purpose: `onboarding-${input.kind}`,
          });
          const common = {
            firmName: contact.organization.name,
            contactName: contact.name,
            portalUrl: `${publicUrl.replace(/\/$/, '')}/portal/invite/${link.token}`,
            expiresAt: link.expiresAt,
          };
          const result = await sendEmailOnce({
            em,
            mailer,
            organizationId: input.organizationId,
            idempotencyKey,
            to: contact.email,
            template:
              input.kind === 'invitation'
                ? { template: 'onboarding_invitation', ...common }
                : { template: 'onboarding_reminder', ...common, reminderNumber: input.reminderNumber ?? 1 },
            relatedTo: { type: 'engagement', id: input.engagementId },
          });
          if (result.status === 'already_sent') {
            log.info('onboarding email already sent; not sending again', { idempotencyKey });
          }
          return { sent: result.status === 'sent' };
        }),
      );
    },

    /**
     * Emails the contact a new single-use portal link (the invitation, a reminder, or a new link staff
     * asked for), at most once per sent-log key. Issuing the link revokes the contact's older unused
     * ones. Answers `sent: false` with the reason when it cannot go out; a failure a retry can fix
     * (mail server down) throws, and Temporal retries.
     */
    async sendOnboardingInvitation(
      input: TSendOnboardingInvitationInput,
    ): Promise<TSendOnboardingInvitationResult> {
      return failFastOnBusinessErrors(async () => {
        const em = forTenant(orm, input.organizationId);
        // Checked before a link is issued: a new link revokes the older ones, including the one already emailed.
        const logged = await em.findOne(EmailMessage, {
          idempotencyKey: input.idempotencyKey,
          status: { $in: ['sent', 'bounced'] },
        });
        if (logged?.status === 'sent') {
          log.info('onboarding email already sent; not sending again', {
            idempotencyKey: input.idempotencyKey,
          });
          return { sent: true, notSentReason: null };
        }
        if (logged?.status === 'bounced') return { sent: false, notSentReason: 'email bounced' };
        const contact = await em.findOne(
          Contact,
          { id: input.contactId, organization: input.organizationId },
          { populate: ['organization'] },
        );
        if (!contact?.portalAccess) return { sent: false, notSentReason: 'no portal contact' };
        const last = await em.findOne(
          EmailMessage,
          {
            organization: input.organizationId,
            toAddress: contact.email,
            status: { $in: ['sent', 'bounced', 'failed'] },
          },
          { orderBy: { createdAt: 'desc' } },
        );
        if (last?.status === 'bounced') return { sent: false, notSentReason: 'email bounced' };
        if (last?.status === 'failed')
          return { sent: false, notSentReason: 'email address refused by the mail server' };
        const link = await issuePortalLink(em, {
          organizationId: input.organizationId,
          contactId: contact.id,
          purpose: `onboarding-${input.kind}`,
          ...(input.byUserId ? { actor: { type: 'user', id: input.byUserId } } : {}),
        });
        const common = {
          firmName: contact.organization.name,
          contactName: contact.name,
          portalUrl: `${publicUrl.replace(/\/$/, '')}/portal/invite/${link.token}`,
          expiresAt: link.expiresAt,
        };
        try {
          await sendEmailOnce({
            em,
            mailer,
            organizationId: input.organizationId,
            idempotencyKey: input.idempotencyKey,
            to: contact.email,
            template:
              input.kind === 'invitation'
                ? { template: 'onboarding_invitation', ...common }
                : { template: 'onboarding_reminder', ...common, reminderNumber: input.reminderNumber ?? 1 },
            relatedTo: { type: 'engagement', id: input.engagementId },
          });
          return { sent: true, notSentReason: null };
        } catch (error) {
          if (isEmailDeliveryError(error) && !error.retryable) {
            return { sent: false, notSentReason: `the mail server refused the email (${error.reason})` };
          }
          throw error;
        }
      });
    },

    /**
     * Revokes the contact's onboarding links that were not used yet (the onboarding was cancelled).
     * Safe to repeat: a second run finds nothing left to revoke.
     */
    async revokeOnboardingInvitations(input: {
      organizationId: string;
      contactId: string;
      engagementId: string;
    }): Promise<{ revoked: number }> {
      return failFastOnBusinessErrors(async () =>
        forTenant(orm, input.organizationId).transactional(async (tx) => {
          const now = new Date();
          const links = await tx.find(PortalLink, {
            organization: input.organizationId,
            contact: input.contactId,
            purpose: { $in: onboardingLinkPurposes },
            lastUsedAt: null,
            revokedAt: null,
          });
          for (const link of links) link.revokedAt = now;
          if (links.length > 0) {
            recordAuditEvent(tx, {
              organizationId: input.organizationId,
              actor: systemActor,
              action: 'portal_link.revoked',
              target: { type: 'contact', id: input.contactId },
              details: {
                reason: 'onboarding cancelled',
                engagementId: input.engagementId,
                links: links.length,
              },
            });
          }
          return { revoked: links.length };
        }),
      );
    },

    /** Gives the onboarding's open follow-up task to another member of the firm. */
    async reassignOnboardingFollowUp(input: {
      organizationId: string;
      taskId: string;
      assigneeUserId: string;
      byUserId: string;
    }): Promise<void> {
      await failFastOnBusinessErrors(async () => {
        await assignTask(forTenant(orm, input.organizationId), {
          organizationId: input.organizationId,
          taskId: input.taskId,
          assigneeUserId: input.assigneeUserId,
          actor: { type: 'user', id: input.byUserId },
        });
      });
    },

    /** Opens the staff follow-up task after the last reminder (once per onboarding). */
    async createFollowUpTask(input: {
      organizationId: string;
      engagementId: string;
      clientId: string;
      workflowId: string;
      assigneeUserId?: string;
      remindersSent: number;
    }): Promise<{ taskId: string }> {
      return failFastOnBusinessErrors(async () => {
        const task = await createTask(forTenant(orm, input.organizationId), {
          actor: systemActor,
          organizationId: input.organizationId,
          key: `${input.workflowId}:follow-up`,
          kind: 'follow_up',
          title: 'Follow up: client has not completed their portal profile',
          details: `The client has not submitted their profile after the invitation and ${input.remindersSent} reminder(s). Call or email them.`,
          engagementId: input.engagementId,
          clientId: input.clientId,
          assigneeUserId: input.assigneeUserId,
          dueAt: new Date(Date.now() + 2 * 86_400_000),
        });
        return { taskId: task.id };
      });
    },

    async completeFollowUpTask(input: { organizationId: string; taskId: string }): Promise<void> {
      await failFastOnBusinessErrors(async () => {
        try {
          await completeTask(forTenant(orm, input.organizationId), { ...input, actor: systemActor });
        } catch (error) {
          // Staff may have closed the follow-up themselves: nothing left to do.
          if (!isAppError(error, 'task_already_completed')) throw error;
        }
      });
    },

    /** Stores the submitted profile on the client. */
    async saveClientProfile(input: {
      organizationId: string;
      clientId: string;
      contactId: string;
      profile: TClientProfile;
      submittedAt: string;
    }): Promise<void> {
      await failFastOnBusinessErrors(async () => {
        await recordClientProfile(forTenant(orm, input.organizationId), {
          actor: { type: 'contact', id: input.contactId },
          organizationId: input.organizationId,
          clientId: input.clientId,
          profile: input.profile,
          submittedAt: new Date(input.submittedAt),
        });
      });
    },
  };
}

export type OnboardingActivities = ReturnType<typeof createOnboardingActivities>;
