import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../lib/errors';
import { checkPasswordPolicy } from '../../lib/password-policy';
import { hashPassword } from '../../lib/passwords';
import type { TActor } from '../audit/actor';
import { recordAuditEvent } from '../audit/record-audit-event';
import { Contact } from '../clients/contact.entity';
import { PortalCredential } from './portal-credential.entity';

/**
 * Sets (or changes) a portal contact's password and makes password their sign-in method. The password
 * must pass the platform's password rules (length, common and guessable passwords, the person's own
 * name, email and firm); a refused one changes nothing and says why (`weak_password`). Audited as
 * `portal.password_set`.
 */
export async function setPortalPassword(
  em: EntityManager,
  actor: TActor,
  input: { organizationId: string; contactId: string; password: string; now?: Date },
): Promise<void> {
  const now = input.now ?? new Date();
  const contact = await em.findOne(
    Contact,
    { id: input.contactId, organization: input.organizationId, portalAccess: true },
    { populate: ['organization'] },
  );
  if (!contact) throw new AppError('not_found', 'This account could not be found.');
  const check = checkPasswordPolicy(input.password, {
    email: contact.email,
    personName: contact.name,
    firmName: contact.organization.name,
  });
  if (!check.ok) throw new AppError('invalid_input', check.message, { reason: 'weak_password' });
  const passwordHash = await hashPassword(input.password);

  await em.transactional(async (tx) => {
    const existing = await tx.findOne(PortalCredential, {
      contact: contact.id,
      organization: input.organizationId,
    });
    const changed = Boolean(existing?.passwordSetAt);
    if (existing) {
      existing.signInMethod = 'password';
      existing.passwordHash = passwordHash;
      existing.passwordSetAt = now;
    } else {
      tx.create(PortalCredential, {
        organization: input.organizationId,
        contact: contact.id,
        signInMethod: 'password',
        passwordHash,
        passwordSetAt: now,
      });
    }
    recordAuditEvent(tx, {
      organizationId: input.organizationId,
      actor,
      action: 'portal.password_set',
      target: { type: 'contact', id: contact.id },
      details: { changed },
    });
  });
}
