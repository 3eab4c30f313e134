import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Context } from '@temporalio/activity';
import { WorkflowFailedError, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { EmailMessage } from '../../db/email/email-message.entity';
import { Document } from '../../db/documents/document.entity';
import { DocumentRequest } from '../../db/documents/document-request.entity';
import { Engagement } from '../../db/engagements/engagement.entity';
import { EngagementEvent } from '../../db/engagements/engagement-event.entity';
import { Task } from '../../db/tasks/task.entity';
import { forSystem } from '../../db/tenancy/tenant-context';
import { listEmails, waitForEmails } from '../../tests/support/mailbox';
import { scenarioPdf, startIntakeHarness, type TIntakeHarness } from '../../tests/support/document-intake';
import { updateRejectionMessage, type TReminderCadence } from '../shared/engagement.contracts';
import { engagementTypeKey, organizationIdKey, stageKey } from '../shared/search-attributes';
import {
  addDocumentRequestUpdate,
  cancelEngagementUpdate,
  documentIntakeWorkflowId,
  getStatusQuery,
  retryFailedStepUpdate,
  reviewDocumentUpdate,
  waiveItemUpdate,
  type TDocumentIntakeInput,
  type TDocumentIntakeStatus,
} from './document-intake.contracts';
import type { documentIntakeWorkflow } from './document-intake.workflow';
import { decodedHistoryJSON } from '../../tests/support/temporal';

let h: TIntakeHarness;

beforeAll(async () => {
  h = await startIntakeHarness('Intake Test Firm');
});

afterAll(async () => {
  await h?.close();
});

const longWait: TReminderCadence = {
  firstAfterSeconds: 3600,
  backoffCoefficient: 1,
  maxIntervalSeconds: 3600,
  maxReminders: 1,
  escalateAfterSeconds: 3600,
};

type TQueues = { engagements: string; documents: string };

async function begin(
  queues: TQueues,
  options: Partial<TDocumentIntakeInput> & { withContact?: boolean } = {},
): Promise<{
  handle: WorkflowHandle<typeof documentIntakeWorkflow>;
  engagementId: string;
  client: Awaited<ReturnType<TIntakeHarness['newClient']>>;
  status: TDocumentIntakeStatus;
}> {
  const { withContact, ...overrides } = options;
  const client = await h.newClient({ withContact });
  const engagementId = randomUUID();
  const handle = await h.start(queues, {
    clientId: client.clientId,
    engagementId,
    checklistType: 'document_intake',
    clientKind: 'individual',
    startedByUserId: h.preparer.id,
    reminders: longWait,
    reviewConfidenceThreshold: 0.8,
    ...overrides,
  });
  const status = await h.waitForStatus(
    handle,
    (s) => s.checklist.length > 0 && s.stage !== 'requesting' && s.stage !== 'starting',
  );
  return { handle, engagementId, client, status };
}

function item(status: TDocumentIntakeStatus, key: string) {
  const found = status.checklist.find((i) => i.key === key);
  if (!found) throw new Error(`no checklist item ${key}`);
  return found;
}

async function uploadFor(
  handle: WorkflowHandle,
  ctx: { engagementId: string; client: { clientId: string; contactId: string } },
  requestId: string | null,
  bytes: Uint8Array,
): Promise<string> {
  return h.upload(handle, {
    engagementId: ctx.engagementId,
    clientId: ctx.client.clientId,
    contactId: ctx.client.contactId,
    requestId,
    bytes,
  });
}

/** The reason an update was refused, as the web app reads it. */
async function refusal(promise: Promise<unknown>): Promise<string | null> {
  try {
    await promise;
    return null;
  } catch (error) {
    expect(error).toBeInstanceOf(WorkflowUpdateFailedError);
    return updateRejectionMessage(error);
  }
}

/** The history's length once the workflow has gone quiet (waiting on its long timers). */
async function settledHistoryLength(handle: WorkflowHandle): Promise<number> {
  let last = -1;
  for (;;) {
    const length = (await handle.fetchHistory()).events?.length ?? 0;
    if (length === last) return length;
    last = length;
    await new Promise((resolve) => setTimeout(resolve, 700));
  }
}

/** Writes a workflow's history for the replay test (run with CPA_RECORD_HISTORIES=1). */
async function recordHistory(workflowId: string, name: string): Promise<void> {
  if (process.env.CPA_RECORD_HISTORIES !== '1') return;
  const history = await decodedHistoryJSON(h.temporal, workflowId);
  const dir = new URL('../../tests/histories/document-intake/', import.meta.url);
  await mkdir(dir, { recursive: true });
  await writeFile(new URL(`${name}.json`, dir), history);
}

const em = () => forSystem(h.orm, 'test assertions');

describe('document intake workflow', () => {
  it('asks the client for the checklist, reads each upload in a child, accepts confident reads and completes', async () => {
    const outcome = await h.withWorkers(async (queues) => {
      const ctx = await begin(queues);
      expect(ctx.status).toMatchObject({
        type: 'document_intake',
        stage: 'collecting',
        status: 'active',
        waitingFor: { what: '2 documents from the checklist', from: 'client' },
        outstanding: 2,
        lastError: null,
      });
      expect(ctx.status.checklist.map((i) => [i.key, i.required, i.status])).toEqual([
        ['id-document', true, 'open'],
        ['prior-year-return', true, 'open'],
      ]);
      const [request] = await waitForEmails(ctx.client.email, 1);
      expect(request?.subject).toMatch(/Intake Test Firm needs documents for Documents: Jordan Lee/);
      expect(request?.text).toContain("Driver's license or passport");
      expect(request?.text).toContain(`/portal/engagements/${ctx.engagementId}/documents`);

      await uploadFor(ctx.handle, ctx, item(ctx.status, 'id-document').requestId, scenarioPdf('clear'));
      await uploadFor(ctx.handle, ctx, item(ctx.status, 'prior-year-return').requestId, scenarioPdf('clear'));
      const result = await ctx.handle.result();
      await recordHistory(ctx.handle.workflowId, 'all-documents-accepted-patched-search-attributes');
      return { ctx, result };
    });

    expect(outcome.result).toEqual({ outcome: 'completed', accepted: 2, waived: 0, remindersSent: 0 });
    const description = await h.temporal.workflow.getHandle(outcome.ctx.handle.workflowId).describe();
    expect(description.typedSearchAttributes.get(organizationIdKey)).toBe(h.firm.id);
    expect(description.typedSearchAttributes.get(engagementTypeKey)).toBe('document_intake');
    expect(description.typedSearchAttributes.get(stageKey)).toBe('completed');
    const engagement = await em().findOneOrFail(Engagement, { id: outcome.ctx.engagementId });
    expect(engagement).toMatchObject({
      type: 'document_intake',
      stage: 'completed',
      status: 'completed',
      progress: 100,
    });
    expect(engagement.workflowId).toBe(documentIntakeWorkflowId(outcome.ctx.engagementId));
    const requests = await em().find(DocumentRequest, { engagement: outcome.ctx.engagementId });
    expect(requests.map((r) => r.status)).toEqual(['accepted', 'accepted']);
    const documents = await em().find(Document, { engagement: outcome.ctx.engagementId });
    expect(documents).toHaveLength(2);
    for (const document of documents) {
      expect(document).toMatchObject({ reviewStatus: 'accepted', ocrStatus: 'extracted', reviewer: null });
      expect(document.extractionConfidence).toBeCloseTo(0.97);
      expect(document.extractedFields?.[0]).toMatchObject({ page: 1, confidence: 0.97 });
    }
    const timeline = await em().find(
      EngagementEvent,
      { engagement: outcome.ctx.engagementId },
      { orderBy: { occurredAt: 'asc', key: 'asc' } },
    );
    const kinds = timeline.map((e) => e.kind);
    expect(kinds.slice(0, 3)).toEqual(['started', 'stage', 'request_sent']);
    expect(kinds.filter((k) => k === 'document_accepted')).toHaveLength(2);
    expect(kinds.at(-1)).toBe('completed');
    expect(await listEmails(outcome.ctx.client.email)).toHaveLength(1);
  });

  it('reminds on the cadence, escalates to a follow-up task, and completes when staff waive what is missing', async () => {
    const cadence: TReminderCadence = {
      firstAfterSeconds: 1,
      backoffCoefficient: 2,
      maxIntervalSeconds: 2,
      maxReminders: 2,
      escalateAfterSeconds: 1,
    };
    const outcome = await h.withWorkers(async (queues) => {
      const ctx = await begin(queues, { reminders: cadence });
      const escalated = await h.waitForStatus(ctx.handle, (s) => s.reminders.escalated);
      expect(escalated.reminders).toMatchObject({ sent: 2, planned: 2, nextAt: null, notSentReason: null });
      expect(escalated.openTasks).toEqual([
        expect.objectContaining({
          title: 'Follow up: the client has not sent 2 documents',
          assigneeRole: 'preparer',
        }),
      ]);
      const emails = await waitForEmails(ctx.client.email, 3);
      expect(emails.map((e) => e.subject).sort()).toEqual([
        expect.stringMatching(/^Intake Test Firm needs documents for Documents: Jordan Lee/),
        'Reminder: Intake Test Firm is still waiting for documents',
        'Second reminder: Intake Test Firm is still waiting for documents',
      ]);

      for (const key of ['id-document', 'prior-year-return']) {
        const waived = await ctx.handle.executeUpdate(waiveItemUpdate, {
          args: [
            {
              requestId: item(escalated, key).requestId,
              reason: 'We prepared last year and have it on file',
              byUserId: h.preparer.id,
            },
          ],
        });
        expect(waived.status).toBe('waived');
      }
      const result = await ctx.handle.result();
      await recordHistory(ctx.handle.workflowId, 'reminders-escalation-then-waived');
      return { ctx, result };
    });
    expect(outcome.result).toEqual({ outcome: 'completed', accepted: 0, waived: 2, remindersSent: 2 });
    const tasks = await em().find(Task, { engagement: outcome.ctx.engagementId });
    expect(tasks.map((t) => [t.kind, t.status])).toEqual([['follow_up', 'done']]);
    const sentLog = await em().find(EmailMessage, {
      idempotencyKey: { $like: `reminder:${documentIntakeWorkflowId(outcome.ctx.engagementId)}:%` },
    });
    expect(sentLog.map((m) => m.idempotencyKey).sort()).toEqual([
      `reminder:${documentIntakeWorkflowId(outcome.ctx.engagementId)}:documents:1`,
      `reminder:${documentIntakeWorkflowId(outcome.ctx.engagementId)}:documents:2`,
    ]);
    const requests = await em().find(DocumentRequest, { engagement: outcome.ctx.engagementId });
    expect(requests.map((r) => [r.status, r.waivedReason])).toEqual([
      ['waived', 'We prepared last year and have it on file'],
      ['waived', 'We prepared last year and have it on file'],
    ]);
  });

  it('plans the due date as a durable deadline and notes on the timeline when it passes', async () => {
    const dueAt = new Date(Date.now() + 4_000).toISOString();
    const ctx = await h.withWorkers(async (queues) => {
      const started = await begin(queues, { dueAt });
      expect(started.status.nextDeadline).toEqual({ label: 'Documents due', at: dueAt });
      const row = await em().findOneOrFail(Engagement, { id: started.engagementId });
      expect(row.dueAt?.toISOString()).toBe(dueAt);
      const passed = await h.waitForStatus(started.handle, (s) => s.nextDeadline === null);
      expect(passed.stage).toBe('collecting');
      await expect
        .poll(async () =>
          (await em().find(EngagementEvent, { engagement: started.engagementId })).map((e) => e.kind),
        )
        .toContain('deadline_passed');
      await started.handle.executeUpdate(cancelEngagementUpdate, {
        args: [{ reason: 'Test finished', byUserId: h.preparer.id, notifyClient: false }],
      });
      return started;
    });
    const event = await em().findOneOrFail(EngagementEvent, {
      engagement: ctx.engagementId,
      kind: 'deadline_passed',
    });
    expect(event.message).toBe('The documents were due; 2 documents still missing');
    const engagement = await em().findOneOrFail(Engagement, { id: ctx.engagementId });
    expect(engagement.dueAt).toBeNull();
    const [request] = await waitForEmails(ctx.client.email, 1);
    expect(request?.text).toMatch(/by \w+day, \w+ \d+, \d{4}/);
  });

  it('shows why a reminder did not go out when the client has no portal contact', async () => {
    await h.withWorkers(async (queues) => {
      const ctx = await begin(queues, {
        withContact: false,
        reminders: {
          firstAfterSeconds: 1,
          backoffCoefficient: 1,
          maxIntervalSeconds: 1,
          maxReminders: 1,
          escalateAfterSeconds: 3600,
        },
      });
      const status = await h.waitForStatus(
        ctx.handle,
        (s) => s.reminders.notSentReason !== null && s.reminders.nextAt !== null,
      );
      expect(status.reminders).toMatchObject({ sent: 0, notSentReason: 'no portal contact' });
      await ctx.handle.executeUpdate(cancelEngagementUpdate, {
        args: [{ reason: 'Client left the firm', byUserId: h.preparer.id, notifyClient: false }],
      });
    });
  });

  it('refuses staff updates the state does not allow, with a readable reason and no trace in history', async () => {
    await h.withWorkers(async (queues) => {
      const ctx = await begin(queues);
      const before = await settledHistoryLength(ctx.handle);

      expect(
        await refusal(
          ctx.handle.executeUpdate(waiveItemUpdate, {
            args: [{ requestId: randomUUID(), reason: 'Not needed', byUserId: h.preparer.id }],
          }),
        ),
      ).toBe('That item is not on this checklist.');
      expect(
        await refusal(
          ctx.handle.executeUpdate(waiveItemUpdate, {
            args: [
              { requestId: item(ctx.status, 'id-document').requestId, reason: 'no', byUserId: h.preparer.id },
            ],
          }),
        ),
      ).toBe('Say why in a few words: the client reads it');
      expect(
        await refusal(
          ctx.handle.executeUpdate(reviewDocumentUpdate, {
            args: [{ documentId: randomUUID(), decision: 'accept', reviewerUserId: h.preparer.id }],
          }),
        ),
      ).toBe('That document is not part of this engagement.');
      expect(
        await refusal(
          ctx.handle.executeUpdate(addDocumentRequestUpdate, {
            args: [
              { category: 'id-document', label: "Driver's license or passport", byUserId: h.preparer.id },
            ],
          }),
        ),
      ).toBe('The checklist already asks for a document with this name.');
      expect(
        await refusal(
          ctx.handle.executeUpdate(cancelEngagementUpdate, {
            args: [{ reason: 'x', byUserId: h.preparer.id }],
          }),
        ),
      ).toBe('Say in a few words why the engagement is cancelled');
      expect(
        await refusal(
          ctx.handle.executeUpdate(retryFailedStepUpdate, { args: [{ byUserId: h.preparer.id }] }),
        ),
      ).toBe('Nothing is failing right now, so there is nothing to retry.');

      expect(await settledHistoryLength(ctx.handle)).toBe(before);
      const history = await ctx.handle.fetchHistory();
      expect(history.events?.some((e) => e.workflowExecutionUpdateAcceptedEventAttributes)).toBe(false);

      const added = await ctx.handle.executeUpdate(addDocumentRequestUpdate, {
        args: [
          {
            category: 'w2',
            label: 'Form W-2 from your second employer',
            required: false,
            byUserId: h.preparer.id,
          },
        ],
      });
      expect(added).toMatchObject({ key: 'staff-1', status: 'open', required: false });
      await waitForEmails(ctx.client.email, 2);
      await ctx.handle.executeUpdate(cancelEngagementUpdate, {
        args: [{ reason: 'Test finished', byUserId: h.preparer.id, notifyClient: false }],
      });
    });
  });

  it('cancels with compensations in reverse: tells the client, withdraws the requests, closes open tasks', async () => {
    const outcome = await h.withWorkers(async (queues) => {
      const ctx = await begin(queues);
      await uploadFor(ctx.handle, ctx, item(ctx.status, 'id-document').requestId, scenarioPdf('blurry'));
      await h.waitForStatus(ctx.handle, (s) => s.openTasks.length === 1);
      const result = await ctx.handle.executeUpdate(cancelEngagementUpdate, {
        args: [{ reason: 'The client moved to another firm', byUserId: h.preparer.id }],
      });
      const status = await ctx.handle.query(getStatusQuery);
      const final = await ctx.handle.result();
      await recordHistory(ctx.handle.workflowId, 'cancelled-with-compensations');
      return { ctx, result, status, final };
    });
    expect(outcome.result.compensations).toEqual([
      { name: 'tell the client', ok: true },
      { name: 'withdraw portal requests', ok: true },
      { name: 'close open staff tasks', ok: true },
    ]);
    expect(outcome.final).toMatchObject({ outcome: 'cancelled' });
    expect(outcome.status).toMatchObject({
      stage: 'cancelled',
      status: 'cancelled',
      waitingFor: null,
      openTasks: [],
      cancellation: { reason: 'The client moved to another firm', byUserId: h.preparer.id },
    });
    const engagement = await em().findOneOrFail(Engagement, { id: outcome.ctx.engagementId });
    expect(engagement).toMatchObject({ status: 'cancelled', stage: 'cancelled', waitingFor: null });
    const requests = await em().find(
      DocumentRequest,
      { engagement: outcome.ctx.engagementId },
      { orderBy: { key: 'asc' } },
    );
    expect(requests.map((r) => [r.key, r.status])).toEqual([
      ['id-document', 'withdrawn'],
      ['prior-year-return', 'withdrawn'],
    ]);
    const tasks = await em().find(Task, { engagement: outcome.ctx.engagementId });
    expect(tasks.map((t) => [t.kind, t.status])).toEqual([['review', 'cancelled']]);
    const emails = await waitForEmails(outcome.ctx.client.email, 2);
    const notice = emails.find((e) => e.subject.startsWith('Intake Test Firm has stopped work'));
    expect(notice?.text).toContain('No longer needed');
    expect(notice?.text).toContain('Last year');
  });

  it('sends the request email once even when the email activity crashes after sending', async () => {
    let calls = 0;
    const outcome = await h.withWorkers(
      async (queues) => {
        const ctx = await begin(queues);
        await ctx.handle.executeUpdate(cancelEngagementUpdate, {
          args: [{ reason: 'Test finished', byUserId: h.preparer.id, notifyClient: false }],
        });
        return ctx;
      },
      {
        engagements: (activities) => ({
          ...activities,
          async sendEngagementEmail(input) {
            calls += 1;
            const result = await activities.sendEngagementEmail(input);
            // The mail server accepted it, then the worker died before Temporal heard back.
            if (Context.current().info.attempt === 1) throw new Error('simulated worker crash after sending');
            return result;
          },
        }),
      },
    );
    expect(calls).toBe(2);
    expect(await listEmails(outcome.client.email)).toHaveLength(1);
    const [entry] = await em().find(EmailMessage, {
      idempotencyKey: `${documentIntakeWorkflowId(outcome.engagementId)}:request`,
    });
    expect(entry).toMatchObject({ status: 'sent', attempts: 1 });
  });

  it('ends as failed, with the failing step and its reason on the timeline, when a step fails in a way no retry can fix', async () => {
    const client = await h.newClient();
    const engagementId = randomUUID();
    const failure = await h.withWorkers(
      async (queues) => {
        const handle = await h.start(queues, {
          clientId: client.clientId,
          engagementId,
          checklistType: 'document_intake',
          clientKind: 'individual',
          reminders: longWait,
        });
        const outcome = await handle.result().then(
          () => null,
          (error: unknown) => error,
        );
        await recordHistory(handle.workflowId, 'failed-step-recorded');
        return outcome;
      },
      {
        engagements: (activities) => ({
          ...activities,
          createChecklistItems: () =>
            Promise.reject(
              ApplicationFailure.create({
                type: 'ChecklistRefused',
                message: 'The checklist has an item the firm no longer offers',
                nonRetryable: true,
              }),
            ),
        }),
      },
    );
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    const engagement = await em().findOneOrFail(Engagement, { id: engagementId });
    expect(engagement.status).toBe('failed');
    const events = await em().find(
      EngagementEvent,
      { engagement: engagementId },
      { orderBy: { occurredAt: 'asc' } },
    );
    expect(events.at(-1)).toMatchObject({
      kind: 'failed',
      message:
        'The engagement stopped: createChecklistItems failed: The checklist has an item the firm no longer offers',
    });
  });

  it('recognises a duplicate upload and does not read it twice', async () => {
    const outcome = await h.withWorkers(async (queues) => {
      const ctx = await begin(queues);
      const readsBefore = h.documentAi.reads.length;
      const bytes = scenarioPdf('clear', 'same-file');
      const requestId = item(ctx.status, 'id-document').requestId;
      await uploadFor(ctx.handle, ctx, requestId, bytes);
      await h.waitForStatus(ctx.handle, (s) => item(s, 'id-document').status === 'accepted');
      // The client sends the same file again, this time without choosing a checklist item.
      await uploadFor(ctx.handle, ctx, null, bytes);
      const status = await h.waitForStatus(ctx.handle, (s) =>
        s.documents.some((d) => d.status === 'duplicate'),
      );
      await uploadFor(ctx.handle, ctx, item(ctx.status, 'prior-year-return').requestId, scenarioPdf('clear'));
      const result = await ctx.handle.result();
      await recordHistory(ctx.handle.workflowId, 'duplicate-upload');
      return { ctx, status, result, reads: h.documentAi.reads.length - readsBefore };
    });
    expect(outcome.reads).toBe(2);
    expect(outcome.status.documents.map((d) => d.status)).toEqual(['accepted', 'duplicate']);
    expect(outcome.status.documents[1]?.documentId).toBe(outcome.status.documents[0]?.documentId);
    expect(await em().count(Document, { engagement: outcome.ctx.engagementId })).toBe(2);
    expect(outcome.result).toMatchObject({ outcome: 'completed', accepted: 2 });
  });

  it('opens a review task for a low-confidence read; the review corrects a field and accepts it', async () => {
    const outcome = await h.withWorkers(async (queues) => {
      const ctx = await begin(queues, { checklistType: 'tax_return', taxYear: 2026 });
      const w2 = item(ctx.status, 'w2');
      await uploadFor(ctx.handle, ctx, w2.requestId, scenarioPdf('blurry'));
      // The document reads as needing review a moment before its review task is open: wait for both.
      const waiting = await h.waitForStatus(
        ctx.handle,
        (s) => item(s, 'w2').status === 'needs_review' && Boolean(s.documents[0]?.reviewTaskId),
      );
      const doc = waiting.documents[0];
      expect(doc).toMatchObject({ status: 'needs_review' });
      expect(doc?.reason).toContain('Read with less than 80% confidence');
      expect(doc?.reason).toContain('Box 1: Wages, tips, other compensation');
      expect(waiting.openTasks).toEqual([
        {
          taskId: doc?.reviewTaskId,
          title: 'Review the uploaded Form W-2 for 2026 from each employer',
          assigneeRole: 'preparer',
        },
      ]);
      const reviewed = await ctx.handle.executeUpdate(reviewDocumentUpdate, {
        args: [
          {
            documentId: doc?.documentId ?? '',
            decision: 'accept',
            corrections: [{ name: 'WagesTipsAndOtherCompensation', value: '$58,250.21' }],
            reviewerUserId: h.preparer.id,
          },
        ],
      });
      expect(reviewed).toEqual({
        documentId: doc?.documentId,
        documentStatus: 'accepted',
        itemStatus: 'accepted',
        clientAskedAgain: false,
      });
      const after = await ctx.handle.query(getStatusQuery);
      await ctx.handle.executeUpdate(cancelEngagementUpdate, {
        args: [{ reason: 'Test finished', byUserId: h.preparer.id, notifyClient: false }],
      });
      return { ctx, doc, after };
    });
    expect(outcome.after.openTasks).toEqual([]);
    const document = await em().findOneOrFail(Document, { id: outcome.doc?.documentId ?? '' });
    expect(document).toMatchObject({ reviewStatus: 'accepted', ocrStatus: 'needs_review' });
    expect(document.reviewer?.id).toBe(h.preparer.id);
    expect(document.extractedFields?.find((f) => f.name === 'WagesTipsAndOtherCompensation')).toMatchObject({
      value: 58250.21,
      correctedFrom: 58250.12,
      confidence: 1,
    });
    const task = await em().findOneOrFail(Task, { engagement: outcome.ctx.engagementId, kind: 'review' });
    expect(task.status).toBe('done');
  });

  it('asks the client again with the reason when staff reject a document, and accepts the new upload', async () => {
    const outcome = await h.withWorkers(async (queues) => {
      const ctx = await begin(queues);
      const id = item(ctx.status, 'id-document');
      await uploadFor(ctx.handle, ctx, id.requestId, scenarioPdf('blurry'));
      const waiting = await h.waitForStatus(
        ctx.handle,
        (s) => s.documents[0]?.status === 'needs_review' && Boolean(s.documents[0]?.reviewTaskId),
      );
      const rejected = await ctx.handle.executeUpdate(reviewDocumentUpdate, {
        args: [
          {
            documentId: waiting.documents[0]?.documentId ?? '',
            decision: 'reject',
            reason: 'The photo is cut off at the bottom; please send the whole card.',
            reviewerUserId: h.preparer.id,
          },
        ],
      });
      expect(rejected).toMatchObject({
        documentStatus: 'rejected',
        itemStatus: 'rejected',
        clientAskedAgain: true,
      });
      const again = await waitForEmails(ctx.client.email, 2);
      expect(
        again.some((e) => (e.text ?? '').replace(/\s+/g, ' ').includes('The photo is cut off at the bottom')),
      ).toBe(true);
      const status = await ctx.handle.query(getStatusQuery);
      expect(item(status, 'id-document')).toMatchObject({
        status: 'rejected',
        reason: 'The photo is cut off at the bottom; please send the whole card.',
      });
      await uploadFor(ctx.handle, ctx, id.requestId, scenarioPdf('clear'));
      await uploadFor(ctx.handle, ctx, item(ctx.status, 'prior-year-return').requestId, scenarioPdf('clear'));
      const result = await ctx.handle.result();
      await recordHistory(ctx.handle.workflowId, 'rejected-then-uploaded-again');
      return { ctx, result };
    });
    expect(outcome.result).toMatchObject({ outcome: 'completed', accepted: 2 });
    const request = await em().findOneOrFail(DocumentRequest, {
      engagement: outcome.ctx.engagementId,
      key: 'id-document',
    });
    expect(request).toMatchObject({ status: 'accepted', rejectionReason: null });
    const documents = await em().find(Document, { request: request.id }, { orderBy: { createdAt: 'asc' } });
    expect(documents.map((d) => d.reviewStatus)).toEqual(['rejected', 'accepted']);
  });

  it('continues as new when the history grows long, carrying the checklist and documents', async () => {
    await h.withWorkers(async (queues) => {
      const ctx = await begin(queues, { maxHistoryEvents: 60 });
      const firstRun = (await ctx.handle.describe()).runId;
      await uploadFor(ctx.handle, ctx, item(ctx.status, 'id-document').requestId, scenarioPdf('clear'));
      await h.waitForStatus(ctx.handle, (s) => item(s, 'id-document').status === 'accepted');
      for (let i = 1; i <= 3; i += 1) {
        await ctx.handle.executeUpdate(addDocumentRequestUpdate, {
          args: [
            { category: 'receipts', label: `Receipts batch ${i}`, required: false, byUserId: h.preparer.id },
          ],
        });
      }
      const latest = h.temporal.workflow.getHandle<typeof documentIntakeWorkflow>(ctx.handle.workflowId);
      await expect.poll(async () => (await latest.describe()).runId, { timeout: 20_000 }).not.toBe(firstRun);
      const carried = await h.waitForStatus(latest, (s) => s.checklist.length === 5);
      expect(item(carried, 'id-document').status).toBe('accepted');
      expect(carried.checklist.map((i) => i.key)).toEqual([
        'id-document',
        'prior-year-return',
        'staff-1',
        'staff-2',
        'staff-3',
      ]);
      await uploadFor(latest, ctx, item(carried, 'prior-year-return').requestId, scenarioPdf('clear'));
      const result = await latest.result();
      expect(result).toMatchObject({ outcome: 'completed', accepted: 2 });
    });
  });
});
