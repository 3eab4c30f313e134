/**
 * A tax return through the staff app and the client portal over real HTTP: the engagement page's tax
 * return panel, staff actions answered in the workflow's own words (a refusal included), the client's
 * e-file authorization in the portal (a wrong signature refused, the right one recorded with the IP),
 * and the filing recorded with a validated Submission ID. The tax season page renders its form.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { Contact } from '../../db/clients/contact.entity';
import { Engagement } from '../../db/engagements/engagement.entity';
import { demoLogins } from '../../db/seed/demo-logins';
import { TaxReturnApproval } from '../../db/tax-return/tax-return-approval.entity';
import { forSystem, forTenant } from '../../db/tenancy/tenant-context';
import { User } from '../../db/users/user.entity';
import { taxReturnInputFor } from '../../activities/tax-return/bulk-start.activities';
import {
  documentIntakeWorkflowId,
  getStatusQuery as getIntakeStatusQuery,
  waiveItemUpdate,
} from '../../workflows/intake/document-intake.contracts';
import {
  getTaxReturnStatusQuery,
  taxReturnWorkflowId,
} from '../../workflows/tax-return/tax-return.contracts';
import { taskQueues } from '../../workflows/shared/task-queues';
import { signInPortalContact } from './support/access-fixtures';
import { HttpSession, signInStaff, visibleText } from './support/http-session';
import { startTestPlatform, type TestPlatform } from './support/test-platform';

const owner = demoLogins.find((login) => login.role === 'owner')!;
const manager = demoLogins.find((login) => login.role === 'manager')!;
const reviewer = demoLogins.find((login) => login.role === 'reviewer')!;

let platform: TestPlatform;

beforeAll(async () => {
  platform = await startTestPlatform({ name: 'tax-return-pages' });
});

afterAll(async () => {
  await platform?.stop();
});

async function waitFor<T>(
  read: () => Promise<T>,
  predicate: (value: T) => boolean,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (predicate(value)) return value;
    if (Date.now() > deadline) throw new Error(`never matched; last: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function act(session: HttpSession, engagementId: string, form: Record<string, string>) {
  const response = await session.post(`/app/engagements/${engagementId}/tax-return`, form);
  return { status: response.status, body: (await response.json()) as { ok: boolean; message: string } };
}

describe('tax return pages', () => {
  it('takes a return from review to filing through the staff app and the portal', async () => {
    const em = forSystem(orm(), 'test setup');
    const contact = await em.findOneOrFail(
      Contact,
      { email: 'ava.client@example.test' },
      { populate: ['client'] },
    );
    const ownerUser = await em.findOneOrFail(User, { email: owner.email });
    const managerUser = await em.findOneOrFail(User, { email: manager.email });
    const reviewerUser = await em.findOneOrFail(User, { email: reviewer.email });
    const taxYear = 2031;
    const input = {
      ...taxReturnInputFor({
        organizationId: platform.demoFirmId,
        clientId: contact.client.id,
        taxYear,
        returnType: '1040',
        timeZone: 'America/New_York',
        preparerUserId: ownerUser.id,
        reviewerUserId: reviewerUser.id,
        managerUserId: managerUser.id,
        startedByUserId: managerUser.id,
        fee: null,
      }),
    };
    const handle = await platform.temporal.workflow.start('taxReturnWorkflow', {
      taskQueue: taskQueues.engagements,
      workflowId: taxReturnWorkflowId(contact.client.id, taxYear),
      args: [input],
    });
    const status = () => handle.query(getTaxReturnStatusQuery);
    const opened = await waitFor(status, (s) => s.stage === 'intake');
    const engagementId = opened.engagementId;

    // The intake's required items are waived (no uploads in this test).
    const intake = platform.temporal.workflow.getHandle(documentIntakeWorkflowId(engagementId));
    const checklist = await waitFor(
      () => intake.query(getIntakeStatusQuery).catch(() => null),
      (s) => s !== null && s.stage === 'collecting' && s.checklist.length > 0,
    );
    for (const item of checklist!.checklist.filter((i) => i.required && i.status === 'open')) {
      await intake
        .executeUpdate(waiveItemUpdate, {
          args: [{ requestId: item.requestId, reason: 'Not needed here', byUserId: managerUser.id }],
        })
        .catch((error: unknown) => {
          const cause = error instanceof WorkflowUpdateFailedError ? error.cause : null;
          if (!(cause instanceof ApplicationFailure) || cause.type !== 'AcceptedUpdateCompletedWorkflow')
            throw error;
        });
    }
    await waitFor(status, (s) => s.stage === 'preparation');

    const staff = new HttpSession(platform.web.url);
    await signInStaff(staff, owner);
    const page = await staff.page(`/app/engagements/${engagementId}`);
    expect(page.status).toBe(200);
    const text = visibleText(page.html);
    expect(text).toContain(`Tax return ${taxYear}`);
    expect(text).toContain('Submit for review');
    expect(text).toContain('Preparing the return');

    expect(
      await act(staff, engagementId, {
        intent: 'submit',
        federal: 'twelve',
        stateCode: '',
        state: '',
        notes: '',
      }),
    ).toEqual({
      status: 400,
      body: {
        ok: false,
        message:
          'Enter the federal refund (or, with a minus sign, the amount owed) in dollars, for example 1234.56 or -500',
        form: 'submit',
      },
    });
    expect(
      await act(staff, engagementId, {
        intent: 'submit',
        federal: '1,234.56',
        stateCode: 'ma',
        state: '-42',
        notes: 'Direct deposit.',
      }),
    ).toEqual({ status: 200, body: { ok: true, message: 'Submitted for review.', form: 'submit' } });
    await waitFor(status, (s) => s.stage === 'review');
    // The owner prepared it: the workflow refuses their approval, in its own words.
    expect(await act(staff, engagementId, { intent: 'approve', note: '' })).toEqual({
      status: 409,
      body: {
        ok: false,
        message: 'You prepared this return: someone else must review and approve it.',
        form: 'approve',
      },
    });
    // A manager may not approve returns at all (the permission table).
    const managing = new HttpSession(platform.web.url);
    await signInStaff(managing, manager);
    expect(await act(managing, engagementId, { intent: 'approve', note: '' })).toEqual({
      status: 403,
      body: { ok: false, message: 'Your role cannot do this.', form: 'approve' },
    });

    const reviewing = new HttpSession(platform.web.url);
    await signInStaff(reviewing, reviewer);
    expect((await act(reviewing, engagementId, { intent: 'approve', note: 'Fine.' })).body.ok).toBe(true);
    await waitFor(status, (s) => s.stage === 'client_approval');

    const portal = new HttpSession(platform.web.url);
    await signInPortalContact(portal, orm(), { organizationId: platform.demoFirmId, contactId: contact.id });
    const approvalPage = await portal.page(`/portal/engagements/${engagementId}/approve`);
    expect(approvalPage.status).toBe(200);
    const portalText = visibleText(approvalPage.html);
    expect(portalText).toContain(`Your ${taxYear} tax return`);
    expect(portalText).toContain('Refund $1,234.56');
    expect(portalText).toContain('MA: Owed $42.00');
    expect(portalText).toContain('I authorize');

    const wrong = await portal.post(`/portal/engagements/${engagementId}/approve`, {
      intent: 'sign',
      round: '1',
      consent: 'yes',
      typedName: 'Somebody Else',
    });
    expect(wrong.status).toBe(400);
    expect(visibleText(await wrong.text())).toContain(
      `Type your full name exactly as we have it: ${contact.name}`,
    );
    const signed = await portal.post(`/portal/engagements/${engagementId}/approve`, {
      intent: 'sign',
      round: '1',
      consent: 'yes',
      typedName: contact.name.toUpperCase(),
    });
    expect(signed.status).toBe(200);
    expect(visibleText(await signed.text())).toContain('Thank you: you approved your return');
    const approval = await forTenant(orm(), platform.demoFirmId).findOneOrFail(TaxReturnApproval, {
      engagement: engagementId,
    });
    expect(approval).toMatchObject({ status: 'signed', typedName: contact.name.toUpperCase() });
    expect(approval.signedIp).toBeTruthy();

    await waitFor(status, (s) => s.stage === 'filing');
    expect(
      await act(staff, engagementId, { intent: 'file', confirmationNumber: 'ABC', filedOn: '' }),
    ).toEqual({
      status: 400,
      body: {
        ok: false,
        message: 'Enter the 20-character IRS Submission ID, for example 123456 2027 105 abc1234',
        form: 'file',
      },
    });
    expect(
      (
        await act(staff, engagementId, {
          intent: 'file',
          confirmationNumber: '123456-2032-105-abc1234',
          filedOn: '',
        })
      ).body,
    ).toEqual({ ok: true, message: 'Filing recorded.', form: 'file' });
    await handle.result();
    const row = await forTenant(orm(), platform.demoFirmId).findOneOrFail(Engagement, { id: engagementId });
    expect(row).toMatchObject({ status: 'completed', stage: 'completed' });

    const season = await managing.page('/app/tax-season');
    expect(season.status).toBe(200);
    expect(visibleText(season.html)).toContain('Start the season');
    // A reviewer may not start a season: the page answers 404.
    expect((await reviewing.page('/app/tax-season')).status).toBe(404);
  });

  it('offers no Cancel on the intake inside a return: the panel points to the return, and a cancel post is refused', async () => {
    const em = forSystem(orm(), 'test setup');
    const contact = await em.findOneOrFail(
      Contact,
      { email: 'ava.client@example.test' },
      { populate: ['client'] },
    );
    const ownerUser = await em.findOneOrFail(User, { email: owner.email });
    const reviewerUser = await em.findOneOrFail(User, { email: reviewer.email });
    const taxYear = 2033;
    const handle = await platform.temporal.workflow.start('taxReturnWorkflow', {
      taskQueue: taskQueues.engagements,
      workflowId: taxReturnWorkflowId(contact.client.id, taxYear),
      args: [
        taxReturnInputFor({
          organizationId: platform.demoFirmId,
          clientId: contact.client.id,
          taxYear,
          returnType: '1040',
          timeZone: 'America/New_York',
          preparerUserId: ownerUser.id,
          reviewerUserId: reviewerUser.id,
          managerUserId: ownerUser.id,
          startedByUserId: ownerUser.id,
          fee: null,
        }),
      ],
    });
    try {
      const { engagementId } = await waitFor(
        () => handle.query(getTaxReturnStatusQuery),
        (s) => s.stage === 'intake',
      );
      const intake = platform.temporal.workflow.getHandle(documentIntakeWorkflowId(engagementId));
      await waitFor(
        () => intake.query(getIntakeStatusQuery).catch(() => null),
        (s) => s !== null && s.stage === 'collecting' && s.checklist.length > 0,
      );
      const engagement = await forTenant(orm(), platform.demoFirmId).findOneOrFail(Engagement, {
        id: engagementId,
      });

      const staff = new HttpSession(platform.web.url);
      await signInStaff(staff, owner);
      const page = await staff.page(`/app/engagements/${engagementId}`);
      expect(page.status).toBe(200);
      const text = visibleText(page.html);
      expect(text).toContain(`Part of ${engagement.title} — cancel it from there`);
      expect(page.html).toContain(`href="/app/engagements/${engagementId}#tax-return-title"`);
      expect(text).not.toContain('Cancel this engagement');

      const refused = await staff.post(`/app/engagements/${engagementId}/intake`, {
        intent: 'cancel',
        reason: 'Client moved away',
        notifyClient: 'on',
      });
      expect(refused.status).toBe(409);
      expect(await refused.json()).toEqual({
        ok: false,
        message: `Collecting documents is part of ${engagement.title}: cancel that instead.`,
        form: 'cancel:',
      });
      // Nothing changed: the intake still collects, the return still waits for it.
      expect((await intake.query(getIntakeStatusQuery)).stage).toBe('collecting');
      expect((await handle.query(getTaxReturnStatusQuery)).stage).toBe('intake');
    } finally {
      // The return is left running at its intake; end it (it may have ended already if a check failed).
      await handle.terminate('test finished').catch(() => undefined);
    }
  });
});

function orm() {
  return platform.orm;
}
