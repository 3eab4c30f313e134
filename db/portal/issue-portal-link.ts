import { createHash, randomBytes } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { PortalLink } from './portal-link.entity';

export const portalLinkLifetimeDays = 7;

export function hashPortalToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Creates a single-contact portal link and returns the raw token (only its hash is stored). */
export async function issuePortalLink(
  em: EntityManager,
  input: { organizationId: string; contactId: string; purpose: string; now?: Date },
): Promise<{ token: string; expiresAt: Date }> {
  const token = randomBytes(32).toString('base64url');
  const now = input.now ?? new Date();
  const expiresAt = new Date(now.getTime() + portalLinkLifetimeDays * 86_400_000);
  em.create(PortalLink, {
    organization: input.organizationId,
    contact: input.contactId,
    tokenHash: hashPortalToken(token),
    purpose: input.purpose,
    expiresAt,
  });
  await em.flush();
  return { token, expiresAt };
}
