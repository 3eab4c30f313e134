/**
 * Document intake reminders that do not go out: an address the mail server refuses (the local SMTP
 * capture answers 550 for `bounce.test`), and reminders a parent engagement holds with a reason.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkflowHandle } from '@temporalio/client';
import { Contact } from '../../db/clients/contact.entity';
import { EmailMessage } from '../../db/email/email-message.entity';
import { EngagementEvent } from '../../db/engagements/engagement-event.entity';
import { Task } from '../../db/tasks/task.entity';
import { forSystem, forTenant } from '../../db/tenancy/tenant-context';
import { fetchDecodedHistory } from '../../lib/temporal/data-converter';
import { listEmails, waitForEmails } from '../../tests/support/mailbox';
import { startIntakeHarness, type TIntakeHarness } from '../../tests/support/document-intake';
import type { TReminderCadence } from '../shared/engagement.contracts';
import {
  cancelEngagementUpdate,
  documentIntakeWorkflowId,
  getStatusQuery,
  pauseRemindersSignal,
  resumeRemindersSignal,
  type TDocumentIntakeInput,
} from './document-intake.contracts';
import type { documentIntakeWorkflow } from './document-intake.workflow';

let h: TIntakeHarness;

beforeAll(async () => {
  h = await startIntakeHarness('Reminder Test Firm');
});

afterAll(async () => {
  await h?.close();
});

const em = () => forSystem(h.orm, 'test assertions');

type TQueues = { engagements: string; documents: string };

async function begin(
  queues: TQueues,
  options: Partial<TDocumentIntakeInput> & { email?: string } = {},
): Promise<{ handle: WorkflowHandle<typeof documentIntakeWorkflow>; engagementId: string; email: string }> {
  const { email: address, ...overrides } = options;
  const client = await h.newClient();
  if (address) {
    await forTenant(h.orm, h.firm.id).nativeUpdate(Contact, { id: client.contactId }, { email: address });
  }
  const engagementId = randomUUID();
  const handle = await h.start(queues, {
    clientId: client.clientId,
    engagementId,
    checklistType: 'document_intake',
    clientKind: 'individual',
    startedByUserId: h.preparer.id,
    items: [{ category: 'w2', label: 'W-2 from Harbor Freight Lines', required: true }],
    ...overrides,
  });
  await h.waitForStatus(handle, (s) => s.stage === 'collecting');
  return { handle, engagementId, email: address ?? client.email };
}

async function timeline(engagementId: string): Promise<{ kind: string; message: string }[]> {
  const events = await em().find(
    EngagementEvent,
    { engagement: engagementId },
    { orderBy: { occurredAt: 'asc', key: 'asc' } },
  );
  return events.map((e) => ({ kind: e.kind, message: e.message }));
}

/** Writes a workflow's history for the replay test (run with CPA_RECORD_HISTORIES=1). */
async function recordHistory(workflowId: string, name: string): Promise<void> {
  if (process.env.CPA_RECORD_HISTORIES !== '1') return;
  const { historyToJSON } = await import('@temporalio/common/lib/proto-utils');
  const history = historyToJSON(await fetchDecodedHistory(h.temporal, workflowId));
  const dir = new URL('../../tests/histories/document-intake/', import.meta.url);
  await mkdir(dir, { recursive: true });
  await writeFile(new URL(`${name}.json`, dir), history);
}

const quick = (intervalsSeconds: number[]): TReminderCadence => ({
  firstAfterSeconds: intervalsSeconds[0] ?? 1,
  backoffCoefficient: 1,
  maxIntervalSeconds: Math.max(...intervalsSeconds),
  maxReminders: intervalsSeconds.length,
  escalateAfterSeconds: 1,
  intervalsSeconds,
});

describe('document intake reminders that do not go out', () => {
  it('says the email bounced when the mail server refuses the address, tries it once, and still escalates to staff', async () => {
    const address = `nobody-${randomUUID().slice(0, 8)}@bounce.test`;
    const outcome = await h.withWorkers(async (queues) => {
      const ctx = await begin(queues, { email: address, reminders: quick([1, 1]) });
      const escalated = await h.waitForStatus(ctx.handle, (s) => s.reminders.escalated);
      expect(escalated.reminders).toMatchObject({ sent: 0, planned: 2, nextAt: null, escalated: true });
      expect(escalated.reminders.notSentReason).toMatch(
        /^email bounced \(the recipient was refused: 550 5\.1\.1 Mailbox does not exist/,
      );
      expect(escalated.lastError).toBeNull();
      expect(escalated.openTasks).toEqual([
        expect.objectContaining({ title: 'Follow up: the client has not sent 1 document' }),
      ]);
      await ctx.handle.executeUpdate(cancelEngagementUpdate, {
        args: [{ reason: 'Client left the firm', byUserId: h.preparer.id, notifyClient: false }],
      });
      await ctx.handle.result();
      await recordHistory(ctx.handle.workflowId, 'bounced-reminders-escalation');
      return ctx;
    });

    const events = await timeline(outcome.engagementId);
    const notSent = events.filter((e) => e.kind === 'request_not_sent' || e.kind === 'reminder_not_sent');
    expect(notSent.map((e) => e.kind)).toEqual([
      'request_not_sent',
      'reminder_not_sent',
      'reminder_not_sent',
    ]);
    expect(notSent[0]?.message).toMatch(
      /^Document request not emailed: email bounced \(the recipient was refused: 550/,
    );
    expect(notSent[1]?.message).toMatch(/^Reminder 1 not sent: email bounced/);
    expect(notSent[2]?.message).toMatch(/^Reminder 2 not sent: email bounced/);
    expect(events.filter((e) => e.kind === 'follow_up_created')).toHaveLength(1);

    // The mail server was asked once (the request); the reminders knew the address bounced.
    const sentLog = await em().find(EmailMessage, { toAddress: address });
    expect(sentLog.map((m) => [m.idempotencyKey, m.status])).toEqual([
      [`${documentIntakeWorkflowId(outcome.engagementId)}:request`, 'failed'],
    ]);
    expect(await listEmails(address)).toEqual([]);
    const tasks = await em().find(Task, { engagement: outcome.engagementId });
    expect(tasks.map((t) => [t.kind, t.status])).toEqual([['follow_up', 'cancelled']]);
  });

  it('holds reminders while its parent pauses them, shows why, and goes on with the next one after resume', async () => {
    const reason = 'paused while waiting on a K-1';
    const outcome = await h.withWorkers(async (queues) => {
      // Started on hold (the parent was already waiting): nothing goes out, whatever the cadence says.
      const ctx = await begin(queues, { reminders: quick([1, 5]), remindersPausedReason: reason });
      const held = await h.waitForStatus(ctx.handle, (s) => s.reminders.notSentReason === reason);
      expect(held.reminders).toMatchObject({ sent: 0, planned: 2, nextAt: null, escalated: false });
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      expect(await ctx.handle.query(getStatusQuery)).toMatchObject({
        reminders: { sent: 0, notSentReason: reason, nextAt: null },
      });

      await ctx.handle.signal(resumeRemindersSignal);
      const first = await h.waitForStatus(ctx.handle, (s) => s.reminders.sent === 1);
      expect(first.reminders.notSentReason).toBeNull();

      // Paused again between reminders: the second one waits, and its interval starts over on resume.
      await ctx.handle.signal(pauseRemindersSignal, { reason: 'paused by staff while the client travels' });
      const paused = await h.waitForStatus(
        ctx.handle,
        (s) => s.reminders.notSentReason === 'paused by staff while the client travels',
      );
      expect(paused.reminders).toMatchObject({ sent: 1, nextAt: null });
      await new Promise((resolve) => setTimeout(resolve, 6_000));
      expect(await ctx.handle.query(getStatusQuery)).toMatchObject({ reminders: { sent: 1 } });

      await ctx.handle.signal(resumeRemindersSignal);
      const resumed = await h.waitForStatus(ctx.handle, (s) => s.reminders.nextAt !== null);
      expect(resumed.reminders.notSentReason).toBeNull();
      expect(Date.parse(resumed.reminders.nextAt!) - Date.now()).toBeGreaterThan(2_000);
      const escalated = await h.waitForStatus(ctx.handle, (s) => s.reminders.escalated, 30_000);
      expect(escalated.reminders).toMatchObject({ sent: 2, notSentReason: null });
      await ctx.handle.executeUpdate(cancelEngagementUpdate, {
        args: [{ reason: 'Client left the firm', byUserId: h.preparer.id, notifyClient: false }],
      });
      await ctx.handle.result();
      await recordHistory(ctx.handle.workflowId, 'reminders-paused-resumed');
      return ctx;
    });
    const emails = await waitForEmails(outcome.email, 3);
    expect(emails.map((e) => e.subject).sort()).toEqual([
      expect.stringMatching(/^Reminder Test Firm needs documents/),
      'Reminder: Reminder Test Firm is still waiting for documents',
      'Second reminder: Reminder Test Firm is still waiting for documents',
    ]);
  });
});
