import type { MikroORM } from '@mikro-orm/postgresql';
import { systemActor } from '../../db/audit/actor';
import { recordAuditEvent } from '../../db/audit/record-audit-event';
import { Engagement } from '../../db/engagements/engagement.entity';
import { assignTask } from '../../db/tasks/assign-task';
import { assignTaxReturnStaff } from '../../db/tax-return/assign-tax-return-staff';
import { requestTaxReturnApproval } from '../../db/tax-return/request-tax-return-approval';
import { withdrawTaxReturnApprovals } from '../../db/tax-return/withdraw-tax-return-approvals';
import { forTenant } from '../../db/tenancy/tenant-context';
import { isAppError } from '../../lib/errors';
import {
  returnTitle,
  taxReturnStageInfo,
  type TReturnSummary,
  type TTaxReturnInput,
  type TTaxReturnType,
} from '../../workflows/tax-return/tax-return.contracts';
import { openClientEngagement } from '../engagements/open-client-engagement';
import { failFastOnBusinessErrors } from '../shared/business-errors';

export interface TaxReturnActivityDeps {
  orm: MikroORM;
}

/**
 * Activities of the tax return workflow (tasks, emails and the read model go through the shared
 * engagement activities). Each one is idempotent: Temporal may retry it.
 */
export function createTaxReturnActivities({ orm }: TaxReturnActivityDeps) {
  return {
    /** Creates the return's read-model row (once per workflow ID) with its assignees and due date. */
    async openTaxReturn(
      input: TTaxReturnInput & { workflowId: string; runId: string },
    ): Promise<{ engagementId: string; title: string; clientKind: 'individual' | 'business' }> {
      return failFastOnBusinessErrors(() =>
        openClientEngagement(orm, input, {
          type: 'tax_return',
          title: (clientName) => returnTitle(input.taxYear, input.returnType, clientName),
          stage: 'opening',
          progress: taxReturnStageInfo.opening.progress,
          dueAt: new Date(input.dueDates.original),
          taxYear: input.taxYear,
          // Assignees given at the start, unless a retry finds the row already assigned.
          afterStart: async (tx, engagement, actor) => {
            if (engagement.preparer || engagement.reviewer) return;
            if (!input.preparerUserId && !input.reviewerUserId) return;
            await assignTaxReturnStaff(tx, {
              organizationId: input.organizationId,
              engagementId: engagement.id,
              preparerUserId: input.preparerUserId,
              reviewerUserId: input.reviewerUserId,
              actor,
            });
          },
        }),
      );
    },

    /** Changes the preparer or reviewer on the read model (refused for someone outside the firm). */
    async assignTaxReturnStaff(input: {
      organizationId: string;
      engagementId: string;
      preparerUserId?: string | null;
      reviewerUserId?: string | null;
      byUserId: string;
    }): Promise<void> {
      await failFastOnBusinessErrors(async () => {
        await assignTaxReturnStaff(forTenant(orm, input.organizationId), {
          ...input,
          actor: { type: 'user', id: input.byUserId },
        });
      });
    },

    /** Gives an open task to someone else (after a reassignment). */
    async reassignTaxReturnTask(input: {
      organizationId: string;
      taskId: string;
      assigneeUserId: string;
      byUserId: string;
    }): Promise<void> {
      await failFastOnBusinessErrors(async () => {
        try {
          await assignTask(forTenant(orm, input.organizationId), {
            organizationId: input.organizationId,
            taskId: input.taskId,
            assigneeUserId: input.assigneeUserId,
            actor: { type: 'user', id: input.byUserId },
          });
        } catch (error) {
          if (!isAppError(error, 'invalid_status_transition')) throw error;
        }
      });
    },

    /** Opens approval round `round` in the portal (once per round; an older open round is withdrawn). */
    async openApprovalRequest(input: {
      organizationId: string;
      engagementId: string;
      round: number;
      taxYear: number;
      returnType: TTaxReturnType;
      summary: TReturnSummary;
      requestedAt: string;
    }): Promise<{ approvalId: string }> {
      return failFastOnBusinessErrors(async () => {
        const approval = await requestTaxReturnApproval(forTenant(orm, input.organizationId), {
          organizationId: input.organizationId,
          engagementId: input.engagementId,
          round: input.round,
          summary: {
            taxYear: input.taxYear,
            returnType: input.returnType,
            federalRefundMinor: input.summary.federalRefundMinor,
            state: input.summary.state,
            notes: input.summary.notes,
          },
          requestedAt: new Date(input.requestedAt),
          actor: systemActor,
        });
        return { approvalId: approval.id };
      });
    },

    /** Withdraws the open approval request from the portal (a compensation). */
    async withdrawClientApproval(input: { organizationId: string; engagementId: string }): Promise<number> {
      return failFastOnBusinessErrors(() =>
        withdrawTaxReturnApprovals(forTenant(orm, input.organizationId), {
          organizationId: input.organizationId,
          engagementId: input.engagementId,
          at: new Date(),
          actor: systemActor,
        }),
      );
    },

    /** Writes a staff milestone (filing, extension, waiver) to the audit trail. */
    async auditTaxReturnAction(input: {
      organizationId: string;
      engagementId: string;
      byUserId: string;
      action:
        | 'tax_return.filed'
        | 'tax_return.extension_recorded'
        | 'tax_return.payment_waived'
        | 'tax_return.approved'
        | 'tax_return.sent_back'
        | 'tax_return.k1_wait_changed';
      details: Record<string, string | number | boolean | null>;
    }): Promise<void> {
      await failFastOnBusinessErrors(async () => {
        const em = forTenant(orm, input.organizationId);
        await em.transactional(async (tx) => {
          await tx.findOneOrFail(Engagement, { id: input.engagementId });
          recordAuditEvent(tx, {
            organizationId: input.organizationId,
            actor: { type: 'user', id: input.byUserId },
            action: input.action,
            target: { type: 'engagement', id: input.engagementId },
            details: input.details,
          });
        });
      });
    },
  };
}

export type TaxReturnActivities = ReturnType<typeof createTaxReturnActivities>;
