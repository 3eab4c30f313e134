import type { TActor } from '../../../db/audit/actor';
import { Contact } from '../../../db/clients/contact.entity';
import { sendEmailOnce } from '../../../db/email/send-email-once';
import { issuePortalLink } from '../../../db/portal/issue-portal-link';
import type { EntityManager } from '../../../db/types';
import { AppError } from '../../../lib/errors';
import { isEmailDeliveryError } from '../../../integrations/email/mailer';
import { webEnv } from '../env.server';
import { mailer } from '../services.server';

/**
 * Staff send a contact their portal invitation again: a new single-use link (the firm's lifetime,
 * 7 days by default) that replaces every earlier unused one, emailed once. Issuing the link is
 * audited as `portal_link.issued` with the staff member as actor.
 */
export async function sendPortalInvitation(
  em: EntityManager,
  actor: TActor,
  input: { organizationId: string; clientId: string; contactId: string },
): Promise<{ contactName: string; email: string; expiresAt: Date }> {
  const contact = await em.findOne(
    Contact,
    { id: input.contactId, client: input.clientId, organization: input.organizationId },
    { populate: ['organization'] },
  );
  if (!contact) throw new AppError('not_found', 'This contact could not be found.');
  if (!contact.portalAccess) {
    throw new AppError('conflict', `${contact.name} has no portal access, so no invitation can be sent.`, {
      reason: 'no_portal_access',
    });
  }
  const link = await issuePortalLink(em, {
    organizationId: input.organizationId,
    contactId: contact.id,
    purpose: 'portal-invitation',
    actor,
  });
  try {
    await sendEmailOnce({
      em,
      mailer: mailer(),
      organizationId: input.organizationId,
      idempotencyKey: `portal-invitation:${link.linkId}`,
      to: contact.email,
      template: {
        template: 'portal_invitation',
        firmName: contact.organization.name,
        contactName: contact.name,
        inviteUrl: `${webEnv().PUBLIC_URL}/portal/invite/${link.token}`,
        expiresAt: link.expiresAt,
      },
      relatedTo: { type: 'contact', id: contact.id },
    });
  } catch (error) {
    if (!isEmailDeliveryError(error)) throw error;
    throw new AppError(
      'unavailable',
      error.retryable
        ? 'The invitation could not be emailed just now. Please try again in a minute.'
        : `The mail server refused the invitation to ${contact.email}. Check the address.`,
      { logMessage: `portal invitation not sent: ${error.message}`, reason: 'email_not_sent' },
    );
  }
  return { contactName: contact.name, email: contact.email, expiresAt: link.expiresAt };
}
