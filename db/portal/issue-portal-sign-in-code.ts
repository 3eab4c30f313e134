import { randomInt } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { keyedHash } from '../../lib/crypto/field-encryption';
import { AppError } from '../../lib/errors';
import type { TActor } from '../audit/actor';
import { recordAuditEvent } from '../audit/record-audit-event';
import { Contact } from '../clients/contact.entity';
import { fieldKeyring } from '../shared/field-keyring';
import { PortalSignInCode } from './portal-sign-in-code.entity';

/** How long an emailed sign-in code works. */
export const portalSignInCodeLifetimeMinutes = 10;
/** Wrong guesses after which a code is spent. */
export const portalSignInCodeMaxAttempts = 5;

/** The stored form of a code: a keyed hash bound to the contact. */
export function hashPortalSignInCode(contactId: string, code: string): string {
  return keyedHash(`${contactId}:${code}`, fieldKeyring(), 'portal.sign_in_code');
}

/**
 * Makes a new six-digit sign-in code for a contact with portal access and returns it (to be emailed;
 * only its hash is stored). Older codes of the contact stop working. Audited as
 * `portal.sign_in_code_sent`.
 */
export async function issuePortalSignInCode(
  em: EntityManager,
  input: { organizationId: string; contactId: string; actor: TActor; now?: Date },
): Promise<{ code: string; expiresAt: Date; codeId: string }> {
  const now = input.now ?? new Date();
  return em.transactional(async (tx) => {
    const contact = await tx.findOne(Contact, { id: input.contactId, organization: input.organizationId });
    if (!contact?.portalAccess) throw new AppError('not_found', 'This contact could not be found.');
    const older = await tx.find(PortalSignInCode, {
      contact: contact.id,
      organization: input.organizationId,
      usedAt: null,
      voidedAt: null,
    });
    for (const code of older) code.voidedAt = now;
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    const expiresAt = new Date(now.getTime() + portalSignInCodeLifetimeMinutes * 60_000);
    const row = tx.create(PortalSignInCode, {
      organization: input.organizationId,
      contact: contact.id,
      codeHash: hashPortalSignInCode(contact.id, code),
      expiresAt,
      createdAt: now,
    });
    recordAuditEvent(tx, {
      organizationId: input.organizationId,
      actor: input.actor,
      action: 'portal.sign_in_code_sent',
      target: { type: 'contact', id: contact.id },
      details: { codeId: row.id },
    });
    return { code, expiresAt, codeId: row.id };
  });
}
