/**
 * The email sent-log against real Postgres and the test stack's mail capture: one email per
 * idempotency key however often (or however concurrently) it is asked for, failures and bounces
 * recorded, permanent refusals not retried.
 */
import { randomUUID } from 'node:crypto';
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
import { EmailDeliveryError, createSmtpMailer, type Mailer } from '../../integrations/email/mailer';
import type { TEmailTemplate } from '../../integrations/email/templates';
import { isAppError } from '../../lib/errors';
import { listEmails, waitForEmails } from '../../tests/support/mailbox';
import { createTestDatabase, dropTestDatabase } from '../../tests/support/databases';
import { AuditEvent } from '../audit/audit-event.entity';
import { Organization, defaultOrganizationSettings } from '../organizations/organization.entity';
import { createOrm, type Orm } from '../orm';
import { forSystem, forTenant } from '../tenancy/tenant-context';
import { EmailMessage } from './email-message.entity';
import { recordEmailBounce } from './record-email-bounce';
import { messageIdFor, sendEmailOnce } from './send-email-once';

let url: string;
let orm: Orm;
let firmId: string;
let otherFirmId: string;
const mailer = createSmtpMailer({
  smtpUrl: process.env.SMTP_URL!,
  from: 'Sent-log Test <no-reply@cpa-platform.local>',
});

beforeAll(async () => {
  url = await createTestDatabase('send email once');
  orm = await createOrm({ databaseUrl: url, poolMax: 6 });
  const em = forSystem(orm, 'test setup: firms');
  const firm = em.create(Organization, {
    name: 'Ledger & Co',
    slug: 'ledger-co',
    settings: { ...defaultOrganizationSettings, timeZone: 'America/Chicago' },
  });
  const other = em.create(Organization, {
    name: 'Other Firm',
    slug: 'other-firm',
    settings: defaultOrganizationSettings,
  });
  await em.flush();
  firmId = firm.id;
  otherFirmId = other.id;
});

afterAll(async () => {
  mailer.close();
  await orm?.close(true);
  if (url) await dropTestDatabase(url);
});

const key = () => `test:${randomUUID()}`;
const address = (domain = 'example.test') => `client-${randomUUID().slice(0, 8)}@${domain}`;
const invoiceEmail: TEmailTemplate = {
  template: 'invoice',
  firmName: 'Ledger & Co',
  contactName: 'Ava Martinez',
  invoiceNumber: 'INV-1',
  amountCents: 12_500,
  currency: 'USD',
  dueDate: new Date('2026-12-18T03:30:00Z'),
  payUrl: 'https://app.example.com/portal',
};
const sentLog = (idempotencyKey: string) =>
  forSystem(orm, 'test assertions').findOneOrFail(EmailMessage, { idempotencyKey });

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: unknown) => e,
  );
}

let consoleError: MockInstance<typeof console.error>;
beforeEach(() => {
  consoleError = vi.spyOn(console, 'error');
});
afterEach(() => {
  expect(consoleError, 'no unexpected console.error').not.toHaveBeenCalled();
  consoleError.mockRestore();
});

describe('sendEmailOnce', () => {
  it('sends once per idempotency key; asking again sends nothing and says so', async () => {
    const to = address();
    const idempotencyKey = key();
    const input = {
      em: forTenant(orm, firmId),
      mailer,
      organizationId: firmId,
      idempotencyKey,
      to,
      template: invoiceEmail,
    };
    const first = await sendEmailOnce({ ...input, relatedTo: { type: 'invoice', id: 'INV-1' } });
    const second = await sendEmailOnce(input);
    expect(first).toEqual({ status: 'sent', messageId: messageIdFor(idempotencyKey) });
    expect(second).toEqual({ status: 'already_sent', messageId: messageIdFor(idempotencyKey) });

    const [received, ...more] = await waitForEmails(to, 1);
    expect(more).toEqual([]);
    expect(received?.subject).toBe('Invoice INV-1 from Ledger & Co');
    // Dates read in the firm's time zone (Chicago), since the template named none.
    expect(received?.text).toContain('Due: Thursday, December 17, 2026');
    const row = await sentLog(idempotencyKey);
    expect(row).toMatchObject({
      status: 'sent',
      template: 'invoice',
      toAddress: to,
      attempts: 1,
      providerMessageId: messageIdFor(idempotencyKey),
      relatedType: 'invoice',
      relatedId: 'INV-1',
      claimedUntil: null,
      lastError: null,
    });
    expect(row.sentAt).toBeInstanceOf(Date);
  });

  it('sends one email when two calls with the same key run at the same time', async () => {
    const to = address();
    const idempotencyKey = key();
    const call = () =>
      sendEmailOnce({
        em: forTenant(orm, firmId),
        mailer,
        organizationId: firmId,
        idempotencyKey,
        to,
        template: invoiceEmail,
      });
    const results = await Promise.all([call(), call(), call()]);
    expect(results.map((r) => r.status).sort()).toEqual(['already_sent', 'already_sent', 'sent']);
    await waitForEmails(to, 1);
    // Give a second email every chance to arrive before counting.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await listEmails(to)).toHaveLength(1);
    expect((await sentLog(idempotencyKey)).attempts).toBe(1);
  });

  it('records a temporary failure and leaves the email to a retry, which sends it', async () => {
    const to = address();
    const idempotencyKey = key();
    let calls = 0;
    // The port fails once the way an unreachable server does, then delivers.
    const flaky: Mailer = {
      async send(email) {
        calls += 1;
        if (calls === 1)
          throw new EmailDeliveryError('the mail server could not be reached (ECONNREFUSED)', {
            retryable: true,
          });
        return mailer.send(email);
      },
      close() {},
    };
    const input = {
      em: forTenant(orm, firmId),
      mailer: flaky,
      organizationId: firmId,
      idempotencyKey,
      to,
      template: invoiceEmail,
    };
    const error = await failure(sendEmailOnce(input));
    expect(error).toBeInstanceOf(EmailDeliveryError);
    expect((error as EmailDeliveryError).retryable).toBe(true);
    const failed = await sentLog(idempotencyKey);
    expect(failed).toMatchObject({
      status: 'pending',
      attempts: 1,
      lastError: 'the mail server could not be reached (ECONNREFUSED)',
      claimedUntil: null,
      sentAt: null,
    });
    expect(failed.failedAt).toBeInstanceOf(Date);

    expect(await sendEmailOnce(input)).toMatchObject({ status: 'sent' });
    expect(await sentLog(idempotencyKey)).toMatchObject({
      status: 'sent',
      attempts: 2,
      lastError: null,
      failedAt: null,
    });
    expect(await waitForEmails(to, 1)).toHaveLength(1);
  });

  it('records a 4xx refusal from the server as retryable, keeping the server’s reply', async () => {
    const idempotencyKey = key();
    const error = await failure(
      sendEmailOnce({
        em: forTenant(orm, firmId),
        mailer,
        organizationId: firmId,
        idempotencyKey,
        to: address('defer.test'),
        template: invoiceEmail,
      }),
    );
    expect((error as EmailDeliveryError).retryable).toBe(true);
    const row = await sentLog(idempotencyKey);
    expect(row.status).toBe('pending');
    expect(row.lastError).toMatch(/451 4\.2\.1 Mailbox busy/);
  });

  it('marks a permanently refused recipient failed and never tries again', async () => {
    const to = address('bounce.test');
    const idempotencyKey = key();
    let sends = 0;
    const counting: Mailer = {
      send(email) {
        sends += 1;
        return mailer.send(email);
      },
      close() {},
    };
    const input = {
      em: forTenant(orm, firmId),
      mailer: counting,
      organizationId: firmId,
      idempotencyKey,
      to,
      template: invoiceEmail,
    };
    const first = (await failure(sendEmailOnce(input))) as EmailDeliveryError;
    expect(first).toBeInstanceOf(EmailDeliveryError);
    expect(first.retryable).toBe(false);
    expect(first.smtpCode).toBe(550);
    const row = await sentLog(idempotencyKey);
    expect(row.status).toBe('failed');
    expect(row.lastError).toMatch(/^the recipient was refused: 550 5\.1\.1 Mailbox does not exist/);

    const again = (await failure(sendEmailOnce(input))) as EmailDeliveryError;
    expect(again.retryable).toBe(false);
    expect(again.reason).toBe(row.lastError);
    expect(sends).toBe(1);
  });

  it('records a bounce against the email it belongs to, once', async () => {
    const to = address();
    const idempotencyKey = key();
    const { messageId } = await sendEmailOnce({
      em: forTenant(orm, firmId),
      mailer,
      organizationId: firmId,
      idempotencyKey,
      to,
      template: invoiceEmail,
    });
    const system = forSystem(orm, 'bounces arrive without a firm');
    const bounce = {
      providerMessageId: messageId.slice(1, -1),
      reason: '550 5.1.1 user unknown\r\n(remote)',
    };
    const recorded = await recordEmailBounce(system.fork(), bounce);
    expect(recorded.recorded).toBe(true);
    expect(await recordEmailBounce(system.fork(), bounce)).toEqual(recorded);
    const row = await sentLog(idempotencyKey);
    expect(row).toMatchObject({ status: 'bounced', lastError: '550 5.1.1 user unknown (remote)' });
    expect(row.failedAt).toBeInstanceOf(Date);
    const audits = await forTenant(orm, firmId).find(AuditEvent, {
      action: 'email.bounced',
      targetId: row.id,
    });
    expect(audits).toHaveLength(1);

    // A bounced email counts as sent: asking again sends nothing.
    const again = await sendEmailOnce({
      em: forTenant(orm, firmId),
      mailer,
      organizationId: firmId,
      idempotencyKey,
      to,
      template: invoiceEmail,
    });
    expect(again.status).toBe('already_sent');
    expect(
      await recordEmailBounce(system.fork(), { providerMessageId: '<unknown@example.test>', reason: 'x' }),
    ).toEqual({
      recorded: false,
      emailId: null,
    });
  });

  it('refuses a key another firm already used, without sending or revealing that firm’s email', async () => {
    const idempotencyKey = key();
    await sendEmailOnce({
      em: forTenant(orm, otherFirmId),
      mailer,
      organizationId: otherFirmId,
      idempotencyKey,
      to: address(),
      template: invoiceEmail,
    });
    const to = address();
    const error = await failure(
      sendEmailOnce({
        em: forTenant(orm, firmId),
        mailer,
        organizationId: firmId,
        idempotencyKey,
        to,
        template: invoiceEmail,
      }),
    );
    expect(isAppError(error, 'idempotency_key_in_use')).toBe(true);
    expect(await listEmails(to)).toEqual([]);
  });

  it('records nothing when the template data is invalid', async () => {
    const idempotencyKey = key();
    await expect(
      sendEmailOnce({
        em: forTenant(orm, firmId),
        mailer,
        organizationId: firmId,
        idempotencyKey,
        to: address(),
        template: { ...invoiceEmail, payUrl: 'javascript:alert(1)' },
      }),
    ).rejects.toThrow(/payUrl/);
    expect(await forSystem(orm, 'test assertions').count(EmailMessage, { idempotencyKey })).toBe(0);
  });
});
