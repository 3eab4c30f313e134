import { timingSafeEqual } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { PortalSignInCode } from './portal-sign-in-code.entity';
import { hashPortalSignInCode, portalSignInCodeMaxAttempts } from './issue-portal-sign-in-code';

export type TCodeCheck = 'ok' | 'wrong' | 'expired' | 'none';

function sameHash(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * Checks a code typed by a contact against their newest live code and spends it when it matches:
 * `ok` once, then never again. `wrong` counts a failed guess (the code is voided after five),
 * `expired` means the newest code ran out of time, `none` that there is no live code to check.
 * The caller records the sign-in (or failure) in the audit trail.
 */
export async function verifyPortalSignInCode(
  em: EntityManager,
  input: { organizationId: string; contactId: string; code: string; now?: Date },
): Promise<TCodeCheck> {
  const now = input.now ?? new Date();
  return em.transactional(async (tx) => {
    const current = await tx.findOne(
      PortalSignInCode,
      { contact: input.contactId, organization: input.organizationId, usedAt: null, voidedAt: null },
      { orderBy: { createdAt: 'desc' } },
    );
    if (!current) return 'none';
    if (current.expiresAt.getTime() <= now.getTime()) return 'expired';
    const typed = input.code.replace(/\s+/g, '');
    if (!/^\d{6}$/.test(typed) || !sameHash(current.codeHash, hashPortalSignInCode(input.contactId, typed))) {
      current.failedAttempts += 1;
      if (current.failedAttempts >= portalSignInCodeMaxAttempts) current.voidedAt = now;
      return 'wrong';
    }
    // Spend it with a condition, so two requests with the same code cannot both sign in.
    const spent = await tx.nativeUpdate(
      PortalSignInCode,
      { id: current.id, usedAt: null, voidedAt: null },
      { usedAt: now },
    );
    return spent === 1 ? 'ok' : 'none';
  });
}

/**
 * Whose live code is the newest among these contacts (the accounts of one email address): the code
 * someone types is checked against that one. The EntityManager may be a system one.
 */
export async function newestLiveCodeOwner(
  em: EntityManager,
  contactIds: readonly string[],
  now = new Date(),
): Promise<{ contactId: string; organizationId: string } | null> {
  if (contactIds.length === 0) return null;
  const newest = await em.findOne(
    PortalSignInCode,
    { contact: { $in: [...contactIds] }, usedAt: null, voidedAt: null, createdAt: { $lte: now } },
    { orderBy: { createdAt: 'desc', id: 'desc' } },
  );
  return newest ? { contactId: newest.contact.id, organizationId: newest.organization.id } : null;
}
