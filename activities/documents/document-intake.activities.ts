/**
 * Activities of the document intake workflow (light database work, `engagements` task queue). Each
 * one is idempotent: checklist items by key, reviews by decision, withdrawals by status.
 */
import type { MikroORM } from '@mikro-orm/postgresql';
import { systemActor, type TActor } from '../../db/audit/actor';
import { Client } from '../../db/clients/client.entity';
import { createDocumentRequests } from '../../db/documents/create-document-requests';
import { reviewDocument, type TFieldCorrection } from '../../db/documents/review-document';
import { waiveDocumentRequest } from '../../db/documents/waive-document-request';
import { withdrawDocumentRequests } from '../../db/documents/withdraw-document-requests';
import { startEngagementRecord } from '../../db/engagements/start-engagement-record';
import { forTenant } from '../../db/tenancy/tenant-context';
import { periodLabel, type TChecklistItemTemplate } from '../../workflows/intake/checklist-templates';
import { intakeStageInfo } from '../../workflows/intake/document-intake.contracts';
import { failFastOnBusinessErrors } from '../shared/business-errors';

export interface DocumentIntakeActivityDeps {
  orm: MikroORM;
}

const userActor = (userId: string | null | undefined): TActor =>
  userId ? { type: 'user', id: userId } : systemActor;

export function createDocumentIntakeActivities({ orm }: DocumentIntakeActivityDeps) {
  return {
    /** Creates the read-model row of a standalone intake engagement (once per workflow ID). */
    async startIntakeRecord(input: {
      organizationId: string;
      engagementId: string;
      clientId: string;
      workflowId: string;
      runId: string;
      taxYear?: number;
      period?: string;
      dueAt?: string;
      startedByUserId?: string;
    }): Promise<void> {
      await failFastOnBusinessErrors(async () => {
        const em = forTenant(orm, input.organizationId);
        const client = await em.findOneOrFail(Client, {
          id: input.clientId,
          organization: input.organizationId,
        });
        const suffix = input.taxYear
          ? ` (${input.taxYear})`
          : input.period
            ? ` (${periodLabel(input.period)})`
            : '';
        await startEngagementRecord(em, {
          actor: userActor(input.startedByUserId),
          organizationId: input.organizationId,
          engagementId: input.engagementId,
          clientId: input.clientId,
          type: 'document_intake',
          title: `Documents: ${client.displayName}${suffix}`.slice(0, 200),
          workflowId: input.workflowId,
          runId: input.runId,
          stage: 'starting',
          progress: intakeStageInfo.starting.progress,
          startedByUserId: input.startedByUserId,
          dueAt: input.dueAt ? new Date(input.dueAt) : undefined,
          taxYear: input.taxYear,
          period: input.period,
        });
      });
    },

    /** Adds checklist items once per key; returns their request IDs in input order. */
    async createChecklistItems(input: {
      organizationId: string;
      engagementId: string;
      items: TChecklistItemTemplate[];
      byUserId?: string;
    }): Promise<{ key: string; requestId: string }[]> {
      return failFastOnBusinessErrors(async () => {
        const rows = await createDocumentRequests(forTenant(orm, input.organizationId), {
          organizationId: input.organizationId,
          engagementId: input.engagementId,
          items: input.items.map((item) => ({ ...item, note: item.note ?? null })),
          actor: userActor(input.byUserId),
        });
        return rows.map((row) => ({ key: row.key ?? '', requestId: row.id }));
      });
    },

    async waiveChecklistItem(input: {
      organizationId: string;
      requestId: string;
      reason: string;
      byUserId: string;
    }): Promise<void> {
      await failFastOnBusinessErrors(async () => {
        await waiveDocumentRequest(forTenant(orm, input.organizationId), {
          organizationId: input.organizationId,
          requestId: input.requestId,
          reason: input.reason,
          actor: userActor(input.byUserId),
        });
      });
    },

    /** Accepts or rejects a document (with field corrections); `reviewerUserId` null = accepted automatically. */
    async reviewIntakeDocument(input: {
      organizationId: string;
      documentId: string;
      decision: 'accept' | 'reject';
      reason?: string | null;
      corrections?: TFieldCorrection[];
      reviewerUserId: string | null;
    }): Promise<void> {
      await failFastOnBusinessErrors(async () => {
        await reviewDocument(forTenant(orm, input.organizationId), {
          ...input,
          actor: userActor(input.reviewerUserId),
        });
      });
    },

    /** Compensation: the portal stops asking for this engagement's outstanding documents. */
    async withdrawChecklist(input: {
      organizationId: string;
      engagementId: string;
    }): Promise<{ withdrawn: number }> {
      return failFastOnBusinessErrors(async () => ({
        withdrawn: await withdrawDocumentRequests(forTenant(orm, input.organizationId), {
          ...input,
          actor: systemActor,
        }),
      }));
    },
  };
}

export type DocumentIntakeActivities = ReturnType<typeof createDocumentIntakeActivities>;
