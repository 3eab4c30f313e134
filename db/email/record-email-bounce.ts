import type { EntityManager } from '@mikro-orm/postgresql';
import { systemActor } from '../audit/actor';
import { recordAuditEvent } from '../audit/record-audit-event';
import { EmailMessage } from './email-message.entity';

/**
 * Records that an email the mail server had accepted was later reported undeliverable (a bounce,
 * e.g. from a delivery status notification or the provider's webhook), matched by the Message-ID the
 * platform sent it with. Bounces arrive without a firm, so `em` is usually `forSystem(orm, ...)`.
 * Returns whether an email matched; recording the same bounce twice changes nothing.
 */
export async function recordEmailBounce(
  em: EntityManager,
  input: { providerMessageId: string; reason: string; bouncedAt?: Date },
): Promise<{ recorded: boolean; emailId: string | null }> {
  const providerMessageId = normalizeMessageId(input.providerMessageId);
  if (!providerMessageId) return { recorded: false, emailId: null };
  return em.transactional(async (tx) => {
    const message = await tx.findOne(EmailMessage, {
      providerMessageId: { $in: [providerMessageId, `<${providerMessageId}>`] },
    });
    if (!message) return { recorded: false, emailId: null };
    if (message.status === 'bounced') return { recorded: true, emailId: message.id };
    message.status = 'bounced';
    message.lastError = oneLine(input.reason).slice(0, 500) || 'the email bounced';
    message.failedAt = input.bouncedAt ?? new Date();
    recordAuditEvent(tx, {
      organizationId: message.organization.id,
      actor: systemActor,
      action: 'email.bounced',
      target: { type: 'email_message', id: message.id },
      details: { template: message.template },
    });
    return { recorded: true, emailId: message.id };
  });
}

/** `<abc@host>` and `abc@host` name the same message. */
function normalizeMessageId(value: string): string {
  return value.trim().replace(/^<|>$/g, '');
}

function oneLine(value: string): string {
  return value.replace(/\s+/g, ' ').trim();
}
