/**
 * Starting a tax season: one durable workflow starts the tax return of every selected client, in
 * batches, and reports its progress. Idempotent per client and year: each return's workflow ID is
 * its business key (`tax:<clientId>:<taxYear>`), so a client already started counts as done.
 */
import { defineQuery } from '@temporalio/workflow';
import { z } from 'zod';
import { ZTaxReturnFee, ZTaxReturnTiming } from './tax-return.contracts';
import { taxReturnTypes } from './due-dates';

export const bulkStartWorkflowType = 'taxSeasonBulkStartWorkflow';

export const taxSeasonClientKinds = ['individual', 'business'] as const;
export type TTaxSeasonClientKind = (typeof taxSeasonClientKinds)[number];

/**
 * One bulk start per firm, tax year and selection at a time: starting the same selection again while
 * it runs shows the running one. After it finished, the same ID starts a fresh run (new clients only).
 */
export function bulkStartWorkflowId(input: {
  organizationId: string;
  taxYear: number;
  clientKind: TTaxSeasonClientKind;
  returnType: string;
}): string {
  return `tax-season:${input.organizationId}:${input.taxYear}:${input.clientKind}:${input.returnType}`;
}

export const ZBulkStartInput = z.object({
  organizationId: z.uuid(),
  taxYear: z.number().int().min(2000).max(2100),
  /** Which clients: every active client of this kind. */
  clientKind: z.enum(taxSeasonClientKinds),
  returnType: z.enum(taxReturnTypes),
  preparerUserId: z.uuid().nullable(),
  reviewerUserId: z.uuid().nullable(),
  managerUserId: z.uuid().nullable(),
  startedByUserId: z.uuid(),
  fee: ZTaxReturnFee.nullable(),
  timing: ZTaxReturnTiming.optional(),
  /** Clients per start activity. */
  batchSize: z.number().int().min(1).max(200).default(50),
  /** Batches per run before the workflow continues as new (keeps the history small). */
  batchesPerRun: z.number().int().min(1).max(500).default(40),
});
export type TBulkStartInput = z.infer<typeof ZBulkStartInput>;
export type TBulkStartInputIn = z.input<typeof ZBulkStartInput>;

export interface TBulkStartFailure {
  clientId: string;
  reason: string;
}

export interface TBulkStartProgress {
  taxYear: number;
  clientKind: TTaxSeasonClientKind;
  returnType: string;
  /** Clients selected when the run began. */
  total: number;
  /** Returns this bulk start started. */
  started: number;
  /** Returns that already existed (started before, by hand or by an earlier bulk start). */
  alreadyRunning: number;
  /** Clients whose return could not be started, with the reason (the first 200 kept). */
  failed: number;
  failures: TBulkStartFailure[];
  done: boolean;
  startedAt: string;
  finishedAt: string | null;
}

/** What one run carries to the next when it continues as new. */
export interface TBulkStartCarried {
  progress: TBulkStartProgress;
  /** Keyset cursor: the last client ID handled (clients are taken in ID order). */
  afterClientId: string | null;
}

export const maxFailuresKept = 200;

export const getBulkStartProgressQuery = defineQuery<TBulkStartProgress>('getBulkStartProgress');

/** One client's outcome in a batch. */
export type TBulkStartOutcome =
  | { clientId: string; outcome: 'started' | 'already_running' }
  | { clientId: string; outcome: 'failed'; reason: string };
