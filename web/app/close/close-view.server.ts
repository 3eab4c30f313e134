/**
 * The monthly close part of an engagement page: questions to the client, statements, reconciliations,
 * the report, and the staff actions the signed-in person may take now.
 */
import { randomUUID } from 'node:crypto';
import { CloseAdjustment } from '../../../db/close/close-adjustment.entity';
import { CloseQuestion } from '../../../db/close/close-question.entity';
import { Engagement } from '../../../db/engagements/engagement.entity';
import type { EntityManager } from '../../../db/types';
import { periodLabel } from '../../../workflows/close/monthly-close.contracts';
import { formatUsd } from '../../../workflows/tax-return/tax-return.contracts';
import { panelLiveNote, panelStatus } from '../engagements/panel-live-state.server';
import type { TDateFormat } from '../ui/dates.server';
import { readClose } from './close-workflow.server';

const questionStatusLabels: Record<string, string> = {
  open: 'Waiting for the client',
  answered: 'Answered, writing to QuickBooks',
  written_back: 'Categorized in QuickBooks',
  needs_staff: 'Client not sure: staff to categorize',
  resolved_in_ledger: 'Categorized in QuickBooks by staff',
  withdrawn: 'Withdrawn',
};

export async function closePanel(
  em: EntityManager,
  input: {
    organizationId: string;
    engagementId: string;
    format: TDateFormat;
    canWork: boolean;
    canApprove: boolean;
    canCancel: boolean;
  },
) {
  const engagement = await em.findOne(Engagement, {
    id: input.engagementId,
    organization: input.organizationId,
    type: 'monthly_close',
  });
  if (!engagement) return null;
  const live = await readClose(engagement.workflowId, engagement.id);
  const { status, active } = panelStatus(live);
  const stage = status?.stage ?? null;
  const open = active && stage !== 'reporting';
  const questions = await em.find(
    CloseQuestion,
    { engagement: engagement.id },
    { orderBy: { txnDate: 'asc', id: 'asc' } },
  );
  const adjustments = await em.find(
    CloseAdjustment,
    { engagement: engagement.id },
    { orderBy: { createdAt: 'asc' } },
  );
  return {
    live: panelLiveNote(live, { workflow: 'close', subject: 'close' }),
    period: engagement.period ? periodLabel(engagement.period) : null,
    ledger: status
      ? {
          pulls: status.ledger.pulls,
          lastPulledAt: status.ledger.lastPulledAt
            ? input.format.dateTime(new Date(status.ledger.lastPulledAt))
            : null,
        }
      : null,
    questions: questions.map((q) => ({
      id: q.id,
      date: q.txnDate,
      description: [q.payee, q.description].filter(Boolean).join(': '),
      amount: formatUsd(q.direction === 'expense' ? -q.amountMinor : q.amountMinor),
      status: q.status,
      statusLabel: questionStatusLabels[q.status] ?? q.status,
      answer: q.answerAccountName ?? null,
      note: q.answerNote ?? null,
    })),
    statements: (status?.statements ?? []).map((s) => ({
      ledgerAccountId: s.ledgerAccountId,
      name: s.name,
      balance: s.endingBalanceMinor === null ? null : formatUsd(s.endingBalanceMinor),
      date: s.statementDate,
      source: s.source,
    })),
    reconciliations: (status?.reconciliations ?? []).map((r) => ({
      ledgerAccountId: r.ledgerAccountId,
      name: r.name,
      status: r.status,
      statement: formatUsd(r.statementEndingBalanceMinor),
      books: formatUsd(r.ledgerBalanceMinor),
      difference: formatUsd(r.differenceMinor),
    })),
    adjustments: adjustments.map((a) => ({
      description: a.description,
      amount: formatUsd(a.amountMinor),
      account: a.accountName ?? null,
    })),
    report: status?.report
      ? { documentId: status.report.documentId, emailed: status.report.emailed > 0 }
      : null,
    bankAccounts: (status?.statements ?? []).map((s) => ({
      ledgerAccountId: s.ledgerAccountId,
      name: s.name,
    })),
    actions: {
      statement: open && input.canWork,
      accept: open && stage === 'resolving' && input.canApprove,
      adjustment: open && input.canWork,
      refresh: open && input.canWork,
      cancel: open && input.canCancel,
    },
    today: new Date().toISOString().slice(0, 10),
    /** A fresh key per shown form: submitting the same adjustment twice records it once. */
    adjustmentKey: randomUUID(),
  };
}

export type TClosePanel = NonNullable<Awaited<ReturnType<typeof closePanel>>>;
