import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../lib/errors';
import { PortalLink } from './portal-link.entity';
import { hashPortalToken } from './issue-portal-link';

export interface TPortalIdentity {
  organizationId: string;
  clientId: string;
  contactId: string;
}

/** Checks an emailed portal token and returns who it belongs to. Expired or unknown tokens fail. */
export async function redeemPortalLink(
  em: EntityManager,
  token: string,
  now = new Date(),
): Promise<TPortalIdentity> {
  return em.transactional(async (tx) => {
    const link = await tx.findOne(
      PortalLink,
      { tokenHash: hashPortalToken(token) },
      { populate: ['contact'] },
    );
    if (!link || !link.contact.portalAccess) {
      throw new AppError('not_found', 'This link is not valid. Ask your accountant to send a new one.');
    }
    if (link.expiresAt.getTime() < now.getTime()) {
      throw new AppError('expired', 'This link has expired. Ask your accountant to send a new one.');
    }
    link.lastUsedAt = now;
    return {
      organizationId: link.organization.id,
      clientId: link.contact.client.id,
      contactId: link.contact.id,
    };
  });
}
