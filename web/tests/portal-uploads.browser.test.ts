/**
 * The upload field in a real browser (Chromium via playwright-core) on a phone-sized portal page: the
 * client picks files, each goes straight to blob storage (Azurite) with a progress bar, and the
 * platform's check answers on the page: received, or refused with the reason.
 */
import { randomUUID } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { launchTestBrowser } from './support/browser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemActor } from '../../db/audit/actor';
import { createClient } from '../../db/clients/create-client';
import { Document } from '../../db/documents/document.entity';
import { DocumentRequest } from '../../db/documents/document-request.entity';
import { startEngagementRecord } from '../../db/engagements/start-engagement-record';
import { issuePortalLink } from '../../db/portal/issue-portal-link';
import { forTenant } from '../../db/tenancy/tenant-context';
import { samplePdf, samplePng } from '../../integrations/storage/testing/sample-files';
import { startTestPlatform, type TestPlatform } from './support/test-platform';

let platform: TestPlatform;
let browser: Browser;
const browserProblems: string[] = [];

function watch(page: Page): void {
  page.on('pageerror', (error) => browserProblems.push(error.message));
  page.on('console', (message) => {
    // The refused upload answers 422 on purpose; anything else (a CSP violation, a script error) is a problem.
    if (message.type() === 'error' && !/status of 422/.test(message.text()))
      browserProblems.push(message.text());
  });
}

beforeAll(async () => {
  platform = await startTestPlatform({ name: 'browser uploads' });
  browser = await launchTestBrowser();
});

afterAll(async () => {
  await browser?.close();
  await platform?.stop();
});

describe('the upload field in the browser', () => {
  it('sends files straight to storage and shows what the platform made of each', async () => {
    const firmId = platform.demoFirmId;
    const em = forTenant(platform.orm, firmId);
    const clientId = randomUUID();
    const contactId = randomUUID();
    const engagementId = randomUUID();
    await createClient(em, {
      actor: systemActor,
      organizationId: firmId,
      clientId,
      kind: 'individual',
      displayName: 'Dana Browser',
      contact: { id: contactId, name: 'Dana Browser', email: 'dana.browser@example.test' },
    });
    await startEngagementRecord(em, {
      actor: systemActor,
      organizationId: firmId,
      engagementId,
      clientId,
      type: 'document_intake',
      title: '2026 documents',
      workflowId: `intake:${engagementId}`,
      runId: randomUUID(),
      stage: 'collecting',
      progress: 20,
    });
    const request = em.create(DocumentRequest, {
      organization: firmId,
      engagement: engagementId,
      category: 'w2',
      label: 'W-2 from each employer',
    });
    await em.flush();
    const link = await issuePortalLink(em, {
      organizationId: firmId,
      contactId,
      purpose: 'portal-invitation',
    });

    const phone = await browser.newPage({
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
    });
    watch(phone);
    await phone.goto(`${platform.web.url}/portal/invite/${link.token}`);
    await phone.getByRole('button', { name: 'Open my client portal' }).tap();
    await phone.waitForURL(`${platform.web.url}/portal`);
    await phone.goto(`${platform.web.url}/portal/documents/upload`);
    await phone.getByRole('heading', { name: 'W-2 from each employer' }).waitFor();

    const field = phone.getByLabel('Files for “W-2 from each employer”');
    await field.setInputFiles([
      { name: 'W-2 Acme.pdf', mimeType: 'application/pdf', buffer: await samplePdf('W-2 Acme') },
      { name: 'scan.pdf', mimeType: 'application/pdf', buffer: samplePng() },
    ]);
    await phone
      .getByText('Received W-2 Acme.pdf. Thank you!')
      .waitFor({ timeout: 20_000 })
      .catch(async (e: unknown) => {
        await phone.screenshot({ path: 'screenshots/debug-upload.png', fullPage: true });
        await phone.getByText('Received W-2 Acme.pdf. Thank you!').waitFor({ timeout: 20_000 });
        throw e;
      });
    await phone
      .getByText(
        'Not accepted: The file is a PNG image, not a PDF. Please choose the right file or upload it as what it is.',
      )
      .waitFor({ timeout: 20_000 });
    await phone.screenshot({ path: 'screenshots/portal-upload-field.png', fullPage: true });

    const documents = await forTenant(platform.orm, firmId).find(Document, { engagement: engagementId });
    expect(documents.map((d) => d.originalFileName)).toEqual(['W-2 Acme.pdf']);
    expect(
      (await forTenant(platform.orm, firmId).findOneOrFail(DocumentRequest, { id: request.id })).status,
    ).toBe('received');
    expect(browserProblems).toEqual([]);
  });
});
