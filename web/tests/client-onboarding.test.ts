/**
 * Client onboarding end to end through the web app, over real HTTP: sign-in, creating a client
 * (which starts the workflow), the invitation email, the portal profile form, the live engagement
 * page and its event stream, tenant isolation and /healthz. Real Postgres, Temporal, Redis, Azurite
 * and mail capture from the test stack; the web server and an engagements worker run in this process.
 */
import { forSystem } from '../../db/tenancy/tenant-context';
import { randomUUID } from 'node:crypto';
import type { Client as TemporalClient } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
import {
  afterAll,
  afterEach,
  beforeAll,
  beforeEach,
  describe,
  expect,
  it,
  vi,
  type MockInstance,
} from 'vitest';
import { systemActor } from '../../db/audit/actor';
import { Client } from '../../db/clients/client.entity';
import { Contact } from '../../db/clients/contact.entity';
import { createClient } from '../../db/clients/create-client';
import { Engagement } from '../../db/engagements/engagement.entity';
import { startEngagementRecord } from '../../db/engagements/start-engagement-record';
import { Organization, defaultOrganizationSettings } from '../../db/organizations/organization.entity';
import type { Orm } from '../../db/orm';
import { issuePortalLink } from '../../db/portal/issue-portal-link';
import { demoLogins } from '../../db/seed/demo-logins';
import { createTask } from '../../db/tasks/create-task';
import { Task } from '../../db/tasks/task.entity';
import { portalLinkIn, waitForEmails } from '../../tests/support/mailbox';
import { namespace } from '../../tests/support/temporal';
import {
  getStatusQuery,
  onboardingWorkflowId,
  type TOnboardingResult,
} from '../../workflows/onboarding/client-onboarding.contracts';
import type { WebServer } from '../server';
import { HttpSession, locationOf, signInStaff, visibleText } from './support/http-session';
import { startTestPlatform, type TestPlatform } from './support/test-platform';

const owner = demoLogins.find((login) => login.role === 'owner')!;

let platform: TestPlatform;
let orm: Orm;
let web: WebServer;
let temporal: TemporalClient;
let demoFirmId: string;
let otherFirm: { engagementId: string; clientId: string };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitUntil<T>(
  what: string,
  probe: () => Promise<T | undefined | null | false>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

/** Reads a Server-Sent Events stream and resolves with the first event whose data matches. */
async function openEventStream(session: HttpSession, path: string) {
  const controller = new AbortController();
  const response = await session.get(path, {
    headers: { Accept: 'text/event-stream' },
    signal: controller.signal,
  });
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  const comments: string[] = [];
  return {
    response,
    comments,
    async next(matches: (data: Record<string, unknown>) => boolean, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        let boundary = buffer.indexOf('\n\n');
        while (boundary >= 0) {
          const block = buffer.slice(0, boundary);
          buffer = buffer.slice(boundary + 2);
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) comments.push(line.slice(1).trim());
            if (line.startsWith('data: ')) {
              const data = JSON.parse(line.slice(6)) as Record<string, unknown>;
              if (matches(data)) return data;
            }
          }
          boundary = buffer.indexOf('\n\n');
        }
        const remaining = deadline - Date.now();
        if (remaining <= 0) throw new Error('timed out waiting for a server-sent event');
        const chunk = await Promise.race([
          reader.read(),
          sleep(remaining).then(() => ({ done: true as const, value: undefined })),
        ]);
        if (chunk.done) throw new Error('the event stream ended');
        buffer += chunk.value;
      }
    },
    close() {
      controller.abort();
    },
  };
}

async function signIn(session: HttpSession): Promise<void> {
  const response = await signInStaff(session, owner);
  expect(locationOf(response)).toBe('/app');
}

async function newClientFormId(session: HttpSession): Promise<string> {
  const { status, html } = await session.page('/app/clients/new');
  expect(status).toBe(200);
  const clientId = /name="clientId" value="([0-9a-f-]{36})"/.exec(html)?.[1];
  if (!clientId) throw new Error('the new-client form has no clientId');
  return clientId;
}

async function countClients(): Promise<number> {
  return forSystem(orm, 'test assertions').count(Client, { organization: demoFirmId });
}

beforeAll(async () => {
  platform = await startTestPlatform({ name: 'web onboarding' });
  ({ orm, web, temporal, demoFirmId } = platform);

  const em = forSystem(orm, 'test assertions');
  const other = em.create(Organization, {
    name: 'Other Firm LLP',
    slug: 'other-firm',
    settings: defaultOrganizationSettings,
  });
  await em.flush();
  otherFirm = { clientId: randomUUID(), engagementId: randomUUID() };
  await createClient(em, {
    actor: systemActor,
    organizationId: other.id,
    clientId: otherFirm.clientId,
    kind: 'business',
    displayName: 'Secret Client Inc',
    contact: { id: randomUUID(), name: 'Secret Person', email: 'secret@example.test' },
  });
  await startEngagementRecord(em, {
    actor: systemActor,
    organizationId: other.id,
    engagementId: otherFirm.engagementId,
    clientId: otherFirm.clientId,
    type: 'client_onboarding',
    title: 'Client onboarding: Secret Client Inc',
    workflowId: onboardingWorkflowId(otherFirm.clientId),
    runId: randomUUID(),
    stage: 'awaiting_profile',
    progress: 40,
  });
});

afterAll(async () => {
  await platform?.stop();
});

let consoleError: MockInstance<typeof console.error>;
beforeEach(() => {
  consoleError = vi.spyOn(console, 'error');
});
afterEach(() => {
  expect(consoleError, 'no unexpected console.error').not.toHaveBeenCalled();
  consoleError.mockRestore();
});

describe('the web app', () => {
  it('sends security headers and no X-Powered-By', async () => {
    const response = await new HttpSession(web.url).get('/login');
    expect(response.status).toBe(200);
    expect(response.headers.get('x-powered-by')).toBeNull();
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('referrer-policy')).toBe('strict-origin-when-cross-origin');
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  });

  it('reports Postgres, Redis, Temporal and blob storage healthy on /healthz', async () => {
    const response = await new HttpSession(web.url).get('/healthz');
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      status: string;
      checks: Record<string, { status: string; latencyMs: number }>;
    };
    expect(body.status).toBe('ok');
    expect(Object.keys(body.checks).sort()).toEqual(['blobStorage', 'postgres', 'redis', 'temporal']);
    for (const check of Object.values(body.checks)) {
      expect(check.status).toBe('ok');
      expect(check.latencyMs).toBeGreaterThanOrEqual(0);
    }
  });
});

describe('staff sign-in', () => {
  it('sends a signed-out visitor of /app to the sign-in page, remembering where they were going', async () => {
    const response = await new HttpSession(web.url).get('/app/clients');
    expect(response.status).toBe(302);
    expect(locationOf(response)).toBe('/login?redirectTo=%2Fapp%2Fclients');
  });

  it('refuses a wrong password or an unknown email with the same generic message and no session', async () => {
    for (const email of [owner.email, 'nobody@harborview.test']) {
      const session = new HttpSession(web.url);
      const response = await session.post('/login', {
        email,
        password: 'wrong-password',
        redirectTo: '/app',
      });
      expect(response.status).toBe(401);
      expect(visibleText(await response.text())).toContain('Email or password is incorrect.');
      expect(session.cookie('cpa_session')).toBeUndefined();
    }
  });

  it('shows field errors when the email or password is missing', async () => {
    const response = await new HttpSession(web.url).post('/login', { email: 'not-an-email', password: '' });
    expect(response.status).toBe(400);
    const text = visibleText(await response.text());
    expect(text).toContain('Enter your email address');
    expect(text).toContain('Enter your password');
  });

  it('signs staff in with password and authenticator code, then returns them to the page they asked for', async () => {
    const session = new HttpSession(web.url);
    const password = await session.post('/login', {
      email: owner.email.toUpperCase(),
      password: owner.password,
      redirectTo: '/app/tasks',
    });
    expect(password.status).toBe(302);
    expect(locationOf(password)).toBe('/login/mfa?redirectTo=%2Fapp%2Ftasks');
    const response = await signInStaff(session, owner, '/app/tasks');
    expect(locationOf(response)).toBe('/app/tasks');
    const dashboard = await session.page('/app');
    expect(dashboard.status).toBe(200);
    expect(visibleText(dashboard.html)).toContain('Welcome back, Olivia');
  });

  it('refuses a form posted from another site', async () => {
    const session = new HttpSession(web.url);
    await signIn(session);
    const response = await session.fetch('/app/clients/new', {
      method: 'POST',
      body: new URLSearchParams({ displayName: 'Forged' }),
      headers: { Origin: 'https://evil.example' },
    });
    expect(response.status).toBe(403);
  });
});

describe('client onboarding', () => {
  const staff = () => new HttpSession(web.url);
  let session: HttpSession;
  let portal: HttpSession;
  let clientId: string;
  let engagementId: string;
  const contactEmail = `jordan.${randomUUID().slice(0, 8)}@example.test`;

  beforeAll(async () => {
    session = staff();
    await signIn(session);
  });

  it('rejects a new client with bad input: 400, an error next to each field, nothing written', async () => {
    const formClientId = await newClientFormId(session);
    const before = await countClients();
    const response = await session.post('/app/clients/new', {
      clientId: formClientId,
      kind: 'partnership',
      displayName: 'J',
      contactName: '',
      contactEmail: 'not-an-email',
    });
    expect(response.status).toBe(400);
    const html = await response.text();
    const text = visibleText(html);
    expect(text).toContain('Choose whether the client is an individual or a business');
    expect(text).toContain('Enter the client’s name (at least 2 characters)');
    expect(text).toContain('Enter the name of the person we will invite');
    expect(text).toContain('Enter an email address');
    expect(html).toContain('value="not-an-email"');
    expect(await countClients()).toBe(before);
    await expect(
      temporal.workflow.getHandle(onboardingWorkflowId(formClientId)).describe(),
    ).rejects.toBeInstanceOf(WorkflowNotFoundError);
  });

  it('creates the client, starts onboarding and shows the engagement waiting for the profile', async () => {
    clientId = await newClientFormId(session);
    const form = {
      clientId,
      kind: 'individual',
      displayName: 'Jordan Lee',
      contactName: 'Jordan Lee',
      contactEmail,
    };
    const response = await session.post('/app/clients/new', form);
    expect(response.status).toBe(302);
    const location = locationOf(response);
    const match = /^\/app\/engagements\/([0-9a-f-]{36})\?client=([0-9a-f-]{36})$/.exec(location);
    expect(match?.[2]).toBe(clientId);
    engagementId = match![1]!;

    // Submitting the same form again (a double click) lands on the same engagement.
    const again = await session.post('/app/clients/new', form);
    expect(again.status).toBe(302);
    expect(locationOf(again).split('?')[0]).toBe(`/app/engagements/${engagementId}`);

    const stage = await waitUntil('the engagement to wait for the profile', async () => {
      const row = await forSystem(orm, 'test assertions').findOne(Engagement, { id: engagementId });
      return row?.stage === 'awaiting_profile' ? row.stage : undefined;
    });
    expect(stage).toBe('awaiting_profile');

    const page = await session.page(location);
    expect(page.status).toBe(200);
    const text = visibleText(page.html);
    expect(text).toContain('Client onboarding: Jordan Lee');
    expect(text).toContain('Waiting for client profile (current)');
    expect(text).toContain('Client profile (from the client)');
    expect(text).toContain('0 of 1 sent');
    expect(text).toContain('Portal invitation emailed to the client');
    expect(page.html).toContain(
      `/namespaces/${namespace()}/workflows/${encodeURIComponent(onboardingWorkflowId(clientId))}/`,
    );

    const client = await forSystem(orm, 'test assertions').findOneOrFail(Client, { id: clientId });
    expect(client.organization.id).toBe(demoFirmId);
    const description = await temporal.workflow.getHandle(onboardingWorkflowId(clientId)).describe();
    expect(description.taskQueue).toBe('engagements');
  });

  it('emails the contact an invitation with a working portal link', async () => {
    const [invitation] = await waitForEmails(contactEmail, 1);
    const link = new URL(portalLinkIn(invitation!));
    expect(link.origin).toBe(new URL(web.url).origin);

    portal = new HttpSession(web.url);
    // The link's page names who it is for; its button spends the link (mail scanners only fetch).
    const shown = await portal.page(link.pathname);
    expect(shown.status).toBe(200);
    expect(portal.cookie('cpa_portal_session')).toBeUndefined();
    const redeemed = await portal.post(link.pathname, {});
    expect(redeemed.status).toBe(302);
    expect(locationOf(redeemed)).toBe('/portal');
    expect(portal.cookie('cpa_portal_session')).toBeDefined();
    expect(portal.cookie('cpa_session')).toBeUndefined();

    const home = await portal.page('/portal');
    expect(home.status).toBe(200);
    const text = visibleText(home.html);
    expect(text).toContain('Hello Jordan');
    expect(text).toContain('Tell Harborview CPA about yourself');
    for (const field of [
      'legalName',
      'phone',
      'addressLine1',
      'city',
      'state',
      'postalCode',
      'preferredContact',
    ]) {
      expect(home.html).toContain(`name="${field}"`);
    }
    expect(home.html).toContain('autoComplete="address-line1"');
  });

  it('rejects a bad profile with field errors; the workflow keeps waiting and nothing is stored', async () => {
    const response = await portal.post('/portal?index', {
      legalName: 'J',
      phone: '12345',
      addressLine1: '',
      city: 'Boston',
      state: 'ZZ',
      postalCode: 'abc',
    });
    expect(response.status).toBe(400);
    const html = await response.text();
    const text = visibleText(html);
    expect(text).toContain('Enter your full legal name');
    expect(text).toContain('Enter a 10-digit US phone number');
    expect(text).toContain('Enter your street address');
    expect(text).toContain('Choose a US state');
    expect(text).toContain('Enter a 5-digit ZIP code');
    expect(text).toContain('Choose how we should contact you');
    expect(html).toContain('value="Boston"');

    const status = await temporal.workflow.getHandle(onboardingWorkflowId(clientId)).query(getStatusQuery);
    expect(status.stage).toBe('awaiting_profile');
    expect(status.profileSubmittedAt).toBeNull();
    const client = await forSystem(orm, 'test assertions').findOneOrFail(Client, { id: clientId });
    expect(client.profile).toBeNull();
  });

  it('accepts a good profile: a live event arrives, the workflow completes, the client has the profile', async () => {
    const events = await openEventStream(session, `/app/engagements/${engagementId}/events`);
    try {
      expect(events.response.status).toBe(200);
      expect(events.response.headers.get('content-type')).toContain('text/event-stream');

      const response = await portal.post('/portal?index', {
        legalName: 'Jordan A. Lee',
        preferredName: 'Jordan',
        phone: '(617) 555-0142',
        addressLine1: '12 Harbor Street',
        addressLine2: '',
        city: 'Boston',
        state: 'MA',
        postalCode: '02110',
        preferredContact: 'email',
      });
      expect(response.status).toBe(302);
      expect(locationOf(response)).toBe('/portal?submitted=1');

      const change = await events.next((data) => data.stage === 'profile_received');
      expect(change).toMatchObject({ engagementId, stage: 'profile_received', status: 'active' });
      expect(events.comments).toContain('connected');
    } finally {
      events.close();
    }

    const thanks = await portal.page('/portal?submitted=1');
    expect(visibleText(thanks.html)).toContain('Thank you! We have your details.');

    const result = await temporal.workflow
      .getHandle<() => Promise<TOnboardingResult>>(onboardingWorkflowId(clientId))
      .result();
    expect(result.clientId).toBe(clientId);

    const client = await forSystem(orm, 'test assertions').findOneOrFail(Client, { id: clientId });
    expect(client.profile).toMatchObject({ legalName: 'Jordan A. Lee', phone: '6175550142', state: 'MA' });
    expect(client.status).toBe('active');

    const page = await session.page(`/app/engagements/${engagementId}`);
    const text = visibleText(page.html);
    expect(text).toContain('Onboarding complete');
    expect(text).toContain('Completed');
    expect(text).toContain('This workflow has finished.');
    expect(text).toContain('Client submitted their profile');

    // Opening the portal again shows the thank-you, not the form.
    const home = await portal.page('/portal');
    expect(visibleText(home.html)).toContain('We already have your details.');
    expect(home.html).not.toContain('name="legalName"');

    const clientPage = await session.page(`/app/clients/${clientId}`);
    expect(visibleText(clientPage.html)).toContain('12 Harbor Street');
  });

  it('answers 404 for another firm’s engagement, its event stream and its client', async () => {
    for (const path of [
      `/app/engagements/${otherFirm.engagementId}`,
      `/app/engagements/${otherFirm.engagementId}/events`,
      `/app/clients/${otherFirm.clientId}`,
    ]) {
      const { status, html } = await session.page(path);
      expect(status, path).toBe(404);
      expect(html).not.toContain('Secret Client Inc');
    }
  });

  it('lists the firm’s clients and engagements, never another firm’s', async () => {
    const clients = visibleText((await session.page('/app/clients?q=jor')).html);
    expect(clients).toContain('Jordan Lee');
    expect(clients).not.toContain('Ava Thompson');
    const all = visibleText((await session.page('/app/clients')).html);
    expect(all).toContain('Ava Thompson');
    expect(all).not.toContain('Secret Client Inc');
    const engagements = visibleText((await session.page('/app/engagements')).html);
    expect(engagements).toContain('Client onboarding: Jordan Lee');
    expect(engagements).not.toContain('Secret Client Inc');
  });
});

describe('client onboarding staff actions', () => {
  let session: HttpSession;
  let engagementId: string;
  let clientId: string;
  const contactEmail = `casey.${randomUUID().slice(0, 8)}@example.test`;
  const act = async (form: Record<string, string>) => {
    const response = await session.post(`/app/engagements/${engagementId}/onboarding`, form);
    return { status: response.status, body: (await response.json()) as { ok: boolean; message: string } };
  };

  beforeAll(async () => {
    session = new HttpSession(web.url);
    await signIn(session);
    clientId = await newClientFormId(session);
    const response = await session.post('/app/clients/new', {
      clientId,
      kind: 'individual',
      displayName: 'Casey Morgan',
      contactName: 'Casey Morgan',
      contactEmail,
    });
    engagementId = /^\/app\/engagements\/([0-9a-f-]{36})/.exec(locationOf(response))![1]!;
    await waitUntil('the onboarding to wait for the profile', async () => {
      const row = await forSystem(orm, 'test assertions').findOne(Engagement, { id: engagementId });
      return row?.stage === 'awaiting_profile';
    });
  });

  it('shows the shared status and the onboarding actions on the engagement page', async () => {
    const text = visibleText((await session.page(`/app/engagements/${engagementId}`)).html);
    expect(text).toContain('Client profile (from the client)');
    expect(text).toContain('Since');
    expect(text).toContain('0 of 1 sent');
    expect(text).toContain('Not needed so far');
    expect(text).toContain('Send a new portal link');
    expect(text).toContain('Cancel this onboarding');
    expect(text).not.toContain('Temporal has no record of this workflow');
  });

  it('emails a new portal link on request, and the first link stops working', async () => {
    const [first] = await waitForEmails(contactEmail, 1);
    const { status, body } = await act({ intent: 'resend' });
    expect(status).toBe(200);
    expect(body).toEqual({
      ok: true,
      message: 'A new portal link was emailed to the client. Older links they have not used no longer work.',
      form: 'resend',
    });
    const emails = await waitForEmails(contactEmail, 2);
    expect(emails).toHaveLength(2);
    const old = await new HttpSession(web.url).page(new URL(portalLinkIn(first!)).pathname);
    expect(old.status).toBe(404);
  });

  it('refuses to reassign a follow-up task that does not exist yet (409), and a malformed choice (400)', async () => {
    const owner = await forSystem(orm, 'test assertions').findOneOrFail(Engagement, { id: engagementId });
    const refused = await act({ intent: 'reassign', assigneeUserId: owner.startedBy?.id ?? randomUUID() });
    expect(refused.status).toBe(409);
    expect(refused.body.message).toBe(
      'There is no follow-up task to reassign: one opens only after the last reminder goes unanswered.',
    );
    const bad = await act({ intent: 'reassign', assigneeUserId: 'someone' });
    expect(bad).toEqual({
      status: 400,
      body: { ok: false, message: 'Choose someone from your firm', form: 'reassign' },
    });
  });

  it('refuses a cancel without a reason with the workflow’s sentence (409), and changes nothing', async () => {
    const { status, body } = await act({ intent: 'cancel', reason: 'x', notifyClient: 'on' });
    expect(status).toBe(409);
    expect(body.message).toBe('Say in a few words why the engagement is cancelled');
    const row = await forSystem(orm, 'test assertions').findOneOrFail(Engagement, { id: engagementId });
    expect(row.status).toBe('active');
  });

  it('cancels: the page says cancelled, the client is told once, and a second cancel is refused readably', async () => {
    const { status, body } = await act({
      intent: 'cancel',
      reason: 'The client signed with another firm',
      notifyClient: 'on',
    });
    expect({ status, body }).toEqual({
      status: 200,
      body: {
        ok: true,
        message:
          'The onboarding is cancelled: unused portal links no longer work and the follow-up is closed.',
        form: 'cancel',
      },
    });
    const row = await forSystem(orm, 'test assertions').findOneOrFail(Engagement, { id: engagementId });
    expect(row).toMatchObject({ status: 'cancelled', stage: 'cancelled', waitingFor: null });
    const emails = await waitForEmails(contactEmail, 3);
    expect(emails.filter((e) => e.subject.includes('has stopped work'))).toHaveLength(1);

    const text = visibleText((await session.page(`/app/engagements/${engagementId}`)).html);
    expect(text).toContain('Onboarding cancelled');
    expect(text).toContain('The client signed with another firm');
    expect(text).not.toContain('Cancel this onboarding');

    const again = await act({ intent: 'cancel', reason: 'Once more', notifyClient: 'on' });
    expect(again.status).toBe(409);
    expect(again.body.message).toBe('This onboarding has already finished, so nothing can be changed.');
  });

  it('shows the live status of other workflow engagements from the same shared query (a document intake)', async () => {
    const form = await session.page('/app/engagements/intake/new');
    const intakeId = /name="engagementId" value="([^"]+)"/.exec(form.html)?.[1] ?? '';
    const started = await session.post('/app/engagements/intake/new', {
      engagementId: intakeId,
      clientId,
      checklistType: 'document_intake',
      taxYear: '',
      period: '',
      dueDate: '',
    });
    expect(locationOf(started)).toBe(`/app/engagements/${intakeId}`);
    await waitUntil('the intake to ask the client', async () => {
      const row = await forSystem(orm, 'test assertions').findOne(Engagement, { id: intakeId });
      return row?.stage === 'collecting';
    });
    const text = visibleText((await session.page(`/app/engagements/${intakeId}`)).html);
    expect(text).toMatch(/\d+ documents? from the checklist \(from the client\)/);
    expect(text).toContain('0 of 1 sent');
    expect(text).not.toContain('Temporal has no record of this workflow');
    expect(text).not.toContain('Send a new portal link');
  });
});

describe('tasks', () => {
  it('shows the firm’s open tasks and marks one done', async () => {
    const session = new HttpSession(web.url);
    await signIn(session);
    const task = await createTask(forSystem(orm, 'test assertions'), {
      actor: systemActor,
      organizationId: demoFirmId,
      key: `test:${randomUUID()}`,
      kind: 'follow_up',
      title: 'Call Ava about her missing W-2',
      dueAt: new Date(Date.now() + 86_400_000),
    });

    const before = visibleText((await session.page('/app/tasks')).html);
    expect(before).toContain('Call Ava about her missing W-2');
    expect(visibleText((await session.page('/app')).html)).toContain('Call Ava about her missing W-2');

    const response = await session.post('/app/tasks', { taskId: task.id });
    expect(response.status).toBe(200);
    const stored = await forSystem(orm, 'test assertions').findOneOrFail(Task, { id: task.id });
    expect(stored.status).toBe('done');
    expect(visibleText((await session.page('/app/tasks')).html)).not.toContain(
      'Call Ava about her missing W-2',
    );
  });
});

describe('portal links', () => {
  it('explains an unknown link (404) and an expired one (410)', async () => {
    const unknown = await new HttpSession(web.url).page('/portal/invite/not-a-real-token');
    expect(unknown.status).toBe(404);
    expect(visibleText(unknown.html)).toContain('ask them to send you a new link');

    const em = forSystem(orm, 'test assertions');
    const client = await em.findOneOrFail(Client, { organization: demoFirmId, displayName: 'Ava Thompson' });
    const contact = await em.findOneOrFail(Contact, { client: client.id });
    const expired = await issuePortalLink(em, {
      organizationId: demoFirmId,
      contactId: contact.id,
      purpose: 'test',
      now: new Date(Date.now() - 30 * 86_400_000),
    });
    const page = await new HttpSession(web.url).page(`/portal/invite/${expired.token}`);
    expect(page.status).toBe(410);
    expect(visibleText(page.html)).toContain('This link has expired');
  });

  it('sends someone who opens the portal without a session to its sign-in page', async () => {
    const response = await new HttpSession(web.url).get('/portal');
    expect(response.status).toBe(302);
    expect(locationOf(response)).toMatch(/^\/portal\/login/);
  });
});
