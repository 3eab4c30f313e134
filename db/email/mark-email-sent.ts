import type { EntityManager } from '@mikro-orm/postgresql';
import { EmailMessage } from './email-message.entity';

/** Records that the mail server accepted the email. */
export async function markEmailSent(
  em: EntityManager,
  input: { emailId: string; providerMessageId: string },
): Promise<void> {
  await em.transactional(async (tx) => {
    const message = await tx.findOneOrFail(EmailMessage, { id: input.emailId });
    message.status = 'sent';
    message.providerMessageId = input.providerMessageId;
    message.sentAt = new Date();
  });
}
