import { randomUUID } from 'node:crypto';
import { forSystem, forTenant } from './tenancy/tenant-context';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAppError } from '../lib/errors';
import { AuditEvent } from './audit/audit-event.entity';
import type { TActor } from './audit/actor';
import { Invoice } from './billing/invoice.entity';
import { Payment } from './billing/payment.entity';
import { recordPayment } from './billing/record-payment';
import { Client } from './clients/client.entity';
import { createClient } from './clients/create-client';
import { clientTaxIdHash, setClientTaxId } from './clients/set-client-tax-id';
import { SensitiveString } from '../lib/crypto/sensitive-string';
import { withPgClient } from '../infra/local/pg-client';
import { DocumentRequest } from './documents/document-request.entity';
import { recordDocument } from './documents/record-document';
import { recordExtraction } from './documents/record-extraction';
import { startEngagementRecord } from './engagements/start-engagement-record';
import { Organization, defaultOrganizationSettings } from './organizations/organization.entity';
import { createOrm, type Orm } from './orm';
import { assignTask } from './tasks/assign-task';
import { completeTask } from './tasks/complete-task';
import { createTask } from './tasks/create-task';
import { Task } from './tasks/task.entity';
import { Membership } from './users/membership.entity';
import { User } from './users/user.entity';
import { createTestDatabase, dropTestDatabase } from '../tests/support/databases';

let url: string;
let orm: Orm;
let firmId: string;
let actor: TActor;
let preparerId: string;

beforeAll(async () => {
  url = await createTestDatabase('domain operations');
  orm = await createOrm({ databaseUrl: url, poolMax: 2 });
  const em = forSystem(orm, 'test setup: create the firm');
  const firm = em.create(Organization, {
    name: 'Ledger & Co',
    slug: 'ledger-co',
    settings: defaultOrganizationSettings,
  });
  const manager = em.create(User, { email: 'manager@ledger.test', name: 'Manager', passwordHash: 'x' });
  const preparer = em.create(User, { email: 'preparer@ledger.test', name: 'Preparer', passwordHash: 'x' });
  em.create(Membership, { organization: firm, user: manager, role: 'manager' });
  em.create(Membership, { organization: firm, user: preparer, role: 'preparer' });
  await em.flush();
  firmId = firm.id;
  preparerId = preparer.id;
  actor = { type: 'user', id: manager.id, ip: '203.0.113.7', userAgent: 'vitest' };
});

afterAll(async () => {
  await orm?.close(true);
  if (url) await dropTestDatabase(url);
});

const audits = (action: string, targetId?: string) =>
  forTenant(orm, firmId).find(AuditEvent, {
    organization: firmId,
    action,
    ...(targetId ? { targetId } : {}),
  });

async function expectAppError(promise: Promise<unknown>, reason: string, message: RegExp): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isAppError(error, reason), `expected AppError ${reason}, got ${String(error)}`).toBe(true);
  expect((error as Error & { userMessage: string }).userMessage).toMatch(message);
}

async function newClient(name = `Client ${randomUUID().slice(0, 6)}`) {
  return createClient(forTenant(orm, firmId), {
    organizationId: firmId,
    clientId: randomUUID(),
    kind: 'individual',
    displayName: name,
    contact: { id: randomUUID(), name, email: `${randomUUID().slice(0, 8)}@example.test` },
    actor,
  });
}

async function newEngagement() {
  const client = await newClient();
  return startEngagementRecord(forTenant(orm, firmId), {
    organizationId: firmId,
    engagementId: randomUUID(),
    clientId: client.id,
    type: 'tax_return',
    title: 'Tax return 2026',
    workflowId: `test:${randomUUID()}`,
    runId: randomUUID(),
    stage: 'intake',
    progress: 0,
    taxYear: 2026,
    actor,
  });
}

describe('domain operations', () => {
  it('create a client with its contact and an audit event, once per client ID', async () => {
    const clientId = randomUUID();
    const input = {
      organizationId: firmId,
      clientId,
      kind: 'business' as const,
      displayName: '  Harbor Bakery LLC ',
      contact: { id: randomUUID(), name: 'Dana Baker', email: 'Dana@Example.test' },
      actor,
    };
    await createClient(forTenant(orm, firmId), input);
    await createClient(forTenant(orm, firmId), input);
    const client = await forTenant(orm, firmId).findOneOrFail(Client, { id: clientId });
    expect(client.displayName).toBe('Harbor Bakery LLC');
    const [event, ...more] = await audits('client.created', clientId);
    expect(more).toHaveLength(0);
    expect(event).toMatchObject({
      actorType: 'user',
      actorId: actor.id,
      ip: '203.0.113.7',
      userAgent: 'vitest',
    });
    expect(JSON.stringify(event?.details)).not.toMatch(/Dana|Bakery/);
  });

  it('refuse a duplicate client (same name and contact email) and write nothing', async () => {
    const email = `${randomUUID().slice(0, 8)}@example.test`;
    const base = { organizationId: firmId, kind: 'individual' as const, displayName: 'Sam Duplicate', actor };
    await createClient(forTenant(orm, firmId), {
      ...base,
      clientId: randomUUID(),
      contact: { id: randomUUID(), name: 'Sam', email },
    });
    const before = await forTenant(orm, firmId).count(AuditEvent, { organization: firmId });
    const secondId = randomUUID();
    await expectAppError(
      createClient(forTenant(orm, firmId), {
        ...base,
        displayName: 'sam duplicate',
        clientId: secondId,
        contact: { id: randomUUID(), name: 'Sam', email: email.toUpperCase() },
      }),
      'duplicate_client',
      /already exists/,
    );
    expect(await forTenant(orm, firmId).count(Client, { id: secondId })).toBe(0);
    expect(await forTenant(orm, firmId).count(AuditEvent, { organization: firmId })).toBe(before);
  });

  it('store a tax ID encrypted, findable by keyed hash, shown by its last four, and never in the audit trail', async () => {
    const client = await newClient('Taylor Tax');
    const other = await newClient('Morgan Tax');
    const taxId = new SensitiveString('123-45-6789');
    const logged: string[] = [];
    const spy = (...args: unknown[]) => logged.push(args.map(String).join(' '));
    const original = { log: console.log, info: console.info, error: console.error };
    Object.assign(console, { log: spy, info: spy, error: spy });
    try {
      expect(
        await setClientTaxId(forTenant(orm, firmId), {
          organizationId: firmId,
          clientId: client.id,
          taxId,
          actor,
        }),
      ).toEqual({
        last4: '6789',
      });
    } finally {
      Object.assign(console, original);
    }
    const raw = await withPgClient(url, (pg) =>
      pg.query<{ tax_id: string; tax_id_hash: string; tax_id_last4: string }>(
        'SELECT tax_id, tax_id_hash, tax_id_last4 FROM client WHERE id = $1',
        [client.id],
      ),
    );
    const row = raw.rows[0]!;
    expect(row.tax_id).toMatch(/^enc:v1:/);
    expect(row.tax_id).not.toContain('123456789');
    expect(row).toMatchObject({ tax_id_hash: clientTaxIdHash('123 45 6789'), tax_id_last4: '6789' });
    const stored = await forTenant(orm, firmId).findOneOrFail(
      Client,
      { id: client.id },
      { populate: ['taxId'] },
    );
    expect(stored.taxId?.reveal()).toBe('123456789');
    expect(JSON.stringify(stored)).not.toContain('123456789');
    const found = await forTenant(orm, firmId).findOneOrFail(Client, {
      organization: firmId,
      taxIdHash: clientTaxIdHash('123456789'),
    });
    expect(found.id).toBe(client.id);

    await expectAppError(
      setClientTaxId(forTenant(orm, firmId), { organizationId: firmId, clientId: other.id, taxId, actor }),
      'duplicate_client',
      /already has this tax ID/,
    );
    await expectAppError(
      setClientTaxId(forTenant(orm, firmId), {
        organizationId: firmId,
        clientId: other.id,
        taxId: new SensitiveString('12-34'),
        actor,
      }),
      'invalid_tax_id',
      /9-digit/,
    );
    const events = await audits('client.tax_id_set');
    expect(events).toHaveLength(1);
    expect(JSON.stringify(events)).not.toMatch(/6789/);
    expect(logged.join('\n')).not.toMatch(/123-?45-?6789/);
  });

  it('complete a task once; a second completion is a typed error', async () => {
    const task = await createTask(forTenant(orm, firmId), {
      organizationId: firmId,
      key: `test:${randomUUID()}`,
      title: 'Call the client',
      kind: 'follow_up',
      actor,
    });
    await completeTask(forTenant(orm, firmId), { organizationId: firmId, taskId: task.id, actor });
    await expectAppError(
      completeTask(forTenant(orm, firmId), { organizationId: firmId, taskId: task.id, actor }),
      'task_already_completed',
      /already completed/,
    );
    expect(await audits('task.completed', task.id)).toHaveLength(1);
    expect(await audits('task.created', task.id)).toHaveLength(1);
  });

  it('assign a task only to a member of the firm', async () => {
    const task = await createTask(forTenant(orm, firmId), {
      organizationId: firmId,
      key: `test:${randomUUID()}`,
      title: 'Prepare the return',
      kind: 'preparation',
      actor,
    });
    const outsider = forTenant(orm, firmId);
    const stranger = outsider.create(User, {
      email: `${randomUUID()}@elsewhere.test`,
      name: 'Stranger',
      passwordHash: 'x',
    });
    await outsider.flush();
    await expectAppError(
      assignTask(forTenant(orm, firmId), {
        organizationId: firmId,
        taskId: task.id,
        assigneeUserId: stranger.id,
        actor,
      }),
      'assignee_not_in_firm',
      /your firm/,
    );
    await assignTask(forTenant(orm, firmId), {
      organizationId: firmId,
      taskId: task.id,
      assigneeUserId: preparerId,
      actor,
    });
    const stored = await forTenant(orm, firmId).findOneOrFail(Task, { id: task.id });
    expect(stored.assignee?.id).toBe(preparerId);
    expect((await audits('task.assigned', task.id)).map((a) => a.details)).toEqual([
      { from: null, to: preparerId },
    ]);
  });

  it('record a document once, recognise the same content as a duplicate, and mark its request received', async () => {
    const engagement = await newEngagement();
    const em = forTenant(orm, firmId);
    const request = em.create(DocumentRequest, {
      organization: firmId,
      engagement: engagement.id,
      category: 'w2',
      label: 'W-2 from each employer',
    });
    await em.flush();
    const upload = {
      organizationId: firmId,
      engagementId: engagement.id,
      requestId: request.id,
      blobKey: `org/${firmId}/doc/${randomUUID()}`,
      sha256: 'a'.repeat(64),
      sizeBytes: 48_213,
      mediaType: 'application/pdf',
      originalFileName: 'w2.pdf',
      category: 'w2',
      actor,
    };
    const first = await recordDocument(forTenant(orm, firmId), upload);
    expect(first.duplicate).toBe(false);
    expect((await recordDocument(forTenant(orm, firmId), upload)).document.id).toBe(first.document.id);
    const again = await recordDocument(forTenant(orm, firmId), {
      ...upload,
      blobKey: `org/${firmId}/doc/${randomUUID()}`,
    });
    expect(again).toMatchObject({ duplicate: true });
    expect(again.document.id).toBe(first.document.id);
    expect((await forTenant(orm, firmId).findOneOrFail(DocumentRequest, { id: request.id })).status).toBe(
      'received',
    );
    expect(await audits('document.recorded', first.document.id)).toHaveLength(1);

    const reviewed = await recordExtraction(forTenant(orm, firmId), {
      organizationId: firmId,
      documentId: first.document.id,
      fields: [
        { name: 'employerEin', value: '12-3456789', confidence: 0.97, page: 1, boundingRegion: null },
        { name: 'wages', value: 81234.56, confidence: 0.55, page: 1, boundingRegion: [1, 2, 3, 4] },
      ],
      requiredFields: ['employerEin', 'wages', 'federalTaxWithheld'],
      confidenceThreshold: 0.8,
      actor,
    });
    expect(reviewed.ocrStatus).toBe('needs_review');
    const [extraction] = await audits('document.extraction_recorded', first.document.id);
    expect(extraction?.details).toMatchObject({ missing: ['federalTaxWithheld'], lowConfidence: ['wages'] });
  });

  it('record payments idempotently, pay the invoice when covered, and refuse a void invoice', async () => {
    const engagement = await newEngagement();
    const em = forTenant(orm, firmId);
    const invoice = em.create(Invoice, {
      organization: firmId,
      client: engagement.client,
      engagement: engagement.id,
      number: 'INV-1001',
      description: 'Tax preparation 2026',
      amountDueMinor: 45_000,
      status: 'open',
    });
    const voided = em.create(Invoice, {
      organization: firmId,
      client: engagement.client,
      number: 'INV-1002',
      description: 'Cancelled',
      amountDueMinor: 1_000,
      status: 'void',
    });
    await em.flush();
    const pay = (amountMinor: number, id: string) =>
      recordPayment(forTenant(orm, firmId), {
        organizationId: firmId,
        invoiceId: invoice.id,
        amountMinor,
        currency: 'USD',
        stripePaymentIntentId: id,
        paidAt: new Date(),
        actor,
      });
    expect((await pay(20_000, 'pi_first')).invoice.status).toBe('open');
    expect(await pay(20_000, 'pi_first')).toMatchObject({ alreadyRecorded: true });
    const settled = await pay(25_000, 'pi_second');
    expect(settled.invoice).toMatchObject({ status: 'paid', amountPaidMinor: 45_000 });
    expect(await forTenant(orm, firmId).count(Payment, { invoice: invoice.id })).toBe(2);

    await expectAppError(
      recordPayment(forTenant(orm, firmId), {
        organizationId: firmId,
        invoiceId: voided.id,
        amountMinor: 1_000,
        currency: 'usd',
        stripePaymentIntentId: 'pi_void',
        paidAt: new Date(),
        actor,
      }),
      'invalid_status_transition',
      /void invoice cannot take a payment/,
    );
    expect(await forTenant(orm, firmId).count(Payment, { stripePaymentIntentId: 'pi_void' })).toBe(0);
    expect(await audits('invoice.payment_recorded', voided.id)).toHaveLength(0);
  });
});
