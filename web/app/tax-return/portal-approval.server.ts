/**
 * The client's approval of a tax return in the portal: the summary the reviewer approved, the e-file
 * authorization (typed name, consent box, time, IP address and browser recorded), or a request for
 * changes. The record is stored first (domain operation, audited), then the return's workflow hears
 * about it by signal.
 */
import { WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import type { TActor } from '../../../db/audit/actor';
import { Engagement } from '../../../db/engagements/engagement.entity';
import { requestTaxReturnChanges } from '../../../db/tax-return/request-tax-return-changes';
import { efileConsentText, signTaxReturnApproval } from '../../../db/tax-return/sign-tax-return-approval';
import { TaxReturnApproval } from '../../../db/tax-return/tax-return-approval.entity';
import type { EntityManager } from '../../../db/types';
import { AppError, isAppError } from '../../../lib/errors';
import {
  clientChangesRequestedSignal,
  describeResult,
  efileAuthorizationSignedSignal,
  taxReturnTypeLabels,
  ZClientChangesForm,
  ZEfileAuthorizationForm,
  type TTaxReturnType,
} from '../../../workflows/tax-return/tax-return.contracts';
import type { TPortalUser as TPortalContact } from '../portal/portal-session.server';
import { callTemporal } from '../temporal/temporal.server';
import type { TDateFormat } from '../ui/dates.server';

async function findReturn(em: EntityManager, portal: TPortalContact, engagementId: string) {
  return em.findOne(Engagement, {
    id: engagementId,
    organization: portal.organizationId,
    client: portal.clientId,
    type: 'tax_return',
  });
}

/** What the approval page shows; null when the engagement is not this client's tax return. */
export async function approvalPage(
  em: EntityManager,
  input: { portal: TPortalContact; engagementId: string; format: TDateFormat },
) {
  const engagement = await findReturn(em, input.portal, input.engagementId);
  if (!engagement) return null;
  const latest = await em.findOne(
    TaxReturnApproval,
    { engagement: engagement.id, client: input.portal.clientId },
    { orderBy: { round: 'desc' } },
  );
  const summary = latest?.summary ?? null;
  const returnType = (summary?.returnType ?? '1040') as TTaxReturnType;
  return {
    engagement: { id: engagement.id, title: engagement.title },
    contactName: input.portal.contactName,
    approval: latest
      ? {
          round: latest.round,
          status: latest.status,
          requestedAt: input.format.dateTime(latest.requestedAt),
          signedAt: latest.signedAt ? input.format.dateTime(latest.signedAt) : null,
          typedName: latest.typedName ?? null,
          changesMessage: latest.changesMessage ?? null,
        }
      : null,
    summary: summary
      ? {
          taxYear: summary.taxYear,
          form: taxReturnTypeLabels[returnType] ?? summary.returnType,
          federal: describeResult(summary.federalRefundMinor),
          state: summary.state ? `${summary.state.code}: ${describeResult(summary.state.refundMinor)}` : null,
          notes: summary.notes,
        }
      : null,
    consent: summary
      ? efileConsentText({
          firmName: input.portal.firmName,
          taxYear: summary.taxYear,
          returnType: summary.returnType,
        })
      : null,
  };
}

async function signal(workflowId: string, send: (handle: WorkflowHandle) => Promise<void>) {
  try {
    await callTemporal('signal tax return', 10_000, (client) => send(client.workflow.getHandle(workflowId)));
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) {
      throw new AppError('conflict', 'This return is no longer waiting for your approval.', {
        reason: 'workflow_not_running',
      });
    }
    throw error;
  }
}

export type TApprovalOutcome =
  | { ok: true; kind: 'signed' | 'changes' }
  | { ok: false; message: string; field?: 'typedName' | 'consent' | 'message' };

/** Signs the e-file authorization or asks for changes, from the portal form. */
export async function submitApproval(
  em: EntityManager,
  input: { portal: TPortalContact; engagementId: string; actor: TActor; form: FormData },
): Promise<TApprovalOutcome> {
  const engagement = await findReturn(em, input.portal, input.engagementId);
  if (!engagement) throw new AppError('not_found', 'This page could not be found.');
  const values = Object.fromEntries(input.form);
  if (values.intent === 'changes') {
    const parsed = ZClientChangesForm.safeParse(values);
    if (!parsed.success)
      return { ok: false, message: parsed.error.issues[0]?.message ?? 'Check the form.', field: 'message' };
    try {
      await requestTaxReturnChanges(em, {
        organizationId: input.portal.organizationId,
        engagementId: engagement.id,
        round: parsed.data.round,
        contactId: input.portal.contactId,
        message: parsed.data.message,
        actor: input.actor,
      });
    } catch (error) {
      if (isAppError(error, 'approval_not_open')) return { ok: false, message: error.userMessage };
      throw error;
    }
    await signal(engagement.workflowId, (handle) =>
      handle.signal(clientChangesRequestedSignal, {
        contactId: input.portal.contactId,
        round: parsed.data.round,
        message: parsed.data.message,
        at: new Date().toISOString(),
      }),
    );
    return { ok: true, kind: 'changes' };
  }
  const parsed = ZEfileAuthorizationForm.safeParse(values);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      ok: false,
      message: issue?.message ?? 'Check the form.',
      field: issue?.path[0] === 'consent' ? 'consent' : 'typedName',
    };
  }
  const approval = await em.findOne(TaxReturnApproval, {
    engagement: engagement.id,
    round: parsed.data.round,
  });
  if (!approval) throw new AppError('not_found', 'This approval could not be found.');
  let signed;
  try {
    signed = await signTaxReturnApproval(em, {
      organizationId: input.portal.organizationId,
      engagementId: engagement.id,
      round: parsed.data.round,
      contactId: input.portal.contactId,
      typedName: parsed.data.typedName,
      consentText: efileConsentText({
        firmName: input.portal.firmName,
        taxYear: approval.summary.taxYear,
        returnType: approval.summary.returnType,
      }),
      signedAt: new Date(),
      actor: input.actor,
    });
  } catch (error) {
    if (isAppError(error, 'signature_mismatch'))
      return { ok: false, message: error.userMessage, field: 'typedName' };
    if (isAppError(error, 'approval_not_open')) return { ok: false, message: error.userMessage };
    throw error;
  }
  await signal(engagement.workflowId, (handle) =>
    handle.signal(efileAuthorizationSignedSignal, {
      authorizationId: signed.id,
      contactId: input.portal.contactId,
      round: signed.round,
      signedAt: (signed.signedAt ?? new Date()).toISOString(),
    }),
  );
  return { ok: true, kind: 'signed' };
}
