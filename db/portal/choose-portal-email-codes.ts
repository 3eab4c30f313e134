import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../lib/errors';
import type { TActor } from '../audit/actor';
import { recordAuditEvent } from '../audit/record-audit-event';
import { Contact } from '../clients/contact.entity';
import { PortalCredential } from './portal-credential.entity';

/**
 * A portal contact chooses to sign in with a code emailed each time instead of a password. A password
 * set earlier is removed, so it no longer opens the portal. Audited as `portal.sign_in_method_chosen`.
 */
export async function choosePortalEmailCodes(
  em: EntityManager,
  actor: TActor,
  input: { organizationId: string; contactId: string },
): Promise<void> {
  await em.transactional(async (tx) => {
    const contact = await tx.findOne(Contact, {
      id: input.contactId,
      organization: input.organizationId,
      portalAccess: true,
    });
    if (!contact) throw new AppError('not_found', 'This account could not be found.');
    const existing = await tx.findOne(PortalCredential, {
      contact: contact.id,
      organization: input.organizationId,
    });
    const hadPassword = Boolean(existing?.passwordSetAt);
    if (existing) {
      existing.signInMethod = 'email_code';
      existing.passwordHash = null;
      existing.passwordSetAt = null;
    } else {
      tx.create(PortalCredential, {
        organization: input.organizationId,
        contact: contact.id,
        signInMethod: 'email_code',
      });
    }
    recordAuditEvent(tx, {
      organizationId: input.organizationId,
      actor,
      action: 'portal.sign_in_method_chosen',
      target: { type: 'contact', id: contact.id },
      details: { method: 'email_code', passwordRemoved: hadPassword },
    });
  });
}
