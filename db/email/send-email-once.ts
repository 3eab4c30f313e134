import { createHash } from 'node:crypto';
import { raw, UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../lib/errors';
import { EmailDeliveryError, isEmailDeliveryError, type Mailer } from '../../integrations/email/mailer';
import { renderEmail, type TEmailTemplate } from '../../integrations/email/templates';
import { Organization } from '../organizations/organization.entity';
import { EmailMessage, type IEmailMessage } from './email-message.entity';

export interface TSendEmailOnceInput {
  em: EntityManager;
  mailer: Mailer;
  organizationId: string;
  /**
   * What makes this email one business email, e.g. `onboarding:<clientId>:invitation`. Unique across
   * the platform: include the IDs that make it so.
   */
  idempotencyKey: string;
  to: string;
  template: TEmailTemplate;
  /** What the email is about, for listing a thing's emails (e.g. `{ type: 'engagement', id }`). */
  relatedTo?: { type: string; id: string };
}

export interface TSendEmailOnceResult {
  /** `already_sent`: an earlier call (or a concurrent one) sent it; nothing was sent now. */
  status: 'sent' | 'already_sent';
  /** The Message-ID the mail server accepted (stable per idempotency key). */
  messageId: string;
}

/**
 * How long one attempt may hold the email before another may take over. Longer than the mailer's
 * timeouts together (integrations/email/mailer.ts), so an attempt that is still talking to the
 * server is never doubled; an attempt whose process died is taken over after it.
 */
export const emailClaimSeconds = 90;
/** How long a concurrent call waits for the attempt that holds the email before giving up (retryable). */
const waitForOtherAttemptMs = 20_000;

/**
 * Sends one business email at most once per idempotency key, using the sent-log (`email_message`).
 *
 * 1. Claim: the row is created once (unique key); an attempt then takes a time-limited claim on it, so
 *    two concurrent calls never both send. A call that finds the email sent returns `already_sent`; one
 *    that finds another attempt sending waits for its outcome.
 * 2. Render and send with a Message-ID derived from the key (a resend is recognisable downstream).
 * 3. Mark sent. On failure the row keeps the error and time: a retryable failure leaves it `pending`
 *    for the next attempt; a permanent one (the server refused the recipient or message) marks it
 *    `failed`, and later calls fail the same way without sending.
 *
 * Throws EmailDeliveryError (`retryable` says whether a retry can help) when the email was not sent.
 * Rendering errors (bad template data) throw before anything is recorded. Call it outside a database
 * transaction: the sent-log's updates must commit whatever the caller's transaction does.
 */
export async function sendEmailOnce(input: TSendEmailOnceInput): Promise<TSendEmailOnceResult> {
  const { mailer, organizationId, idempotencyKey } = input;
  const em = input.em.fork();
  const to = input.to.trim();
  if (!idempotencyKey.trim() || idempotencyKey.length > 300) {
    throw new TypeError('sendEmailOnce needs an idempotency key of 1 to 300 characters');
  }
  const template = await withFirmTimeZone(em, organizationId, input.template);
  const email = renderEmail(template);
  const messageId = messageIdFor(idempotencyKey);

  const row = await findOrCreate(em, {
    ...input,
    to,
    subject: email.subject,
    templateName: template.template,
  });
  const waitUntil = Date.now() + waitForOtherAttemptMs;
  for (;;) {
    const claimed = await claim(em, row.id, { toAddress: to, subject: email.subject.slice(0, 300) });
    if (claimed) break;
    const current = await em.findOneOrFail(EmailMessage, { id: row.id }, { refresh: true });
    if (current.status === 'sent' || current.status === 'bounced') {
      return { status: 'already_sent', messageId: current.providerMessageId ?? messageId };
    }
    if (current.status === 'failed') {
      throw new EmailDeliveryError(current.lastError ?? 'the mail server refused this email', {
        retryable: false,
      });
    }
    if (Date.now() > waitUntil) {
      throw new EmailDeliveryError('another attempt is sending this email; try again shortly', {
        retryable: true,
      });
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }

  try {
    const result = await mailer.send({
      to,
      subject: email.subject,
      text: email.text,
      html: email.html,
      messageId,
      headers: { 'X-CPA-Idempotency-Key': keyHash(idempotencyKey) },
    });
    await em.nativeUpdate(
      EmailMessage,
      { id: row.id },
      {
        status: 'sent',
        providerMessageId: result.messageId || messageId,
        sentAt: new Date(),
        claimedUntil: null,
        lastError: null,
        failedAt: null,
      },
    );
    return { status: 'sent', messageId: result.messageId || messageId };
  } catch (error) {
    const failure = isEmailDeliveryError(error)
      ? error
      : new EmailDeliveryError(error instanceof Error ? error.message : String(error), {
          retryable: true,
          cause: error,
        });
    await em.nativeUpdate(
      EmailMessage,
      { id: row.id },
      {
        status: failure.retryable ? 'pending' : 'failed',
        lastError: failure.reason.slice(0, 500),
        failedAt: new Date(),
        claimedUntil: null,
      },
    );
    throw failure;
  }
}

/** The Message-ID of the email with this key: the same on every attempt. */
export function messageIdFor(idempotencyKey: string): string {
  return `<${keyHash(idempotencyKey)}@cpa-platform.local>`;
}

function keyHash(idempotencyKey: string): string {
  return createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 32);
}

/** Dates in emails read in the firm's time zone unless the caller chose one. */
async function withFirmTimeZone(
  em: EntityManager,
  organizationId: string,
  template: TEmailTemplate,
): Promise<TEmailTemplate> {
  if (template.timeZone) return template;
  const firm = await em.findOne(Organization, { id: organizationId }, { fields: ['settings'] });
  if (!firm) throw new AppError('not_found', 'The firm could not be found.');
  return { ...template, timeZone: firm.settings.timeZone };
}

async function findOrCreate(
  em: EntityManager,
  input: TSendEmailOnceInput & { to: string; subject: string; templateName: string },
): Promise<IEmailMessage> {
  const existing = await em.findOne(EmailMessage, { idempotencyKey: input.idempotencyKey });
  if (existing) return existing;
  const fresh = em.fork();
  try {
    const created = fresh.create(EmailMessage, {
      organization: input.organizationId,
      idempotencyKey: input.idempotencyKey,
      template: input.templateName,
      toAddress: input.to,
      subject: input.subject.slice(0, 300),
      status: 'pending',
      attempts: 0,
      relatedType: input.relatedTo?.type ?? null,
      relatedId: input.relatedTo?.id ?? null,
    });
    await fresh.flush();
    return created;
  } catch (error) {
    if (!(error instanceof UniqueConstraintViolationException)) throw error;
    // A concurrent call created it first; or the key belongs to another firm's email (then it stays hidden).
    const winner = await em.findOne(EmailMessage, { idempotencyKey: input.idempotencyKey });
    if (winner) return winner;
    throw new AppError('conflict', 'This email could not be sent.', {
      reason: 'idempotency_key_in_use',
      logMessage: 'sendEmailOnce: the idempotency key is already used by another firm’s email',
    });
  }
}

/**
 * Takes the claim on a pending email that nobody holds (or whose holder ran out of time), recording
 * the address and subject this attempt sends with (a retry may follow a corrected address).
 */
async function claim(
  em: EntityManager,
  id: string,
  attempt: { toAddress: string; subject: string },
): Promise<boolean> {
  const now = new Date();
  const affected = await em.nativeUpdate(
    EmailMessage,
    { id, status: 'pending', $or: [{ claimedUntil: null }, { claimedUntil: { $lt: now } }] },
    {
      ...attempt,
      claimedUntil: new Date(now.getTime() + emailClaimSeconds * 1000),
      attempts: raw('attempts + 1'),
    },
  );
  return affected === 1;
}
