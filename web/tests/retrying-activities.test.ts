/**
 * A vendor that is down shows on the engagement page as a retrying step with its reason, never as a
 * silent wait: the mail server defers every message to this contact (451), so the onboarding
 * invitation activity retries, and the page says which step, which attempt and why.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoLogins } from '../../db/seed/demo-logins';
import { activityLabel } from '../app/temporal/retrying-activities.server';
import { HttpSession, locationOf, signInStaff, visibleText } from './support/http-session';
import { startTestPlatform, type TestPlatform } from './support/test-platform';

const owner = demoLogins.find((login) => login.role === 'owner')!;
let platform: TestPlatform;

beforeAll(async () => {
  platform = await startTestPlatform({
    name: 'retrying activities',
    reminders: { intervalsSeconds: [86_400], followUpAfterSeconds: 86_400 },
  });
}, 120_000);

afterAll(async () => {
  await platform?.stop();
});

describe('retrying activities on the engagement page', () => {
  it('names activities in words', () => {
    expect(activityLabel('sendOnboardingEmail')).toBe('Send onboarding email');
    expect(activityLabel('project_engagement')).toBe('Project engagement');
  });

  it('shows the step being retried, its attempt and the mail server’s reason', async () => {
    // Temporal retries the activity a few times (its pending activity shows), then the workflow
    // keeps the failure as the engagement's last error and tries again later (the failing-step notice).
    const retryingInvitation =
      /Retrying “Send onboarding invitation” \(attempt [2-9]|Sending the portal invitation keeps failing: .* attempt \d/;
    const session = new HttpSession(platform.web.url);
    await signInStaff(session, owner);
    const form = await session.page('/app/clients/new');
    const clientId = /name="clientId" value="([0-9a-f-]{36})"/.exec(form.html)?.[1];
    expect(clientId).toBeDefined();
    const created = await session.post('/app/clients/new', {
      clientId: clientId!,
      kind: 'individual',
      displayName: 'Riley Deferred',
      contactName: 'Riley Deferred',
      // The local mail capture answers 451 (try again later) for this domain.
      contactEmail: 'riley@defer.test',
    });
    expect(created.status).toBe(302);
    const engagementPage = locationOf(created);

    let text = '';
    const deadline = Date.now() + 45_000;
    while (Date.now() < deadline) {
      const page = await session.page(engagementPage);
      expect(page.status).toBe(200);
      text = visibleText(page.html);
      if (retryingInvitation.test(text)) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(text).toMatch(retryingInvitation);
    expect(text).toMatch(/451/);
  }, 60_000);
});
