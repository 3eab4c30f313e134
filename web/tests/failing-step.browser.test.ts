/**
 * A step an engagement keeps failing at, as staff see it: the mail server defers every message to the
 * client's address (451 for `defer.test`), so a document intake's request email fails, and the
 * engagement page says which step, why, which attempt and when the workflow tries again, with "Retry
 * now". The retry is tried from a real browser (screenshot kept with CPA_SCREENSHOT_DIR), refused in
 * the workflow's words once nothing fails, and answered 404 to a preparer not on the engagement. An
 * engagement that failed for good reads "Failed" with its reason on its page and in the list.
 */
import { mkdir } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Contact } from '../../db/clients/contact.entity';
import { Engagement } from '../../db/engagements/engagement.entity';
import { EngagementEvent } from '../../db/engagements/engagement-event.entity';
import { demoLogins } from '../../db/seed/demo-logins';
import { forSystem } from '../../db/tenancy/tenant-context';
import { documentIntakeWorkflowId, getStatusQuery } from '../../workflows/intake/document-intake.contracts';
import { failingStepSentence, stepInWords } from '../app/engagements/failing-step';
import { launchTestBrowser } from './support/browser';
import { HttpSession, locationOf, signInStaff, visibleText } from './support/http-session';
import { startTestPlatform, type TestPlatform } from './support/test-platform';

const manager = demoLogins.find((login) => login.role === 'manager')!;
const preparer = demoLogins.find((login) => login.role === 'preparer')!;

let platform: TestPlatform;
let session: HttpSession;
let browser: Browser;

beforeAll(async () => {
  platform = await startTestPlatform({ name: 'failing step' });
  session = new HttpSession(platform.web.url);
  await signInStaff(session, manager);
  browser = await launchTestBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await platform?.stop();
});

const em = () => forSystem(platform.orm, 'test assertions');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function screenshot(page: Page, name: string): Promise<void> {
  const dir = process.env.CPA_SCREENSHOT_DIR;
  if (!dir) return;
  await mkdir(dir, { recursive: true });
  await page.screenshot({ path: `${dir}/${name}.png`, fullPage: true });
}

/** Polls the engagement page until its visible text matches, and returns that text. */
async function pageUntil(path: string, pattern: RegExp, timeoutMs = 120_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let text = '';
  while (Date.now() < deadline) {
    const page = await session.page(path);
    // Right after the start, the first activity may not have written the engagement yet (404).
    expect([200, 404]).toContain(page.status);
    text = page.status === 200 ? visibleText(page.html) : '';
    if (pattern.test(text)) return text;
    await sleep(1_000);
  }
  throw new Error(`the page never matched ${String(pattern)}; it said: ${text.slice(0, 2_000)}`);
}

async function postRetry(http: HttpSession, engagementId: string) {
  const response = await http.post(`/app/engagements/${engagementId}/retry`, { intent: 'retry' });
  const body = response.headers.get('content-type')?.includes('json')
    ? ((await response.json()) as { ok: boolean; message: string })
    : null;
  return { status: response.status, body };
}

describe('the failing-step words', () => {
  it('names steps in words, keeps an unknown name, and says when the workflow gave up', () => {
    expect(stepInWords('sendEngagementEmail')).toBe('Sending the email');
    expect(stepInWords('somethingNew')).toBe('somethingNew');
    const failing = {
      step: 'Sending the email',
      message: 'Mail server said 451',
      attempt: 3,
      retryable: true,
    };
    expect(failingStepSentence({ ...failing, nextTry: 'in 2 minutes', gaveUp: false })).toBe(
      'Sending the email keeps failing: Mail server said 451 — attempt 3, next try in 2 minutes',
    );
    expect(failingStepSentence({ ...failing, nextTry: null, gaveUp: true })).toBe(
      'Sending the email keeps failing: Mail server said 451 — gave up after 3 attempts',
    );
  });
});

describe('a step that keeps failing, on the engagement page', () => {
  let engagementId = '';

  it('shows the failing step with its reason and next try, retries it from the browser, and refuses a retry once nothing fails', async () => {
    const contact = await em().findOneOrFail(
      Contact,
      { organization: platform.demoFirmId, portalAccess: true, client: { kind: 'individual' } },
      { populate: ['client'], orderBy: { createdAt: 'asc' } },
    );
    const realEmail = contact.email;
    // The local mail capture answers 451 (try again later) for this domain.
    await em().nativeUpdate(Contact, { id: contact.id }, { email: `deferred-${randomUUID()}@defer.test` });

    const form = await session.page('/app/engagements/intake/new');
    engagementId = /name="engagementId" value="([^"]+)"/.exec(form.html)?.[1] ?? '';
    const started = await session.post('/app/engagements/intake/new', {
      engagementId,
      clientId: contact.client.id,
      checklistType: 'document_intake',
      taxYear: '',
      period: '',
      dueDate: '',
    });
    expect(started.status).toBe(302);
    const path = locationOf(started);
    expect(path).toBe(`/app/engagements/${engagementId}`);

    // The activity's own retries come first (about half a minute), then the workflow shows the failure.
    // Under load the first pause may already be over: a later attempt reads the same way.
    const text = await pageUntil(
      path,
      /Sending the email keeps failing: .*451.* — attempt \d+, next try (in \d+ (seconds?|minutes?)|any moment now)/,
    );
    expect(text).toContain('Retry now');
    // The notice says it once: the intake panel on its own page does not repeat it.
    expect(text.match(/keeps failing/g)).toHaveLength(1);

    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.addCookies([
      { name: 'cpa_session', value: session.cookie('cpa_session') ?? '', url: platform.web.url },
    ]);
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    await page.goto(`${platform.web.url}${path}`);
    const notice = page.getByRole('status').filter({ hasText: 'keeps failing' }).first();
    await expect.poll(() => notice.textContent()).toMatch(/Sending the email keeps failing/);
    await screenshot(page, 'failing-step-notice');
    await notice.getByRole('button', { name: 'Retry now' }).click();
    await expect
      .poll(() => notice.textContent(), { timeout: 30_000 })
      .toContain('Sending the email: trying again now.');
    await screenshot(page, 'failing-step-retried');
    await context.close();
    expect(problems).toEqual([]);

    // The mail server takes the address again: the step succeeds and the notice goes away.
    await em().nativeUpdate(Contact, { id: contact.id }, { email: realEmail });
    const handle = platform.temporal.workflow.getHandle(documentIntakeWorkflowId(engagementId));
    const deadline = Date.now() + 90_000;
    while ((await handle.query(getStatusQuery)).lastError !== null) {
      if (Date.now() > deadline) throw new Error('the email step never succeeded after the retry');
      // A pause between tries may still be running: cut it short, as staff would.
      await postRetry(session, engagementId);
      await sleep(2_000);
    }
    const after = visibleText((await session.page(path)).html);
    expect(after).not.toContain('keeps failing');
    expect(after).not.toContain('Retry now');

    const refused = await postRetry(session, engagementId);
    expect(refused.status).toBe(409);
    expect(refused.body).toEqual({
      ok: false,
      message: 'Nothing is failing right now, so there is nothing to retry.',
      form: 'retry',
    });
  }, 300_000);

  it('answers a preparer who is not on the engagement 404 for Retry now, as the other panels do', async () => {
    expect(engagementId).not.toBe('');
    const other = new HttpSession(platform.web.url);
    await signInStaff(other, preparer);
    expect((await other.get(`/app/engagements/${engagementId}`)).status).toBe(404);
    expect((await postRetry(other, engagementId)).status).toBe(404);
    expect((await other.post(`/app/engagements/${engagementId}/intake`, { intent: 'refresh' })).status).toBe(
      404,
    );
  });

  it('answers a retry form without its intent readably', async () => {
    const incomplete = await session.post(`/app/engagements/${engagementId}/retry`, {});
    expect(incomplete.status).toBe(400);
  });
});

describe('an engagement that failed for good', () => {
  it('reads Failed with the reason of its last timeline event, on its page and in the list', async () => {
    const engagement = await em().findOneOrFail(
      Engagement,
      // A demo engagement recorded without a workflow: only its row and timeline say what happened.
      { organization: platform.demoFirmId, status: 'active', workflowId: { $like: 'seed:%' } },
      { orderBy: { createdAt: 'asc' } },
    );
    const reason = 'Sending the email failed for good: the mail server refused the address.';
    const now = new Date();
    const write = em();
    write.create(EngagementEvent, {
      organization: engagement.organization,
      engagement,
      key: `failed:${engagement.id}`,
      kind: 'failed',
      stage: engagement.stage,
      message: reason,
      occurredAt: now,
    });
    await write.flush();
    await write.nativeUpdate(Engagement, { id: engagement.id }, { status: 'failed', updatedAt: now });

    const page = visibleText((await session.page(`/app/engagements/${engagement.id}`)).html);
    expect(page).toContain('Failed');
    expect(page).toContain(`This engagement failed: ${reason}`);
    expect(page).toContain('Nothing: this engagement failed.');
    expect(page).not.toContain('Not needed so far');

    const list = await session.page('/app/engagements');
    expect(list.status).toBe(200);
    const row = /<tr>(?:(?!<\/tr>)[\s\S])*?<\/tr>/g;
    const rowText = [...list.html.matchAll(row)]
      .map((match) => visibleText(match[0]))
      .find((text) => text.includes(engagement.title) && text.includes('Failed'));
    expect(rowText).toContain(reason);
  });
});
