import { randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import { heartbeat } from '@temporalio/activity';
import { WorkflowExecutionAlreadyStartedError, type Client as TemporalClient } from '@temporalio/client';
import { Client } from '../../db/clients/client.entity';
import { Contact } from '../../db/clients/contact.entity';
import { Organization } from '../../db/organizations/organization.entity';
import { forTenant } from '../../db/tenancy/tenant-context';
import {
  clientIdKey,
  engagementTypeKey,
  organizationIdKey,
  stageKey,
} from '../../workflows/shared/search-attributes';
import type {
  TBulkStartOutcome,
  TTaxSeasonClientKind,
} from '../../workflows/tax-return/bulk-start.contracts';
import { endOfDayInTimeZone, filingDueDates } from '../../workflows/tax-return/due-dates';
import {
  taxReturnWorkflowId,
  taxReturnWorkflowType,
  ZTaxReturnInput,
  type TTaxReturnFee,
  type TTaxReturnInput,
  type TTaxReturnTiming,
  type TTaxReturnType,
} from '../../workflows/tax-return/tax-return.contracts';
import { failFastOnBusinessErrors } from '../shared/business-errors';

export interface BulkStartActivityDeps {
  orm: MikroORM;
  /** Starts the returns (the worker's own connection). */
  temporal: TemporalClient;
  /** Where tax return workflows run. */
  taskQueue: string;
}

export interface TStartTaxReturnBatchInput {
  bulkStartId: string;
  organizationId: string;
  taxYear: number;
  clientKind: TTaxSeasonClientKind;
  returnType: TTaxReturnType;
  preparerUserId: string | null;
  reviewerUserId: string | null;
  managerUserId: string | null;
  startedByUserId: string;
  fee: TTaxReturnFee | null;
  timing: TTaxReturnTiming | undefined;
  afterClientId: string | null;
  limit: number;
}

/** The input of one client's return, with its due dates in the firm's time zone. */
export function taxReturnInputFor(options: {
  organizationId: string;
  clientId: string;
  taxYear: number;
  returnType: TTaxReturnType;
  timeZone: string;
  preparerUserId: string | null;
  reviewerUserId: string | null;
  managerUserId: string | null;
  startedByUserId?: string;
  fee: TTaxReturnFee | null;
  timing?: TTaxReturnTiming;
  bulkStartId?: string;
}): TTaxReturnInput {
  const due = filingDueDates(options.returnType, options.taxYear);
  return ZTaxReturnInput.parse({
    organizationId: options.organizationId,
    clientId: options.clientId,
    engagementId: randomUUID(),
    taxYear: options.taxYear,
    returnType: options.returnType,
    preparerUserId: options.preparerUserId,
    reviewerUserId: options.reviewerUserId,
    managerUserId: options.managerUserId,
    startedByUserId: options.startedByUserId,
    dueDates: {
      original: endOfDayInTimeZone(due.original, options.timeZone).toISOString(),
      extended: endOfDayInTimeZone(due.extended, options.timeZone).toISOString(),
    },
    fee: options.fee,
    ...(options.timing ? { timing: options.timing } : {}),
    ...(options.bulkStartId ? { bulkStartId: options.bulkStartId } : {}),
  });
}

/**
 * Starts one tax return workflow. Its ID is the business key, and an existing return for the client
 * and year (running or finished) is never started again: `already_running`, or `started` when it is
 * this bulk start's own from an earlier attempt of the same batch.
 */
export async function startTaxReturnWorkflow(
  temporal: TemporalClient,
  taskQueue: string,
  input: TTaxReturnInput,
): Promise<'started' | 'already_running'> {
  const workflowId = taxReturnWorkflowId(input.clientId, input.taxYear);
  try {
    await temporal.workflow.start(taxReturnWorkflowType, {
      taskQueue,
      workflowId,
      args: [input],
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      memo: input.bulkStartId ? { bulkStartId: input.bulkStartId } : undefined,
      typedSearchAttributes: [
        { key: organizationIdKey, value: input.organizationId },
        { key: clientIdKey, value: input.clientId },
        { key: engagementTypeKey, value: 'tax_return' },
        { key: stageKey, value: 'opening' },
      ],
    });
    return 'started';
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    if (input.bulkStartId) {
      const existing = await temporal.workflow.getHandle(workflowId).describe();
      if (existing.memo?.bulkStartId === input.bulkStartId) return 'started';
    }
    return 'already_running';
  }
}

/** Activities of the tax season bulk start. */
export function createBulkStartActivities({ orm, temporal, taskQueue }: BulkStartActivityDeps) {
  return {
    /** How many clients the selection holds now. */
    async countTaxSeasonClients(input: {
      organizationId: string;
      clientKind: TTaxSeasonClientKind;
    }): Promise<{ total: number }> {
      const em = forTenant(orm, input.organizationId);
      return { total: await em.count(Client, { kind: input.clientKind, status: 'active' }) };
    },

    /**
     * Starts the returns of the next `limit` selected clients after `afterClientId` (ID order).
     * A client without a portal contact fails with that reason (the return would have nobody to ask);
     * Temporal being unreachable fails the activity so it is retried as a whole.
     */
    async startTaxReturnBatch(
      input: TStartTaxReturnBatchInput,
    ): Promise<{ outcomes: TBulkStartOutcome[]; lastClientId: string | null }> {
      return failFastOnBusinessErrors(async () => {
        const em = forTenant(orm, input.organizationId);
        const firm = await em.findOneOrFail(Organization, { id: input.organizationId });
        const clients = await em.find(
          Client,
          {
            kind: input.clientKind,
            status: 'active',
            ...(input.afterClientId ? { id: { $gt: input.afterClientId } } : {}),
          },
          { orderBy: { id: 'asc' }, limit: input.limit, fields: ['id'] },
        );
        const withContact = new Set(
          (
            await em.find(
              Contact,
              { client: { $in: clients.map((c) => c.id) }, portalAccess: true },
              { fields: ['client'] },
            )
          ).map((c) => c.client.id),
        );
        const outcomes: TBulkStartOutcome[] = [];
        for (const client of clients) {
          heartbeat({ clientId: client.id });
          if (!withContact.has(client.id)) {
            outcomes.push({
              clientId: client.id,
              outcome: 'failed',
              reason: 'No contact with portal access: add one to the client, then start the season again.',
            });
            continue;
          }
          const returnInput = taxReturnInputFor({
            organizationId: input.organizationId,
            clientId: client.id,
            taxYear: input.taxYear,
            returnType: input.returnType,
            timeZone: firm.settings.timeZone,
            preparerUserId: input.preparerUserId,
            reviewerUserId: input.reviewerUserId,
            managerUserId: input.managerUserId,
            startedByUserId: input.startedByUserId,
            fee: input.fee,
            timing: input.timing,
            bulkStartId: input.bulkStartId,
          });
          outcomes.push({
            clientId: client.id,
            outcome: await startTaxReturnWorkflow(temporal, taskQueue, returnInput),
          });
        }
        return { outcomes, lastClientId: clients.at(-1)?.id ?? null };
      });
    },
  };
}

export type BulkStartActivities = ReturnType<typeof createBulkStartActivities>;
