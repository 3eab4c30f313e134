/**
 * The staff client page over real HTTP: its Bookkeeping section says where the client's monthly
 * close service stands and links to /app/clients/<id>/bookkeeping for the roles that may open that
 * page (owner, admin, manager); a preparer sees the client without the section or the link.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BookkeepingService } from '../../db/close/bookkeeping-service.entity';
import { Client } from '../../db/clients/client.entity';
import { Contact } from '../../db/clients/contact.entity';
import { Organization } from '../../db/organizations/organization.entity';
import { demoLogins } from '../../db/seed/demo-logins';
import { forSystem } from '../../db/tenancy/tenant-context';
import { HttpSession, signInStaff, visibleText } from './support/http-session';
import { startTestPlatform, type TestPlatform } from './support/test-platform';

const login = (role: string) => demoLogins.find((l) => l.role === role)!;
let platform: TestPlatform;

beforeAll(async () => {
  platform = await startTestPlatform({ name: 'client page' });
  // Preparers see every client here, so the page opens for them and only the section differs.
  const em = forSystem(platform.orm, 'test setup');
  const firm = await em.findOneOrFail(Organization, { id: platform.demoFirmId });
  firm.settings = { ...firm.settings, preparersSeeAllEngagements: true };
  await em.flush();
});

afterAll(async () => {
  await platform?.stop();
});

const db = () => forSystem(platform.orm, 'test assertions');

async function clientOf(email: string): Promise<string> {
  return (await db().findOneOrFail(Contact, { email }, { populate: ['client'] })).client.id;
}

describe('the client page', () => {
  it('links to the bookkeeping page with the service’s state, for roles that may open it', async () => {
    const em = db();
    const business = await em.findOneOrFail(
      Client,
      { organization: platform.demoFirmId, kind: 'business' },
      { orderBy: { createdAt: 'asc' } },
    );
    em.create(BookkeepingService, {
      organization: platform.demoFirmId,
      client: business.id,
      status: 'active',
      closeDayOfMonth: 3,
      bankAccounts: [
        { ledgerAccountId: '35', name: 'Checking' },
        { ledgerAccountId: '36', name: 'Savings' },
      ],
      scheduleId: `close-schedule:${business.id}`,
      startedAt: new Date(),
    });
    await em.flush();

    const manager = new HttpSession(platform.web.url);
    await signInStaff(manager, login('manager'));
    const running = await manager.page(`/app/clients/${business.id}`);
    expect(running.status).toBe(200);
    const text = visibleText(running.html);
    expect(text).toContain('Bookkeeping Active');
    expect(text).toContain('Monthly close on the 3rd of each month, 2 bank accounts.');
    expect(text).toContain('Open bookkeeping');
    expect(running.html).toContain(`href="/app/clients/${business.id}/bookkeeping"`);

    const clientId = await clientOf('ava.client@example.test');
    const none = await manager.page(`/app/clients/${clientId}`);
    expect(none.status).toBe(200);
    expect(visibleText(none.html)).toContain('Bookkeeping Not set up');
    expect(visibleText(none.html)).toContain('No monthly bookkeeping yet.');
    expect(visibleText(none.html)).toContain('Set up monthly bookkeeping');
    expect(none.html).toContain(`href="/app/clients/${clientId}/bookkeeping"`);
    // The link leads to a page this role may open.
    expect((await manager.page(`/app/clients/${clientId}/bookkeeping`)).status).toBe(200);
  });

  it('shows a preparer the client without the bookkeeping section or link', async () => {
    const clientId = await clientOf('ava.client@example.test');
    const preparer = new HttpSession(platform.web.url);
    await signInStaff(preparer, login('preparer'));
    const page = await preparer.page(`/app/clients/${clientId}`);
    expect(page.status).toBe(200);
    expect(page.html).not.toContain('/bookkeeping');
    expect(visibleText(page.html)).not.toContain('Open bookkeeping');
    expect((await preparer.page(`/app/clients/${clientId}/bookkeeping`)).status).toBe(404);
  });
});
