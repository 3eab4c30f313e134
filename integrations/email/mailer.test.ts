/**
 * The SMTP mailer against the test stack's mail capture: delivery, and how refusals and unreachable
 * servers are classified (the capture refuses bounce.test with 550 and defer.test with 451).
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { waitForEmails } from '../../tests/support/mailbox';
import { classifySmtpError, EmailDeliveryError } from './delivery-error';
import { createSmtpMailer } from './mailer';

const mailer = createSmtpMailer({
  smtpUrl: process.env.SMTP_URL!,
  from: 'Mailer Test <no-reply@cpa-platform.local>',
});
afterAll(() => mailer.close());

const email = (to: string) => ({ to, subject: 'Hello', text: 'Hello there', html: '<p>Hello there</p>' });

async function failure(promise: Promise<unknown>): Promise<EmailDeliveryError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(EmailDeliveryError);
  return error as EmailDeliveryError;
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

let consoleError: MockInstance<typeof console.error>;
beforeEach(() => {
  consoleError = vi.spyOn(console, 'error');
});
afterEach(() => {
  expect(consoleError, 'no unexpected console.error').not.toHaveBeenCalled();
  consoleError.mockRestore();
});

describe('the SMTP mailer', () => {
  it('delivers an email with the Message-ID it was given', async () => {
    const to = `ava-${randomUUID().slice(0, 8)}@example.test`;
    const messageId = `<${randomUUID()}@cpa-platform.local>`;
    const result = await mailer.send({ ...email(to), messageId });
    expect(result.messageId).toBe(messageId);
    const [received] = await waitForEmails(to, 1);
    expect(received?.subject).toBe('Hello');
    expect(received?.headers['message-id']).toBe(messageId);
  });

  it('reports a recipient the server refuses with 5xx as permanent', async () => {
    const error = await failure(mailer.send(email(`nobody-${randomUUID().slice(0, 8)}@bounce.test`)));
    expect(error.retryable).toBe(false);
    expect(error.smtpCode).toBe(550);
    expect(error.reason).toMatch(/^the recipient was refused: 550 5\.1\.1 Mailbox does not exist/);
  });

  it('reports a temporary 4xx refusal as retryable', async () => {
    const error = await failure(mailer.send(email(`busy-${randomUUID().slice(0, 8)}@defer.test`)));
    expect(error.retryable).toBe(true);
    expect(error.smtpCode).toBe(451);
    expect(error.reason).toMatch(/temporarily refused RCPT TO: 451/);
  });

  it('reports an unreachable mail server as retryable', async () => {
    const down = createSmtpMailer({
      smtpUrl: `smtp://127.0.0.1:${await closedPort()}`,
      from: 'x@example.test',
    });
    try {
      const error = await failure(down.send(email('someone@example.test')));
      expect(error.retryable).toBe(true);
      expect(error.smtpCode).toBeUndefined();
      expect(error.reason).toMatch(/^the mail server could not be reached \(.*ECONNREFUSED/);
    } finally {
      down.close();
    }
  });

  it('reports an address that cannot receive email as permanent without asking the server', async () => {
    const error = await failure(mailer.send(email('')));
    expect(error.retryable).toBe(false);
  });
});

describe('SMTP error classification', () => {
  const smtpError = (fields: Record<string, unknown>) => Object.assign(new Error('smtp'), fields);

  it('treats a refused sender or failed sign-in as retryable: our configuration, fixable by an operator', () => {
    expect(
      classifySmtpError(smtpError({ code: 'EENVELOPE', responseCode: 553, command: 'MAIL FROM' })).retryable,
    ).toBe(true);
    expect(
      classifySmtpError(smtpError({ code: 'EAUTH', responseCode: 535, command: 'AUTH PLAIN' })).retryable,
    ).toBe(true);
  });

  it('treats a message refused after DATA with 5xx as permanent', () => {
    const error = classifySmtpError(
      smtpError({
        code: 'EMESSAGE',
        responseCode: 554,
        command: 'DATA',
        response: '554 5.7.1 Rejected as spam',
      }),
    );
    expect(error.retryable).toBe(false);
    expect(error.reason).toBe('the message was refused: 554 5.7.1 Rejected as spam');
  });

  it('treats timeouts as retryable', () => {
    const error = classifySmtpError(smtpError({ code: 'ETIMEDOUT', command: 'CONN' }));
    expect(error.retryable).toBe(true);
    expect(error.reason).toMatch(/did not answer in time/);
  });
});
