import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../lib/errors';
import type { TActor } from '../audit/actor';
import { recordAuditEvent } from '../audit/record-audit-event';
import { PortalLink } from './portal-link.entity';
import { hashPortalToken } from './issue-portal-link';

export interface TPortalIdentity {
  organizationId: string;
  clientId: string;
  contactId: string;
}

const notValid = (reason: string) =>
  new AppError('not_found', 'This link is not valid. Ask your accountant to send a new one.', { reason });

const alreadyUsed = () =>
  new AppError(
    'expired',
    'This link was already used. Sign in to the portal, or ask your accountant for a new link.',
    { reason: 'link_used' },
  );

/** The link of a token if it can still be opened; fails as `redeemPortalLink` does. Spends nothing. */
async function usableLink(em: EntityManager, token: string, now: Date) {
  const link = await em.findOne(
    PortalLink,
    { tokenHash: hashPortalToken(token) },
    { populate: ['contact', 'organization'] },
  );
  if (!link || !link.contact.portalAccess) throw notValid('link_unknown');
  if (link.revokedAt) throw notValid('link_replaced');
  if (link.lastUsedAt) throw alreadyUsed();
  if (link.expiresAt.getTime() < now.getTime()) {
    throw new AppError('expired', 'This link has expired. Ask your accountant to send a new one.', {
      reason: 'link_expired',
    });
  }
  return link;
}

/**
 * Whether an emailed portal token can still be opened, and whose it is, without spending it: what a
 * GET of the link shows (mail scanners fetch links before the person does, so only the person's own
 * submit may spend it). Fails like `redeemPortalLink`.
 */
export async function checkPortalLink(
  em: EntityManager,
  token: string,
  now = new Date(),
): Promise<TPortalIdentity & { contactName: string; firmName: string }> {
  const link = await usableLink(em, token, now);
  return {
    organizationId: link.organization.id,
    clientId: link.contact.client.id,
    contactId: link.contact.id,
    contactName: link.contact.name,
    firmName: link.organization.name,
  };
}

/**
 * Checks an emailed portal token, spends it and returns who it belongs to. A link opens once:
 * an unknown or replaced link fails with `not_found` (reasons `link_unknown`, `link_replaced`), an
 * expired one with `expired` (`link_expired`) and one that was already opened with `expired`
 * (`link_used`). The first opening is recorded as `portal_link.redeemed`.
 *
 * The EntityManager may be a system one: before the link is read, the firm is not known.
 */
export async function redeemPortalLink(
  em: EntityManager,
  token: string,
  now = new Date(),
  from: Pick<TActor, 'ip' | 'userAgent'> = {},
): Promise<TPortalIdentity> {
  return em.transactional(async (tx) => {
    const link = await usableLink(tx, token, now);
    // Two tabs opening the same link at once: only one of them spends it.
    const spent = await tx.nativeUpdate(
      PortalLink,
      { id: link.id, lastUsedAt: null, revokedAt: null },
      { lastUsedAt: now },
    );
    if (spent !== 1) throw alreadyUsed();
    const identity = {
      organizationId: link.organization.id,
      clientId: link.contact.client.id,
      contactId: link.contact.id,
    };
    recordAuditEvent(tx, {
      organizationId: identity.organizationId,
      actor: { type: 'contact', id: identity.contactId, ...from },
      action: 'portal_link.redeemed',
      target: { type: 'contact', id: identity.contactId },
      details: { linkId: link.id, purpose: link.purpose },
    });
    return identity;
  });
}
