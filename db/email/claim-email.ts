import type { EntityManager } from '@mikro-orm/postgresql';
import { EmailMessage, type IEmailMessage } from './email-message.entity';

export interface TClaimEmailInput {
  organizationId: string;
  idempotencyKey: string;
  template: string;
  toAddress: string;
  subject: string;
}

/**
 * Records the intent to send one business email (the sent-log). Returns the row and whether it
 * was already sent; a caller sends only when `alreadySent` is false and then calls markEmailSent.
 */
export async function claimEmail(
  em: EntityManager,
  input: TClaimEmailInput,
): Promise<{ message: IEmailMessage; alreadySent: boolean }> {
  return em.transactional(async (tx) => {
    const existing = await tx.findOne(EmailMessage, { idempotencyKey: input.idempotencyKey });
    if (existing?.status === 'sent') return { message: existing, alreadySent: true };
    const message =
      existing ??
      tx.create(EmailMessage, {
        organization: input.organizationId,
        idempotencyKey: input.idempotencyKey,
        template: input.template,
        toAddress: input.toAddress,
        subject: input.subject,
        status: 'pending',
        attempts: 0,
      });
    message.attempts += 1;
    return { message, alreadySent: false };
  });
}
