/**
 * The tax return part of an engagement page: deadlines, review rounds, the client's approval,
 * billing, filing, and which staff actions the signed-in person may take now.
 */
import { Engagement } from '../../../db/engagements/engagement.entity';
import type { EntityManager } from '../../../db/types';
import { Membership } from '../../../db/users/membership.entity';
import {
  describeResult,
  formatUsd,
  taxReturnTypeLabels,
} from '../../../workflows/tax-return/tax-return.contracts';
import { panelLiveNote, panelStatus } from '../engagements/panel-live-state.server';
import type { TDateFormat } from '../ui/dates.server';
import { readTaxReturn } from './tax-return-workflow.server';

export interface TTaxReturnPermissions {
  work: boolean;
  approve: boolean;
  assign: boolean;
  invoices: boolean;
}

/** The panel, or null for other engagement types. */
export async function taxReturnPanel(
  em: EntityManager,
  input: {
    organizationId: string;
    engagementId: string;
    userId: string;
    format: TDateFormat;
    can: TTaxReturnPermissions;
  },
) {
  const engagement = await em.findOne(Engagement, {
    id: input.engagementId,
    organization: input.organizationId,
    type: 'tax_return',
  });
  if (!engagement) return null;
  const live = await readTaxReturn(engagement.workflowId, engagement.id);
  const { status, active } = panelStatus(live);
  const members = await em.find(
    Membership,
    { organization: input.organizationId, deactivatedAt: null },
    { populate: ['user'], orderBy: { user: { name: 'asc' } } },
  );
  const nameOf = (userId: string | null) =>
    userId
      ? (members.find((m) => m.user.id === userId)?.user.name ?? 'Someone no longer at the firm')
      : 'Unassigned';
  const when = (iso: string | null) => (iso ? input.format.dateTime(new Date(iso)) : null);
  const stage = status?.stage ?? null;
  const filed = status?.filing !== null && status?.filing !== undefined;
  const finished = !active || filed;

  return {
    live: panelLiveNote(live, { workflow: 'tax return', subject: 'return' }),
    workflowId: engagement.workflowId,
    returnType: status ? taxReturnTypeLabels[status.returnType] : null,
    taxYear: status?.taxYear ?? engagement.taxYear ?? null,
    stage,
    stageLabel: status?.stageLabel ?? null,
    preparer: nameOf(status?.preparerUserId ?? engagement.preparer?.id ?? null),
    reviewer: nameOf(status?.reviewerUserId ?? engagement.reviewer?.id ?? null),
    deadlines: status
      ? {
          original: input.format.date(new Date(status.dueDates.original)),
          extended: input.format.date(new Date(status.dueDates.extended)),
          extensionFiledOn: status.dueDates.extensionFiledOn,
          current: input.format.date(new Date(status.dueDates.current)),
        }
      : null,
    waitingOnK1: status?.waitingOnK1
      ? { since: when(status.waitingOnK1.since), note: status.waitingOnK1.note }
      : null,
    summary: status?.summary
      ? {
          federal: describeResult(status.summary.federalRefundMinor),
          state: status.summary.state
            ? `${status.summary.state.code}: ${describeResult(status.summary.state.refundMinor)}`
            : null,
          notes: status.summary.notes,
        }
      : null,
    reviews: (status?.reviews ?? []).map((r) => ({
      round: r.round,
      outcome: r.outcome,
      reason: r.reason,
      decidedAt: when(r.decidedAt),
      decidedBy: r.decidedByUserId ? nameOf(r.decidedByUserId) : null,
    })),
    approval: status
      ? {
          round: status.approval.round,
          requestedAt: when(status.approval.requestedAt),
          signedAt: when(status.approval.signedAt),
          changesRequested: status.approval.changesRequested?.message ?? null,
        }
      : null,
    billing: status
      ? {
          fee: status.billing.fee ? formatUsd(status.billing.fee.amountMinor) : null,
          state: status.billing.state,
          waivedReason: status.billing.waivedReason,
          paidAt: when(status.billing.paidAt),
        }
      : null,
    filing: status?.filing
      ? { confirmationNumber: status.filing.confirmationNumber, filedOn: status.filing.filedOn }
      : null,
    escalations: status?.escalations.length ?? 0,
    staff: members.map((m) => ({ userId: m.user.id, name: m.user.name, role: m.role })),
    actions: {
      submit: active && stage === 'preparation' && input.can.work,
      review: active && stage === 'review' && input.can.approve,
      file: active && stage === 'filing' && input.can.work,
      extension: active && !filed && !status?.dueDates.extensionFiled && input.can.work,
      k1: active && !filed && input.can.work,
      reassign: active && !filed && input.can.assign,
      waive:
        active &&
        !finished &&
        input.can.invoices &&
        status?.billing.fee !== null &&
        ['not_billed', 'invoiced'].includes(status?.billing.state ?? '') &&
        stage !== 'filing',
      cancel: active && !filed && input.can.assign,
    },
    today: new Date().toISOString().slice(0, 10),
  };
}

export type TTaxReturnPanel = NonNullable<Awaited<ReturnType<typeof taxReturnPanel>>>;
