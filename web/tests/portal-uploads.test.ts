/**
 * Portal uploads over real HTTP: a signed-in client asks for an upload URL, sends the file straight
 * to blob storage (Azurite) as the upload field does, then asks the platform to check it. Real web
 * server, Postgres, Azurite and Temporal from the test stack.
 */
import { createHash, randomUUID } from 'node:crypto';
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
import { createClient } from '../../db/clients/create-client';
import { Document } from '../../db/documents/document.entity';
import { DocumentRequest } from '../../db/documents/document-request.entity';
import { DocumentUpload } from '../../db/documents/document-upload.entity';
import { startEngagementRecord } from '../../db/engagements/start-engagement-record';
import type { Orm } from '../../db/orm';
import { issuePortalLink } from '../../db/portal/issue-portal-link';
import { forTenant } from '../../db/tenancy/tenant-context';
import { samplePdf, samplePng } from '../../integrations/storage/testing/sample-files';
import type { TUploadOutcome, TUploadTicket } from '../app/documents/uploads.server';
import { HttpSession, locationOf, visibleText } from './support/http-session';
import { startTestPlatform, type TestPlatform } from './support/test-platform';

let platform: TestPlatform;
let orm: Orm;
let firmId: string;

interface TClientFixture {
  contactId: string;
  requestId: string;
  engagementId: string;
  session: HttpSession;
}
let ava: TClientFixture;
let ben: TClientFixture;

/** A client with a contact, an active intake engagement with one open request, signed in to the portal. */
async function clientWithRequest(name: string, email: string): Promise<TClientFixture> {
  const em = forTenant(orm, firmId);
  const clientId = randomUUID();
  const contactId = randomUUID();
  const engagementId = randomUUID();
  await createClient(em, {
    actor: systemActor,
    organizationId: firmId,
    clientId,
    kind: 'individual',
    displayName: name,
    contact: { id: contactId, name, email },
  });
  await startEngagementRecord(em, {
    actor: systemActor,
    organizationId: firmId,
    engagementId,
    clientId,
    type: 'document_intake',
    title: `2026 documents: ${name}`,
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
  const link = await issuePortalLink(em, { organizationId: firmId, contactId, purpose: 'portal-invitation' });
  const session = new HttpSession(platform.web.url);
  expect((await session.page(`/portal/invite/${link.token}`)).status).toBe(200);
  const opened = await session.post(`/portal/invite/${link.token}`, {});
  expect(opened.status).toBe(302);
  expect(locationOf(opened)).toMatch(/^\/portal/);
  return { contactId, requestId: request.id, engagementId, session };
}

/** What the upload field sends: JSON with the CSRF header, from this site. */
async function postJson(session: HttpSession, path: string, body: unknown, csrf?: string): Promise<Response> {
  return session.fetch(path, {
    method: 'POST',
    body: typeof body === 'string' ? body : JSON.stringify(body),
    headers: {
      'Content-Type': 'application/json',
      Origin: new URL(platform.web.url).origin,
      'X-CSRF-Token': csrf ?? (await session.csrfToken()),
    },
  });
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

async function startUpload(who: TClientFixture, file: Buffer, overrides: Record<string, unknown> = {}) {
  const response = await postJson(who.session, '/portal/uploads', {
    fileName: 'W-2 Acme.pdf',
    contentType: 'application/pdf',
    sizeBytes: file.length,
    requestId: who.requestId,
    ...overrides,
  });
  return { response, ticket: response.status === 201 ? ((await response.json()) as TUploadTicket) : null };
}

async function send(ticket: TUploadTicket, file: Buffer): Promise<void> {
  const response = await fetch(ticket.url, {
    method: ticket.method,
    headers: { ...ticket.headers, Origin: platform.web.url },
    body: new Uint8Array(file),
  });
  expect(response.status).toBe(201);
}

async function errorMessage(response: Response): Promise<string> {
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  return ((await response.json()) as { message: string }).message;
}

beforeAll(async () => {
  platform = await startTestPlatform({ name: 'portal uploads' });
  orm = platform.orm;
  firmId = platform.demoFirmId;
  ava = await clientWithRequest('Ava Upload', 'ava.upload@example.test');
  ben = await clientWithRequest('Ben Upload', 'ben.upload@example.test');
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

describe('portal uploads', () => {
  it('hand out a short-lived upload URL, take the file straight to storage, check it and record the document', async () => {
    const pdf = await samplePdf('W-2 for Ava');
    const { response, ticket } = await startUpload(ava, pdf);
    expect(response.status).toBe(201);
    expect(response.headers.get('cache-control')).toBe('no-store');
    if (!ticket) return;
    expect(ticket.method).toBe('PUT');
    expect(ticket.headers).toEqual({
      'x-ms-blob-type': 'BlockBlob',
      'x-ms-blob-content-type': 'application/pdf',
    });
    expect(new URL(ticket.url).pathname).toMatch(new RegExp(`/org/${firmId}/uploads/${ticket.uploadId}$`));
    expect(ticket.url).not.toMatch(/Ava|W-2/);
    expect(Date.parse(ticket.expiresAt) - Date.now()).toBeLessThanOrEqual(600_000);

    await send(ticket, pdf);
    const completed = await postJson(ava.session, `/portal/uploads/${ticket.uploadId}/complete`, {
      sha256: sha256(pdf),
    });
    expect(completed.status).toBe(200);
    const outcome = (await completed.json()) as TUploadOutcome;
    expect(outcome).toMatchObject({ status: 'verified', message: 'Received W-2 Acme.pdf. Thank you!' });

    const em = forTenant(orm, firmId);
    const document = await em.findOneOrFail(
      Document,
      { id: outcome.documentId! },
      { populate: ['uploadedByContact'] },
    );
    expect(document).toMatchObject({
      sha256: sha256(pdf),
      originalFileName: 'W-2 Acme.pdf',
      mediaType: 'application/pdf',
    });
    expect(document.uploadedByContact?.id).toBe(ava.contactId);
    expect((await em.findOneOrFail(DocumentRequest, { id: ava.requestId })).status).toBe('received');

    // Completing again (a double click, a retry after a lost answer) gives the same answer.
    const again = await postJson(ava.session, `/portal/uploads/${ticket.uploadId}/complete`, {});
    expect(((await again.json()) as TUploadOutcome).documentId).toBe(outcome.documentId);
  });

  it('refuse a PNG declared as a PDF with the reason, and record nothing', async () => {
    const png = samplePng();
    const { ticket } = await startUpload(ava, png, { fileName: 'photo.pdf' });
    if (!ticket) throw new Error('no ticket');
    await send(ticket, png);
    const completed = await postJson(ava.session, `/portal/uploads/${ticket.uploadId}/complete`, {});
    expect(completed.status).toBe(422);
    expect(await completed.json()).toEqual({
      status: 'rejected',
      documentId: null,
      message: 'The file is a PNG image, not a PDF. Please choose the right file or upload it as what it is.',
    });
    expect(await forTenant(orm, firmId).count(Document, { originalFileName: 'photo.pdf' })).toBe(0);
  });

  it('explain what is wrong with a declared file (type, size, name, target) and write nothing', async () => {
    const before = await forTenant(orm, firmId).count(DocumentUpload, {});
    const cases: [Record<string, unknown>, string][] = [
      [{ contentType: 'text/html' }, 'We accept PDF, PNG, JPEG, TIFF, HEIC, CSV or text files.'],
      [{ sizeBytes: 0 }, 'The file is empty. Please choose the file again.'],
      [{ sizeBytes: 30 * 1024 * 1024 }, 'The file is too large; the most we accept is 25 MB.'],
      [{ fileName: '   ' }, 'The file has no name. Please choose the file again.'],
      [{ fileName: `${'a'.repeat(300)}.pdf` }, 'Use a file name of at most 255 characters.'],
      [{ requestId: undefined }, 'Choose which document the file is for.'],
    ];
    for (const [overrides, message] of cases) {
      const { response } = await startUpload(ava, Buffer.from('x'), overrides);
      expect(response.status, JSON.stringify(overrides)).toBe(400);
      expect(await errorMessage(response)).toBe(message);
    }
    const malformed = await postJson(ava.session, '/portal/uploads', '{not json');
    expect(malformed.status).toBe(400);
    expect(await errorMessage(malformed)).toBe(
      'The request could not be read. Reload the page and try again.',
    );
    expect(await forTenant(orm, firmId).count(DocumentUpload, {})).toBe(before);
  });

  it('answer 404 for another client’s request and for another person’s upload', async () => {
    const { response } = await startUpload(ava, Buffer.from('x'), { requestId: ben.requestId });
    expect(response.status).toBe(404);
    expect(await errorMessage(response)).toBe('This document request could not be found.');
    const { ticket } = await startUpload(ben, await samplePdf('Ben'));
    if (!ticket) throw new Error('no ticket');
    const foreign = await postJson(ava.session, `/portal/uploads/${ticket.uploadId}/complete`, {});
    expect(foreign.status).toBe(404);
    const bad = await postJson(ava.session, '/portal/uploads/not-a-uuid/complete', {});
    expect(bad.status).toBe(404);
  });

  it('refuse a request without the CSRF token or without a portal session', async () => {
    const noToken = await postJson(ava.session, '/portal/uploads', { fileName: 'a.pdf' }, 'forged');
    expect(noToken.status).toBe(403);
    expect(await errorMessage(noToken)).toBe('This form has expired. Reload the page and try again.');
    const stranger = new HttpSession(platform.web.url);
    const signedOut = await postJson(stranger, '/portal/uploads', {
      fileName: 'a.pdf',
      contentType: 'application/pdf',
      sizeBytes: 10,
      requestId: ava.requestId,
    });
    expect(signedOut.status).toBe(401);
    expect(await errorMessage(signedOut)).toMatch(/^Please sign in to continue/);
  });

  it('list the documents still needed, each with an upload field', async () => {
    const { status, html } = await ava.session.page('/portal/documents/upload');
    expect(status).toBe(200);
    const text = visibleText(html);
    expect(text).toContain('Upload documents');
    expect(text).toContain('W-2 from each employer');
    expect(text).not.toContain('Ben Upload');
    expect(html).toMatch(/<input[^>]+type="file"[^>]+multiple/);
  });
});
