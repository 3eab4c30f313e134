import { createHash, randomBytes } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../lib/errors';
import { systemActor, type TActor } from '../audit/actor';
import { recordAuditEvent } from '../audit/record-audit-event';
import { Contact } from '../clients/contact.entity';
import { Organization, type TOrganizationSettings } from '../organizations/organization.entity';
import { PortalLink } from './portal-link.entity';

/** How long a portal link works when the firm has not chosen (firm setting `portalInvitationExpiryDays`). */
export const defaultPortalLinkLifetimeDays = 7;
export const minPortalLinkLifetimeDays = 1;
export const maxPortalLinkLifetimeDays = 30;

/** The firm's portal link lifetime in days, within 1-30; 7 when not set. */
export function portalLinkLifetimeDays(
  settings: Pick<TOrganizationSettings, 'portalInvitationExpiryDays'>,
): number {
  const days = settings.portalInvitationExpiryDays;
  if (typeof days !== 'number' || !Number.isInteger(days)) return defaultPortalLinkLifetimeDays;
  return Math.min(maxPortalLinkLifetimeDays, Math.max(minPortalLinkLifetimeDays, days));
}

export function hashPortalToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export interface TIssuePortalLinkInput {
  organizationId: string;
  contactId: string;
  /** Why it is sent, e.g. `onboarding-invitation`, `portal-invitation` (a re-send by staff). */
  purpose: string;
  /** Who sends it; the system (a workflow) unless a staff member re-sends it. */
  actor?: TActor;
  now?: Date;
}

/**
 * Creates a single-use portal link for one contact and returns the raw token (only its hash is
 * stored). It works for the firm's link lifetime (default 7 days). Every older link of the contact
 * that was not used yet is revoked, so only the newest email opens the portal. Audited as
 * `portal_link.issued`.
 */
export async function issuePortalLink(
  em: EntityManager,
  input: TIssuePortalLinkInput,
): Promise<{ token: string; expiresAt: Date; linkId: string }> {
  const now = input.now ?? new Date();
  const actor = input.actor ?? systemActor;
  return em.transactional(async (tx) => {
    const contact = await tx.findOne(Contact, { id: input.contactId, organization: input.organizationId });
    if (!contact) throw new AppError('not_found', 'This contact could not be found.');
    if (!contact.portalAccess) {
      throw new AppError('conflict', 'This contact has no portal access.', { reason: 'no_portal_access' });
    }
    const organization = await tx.findOneOrFail(Organization, { id: input.organizationId });
    const days = portalLinkLifetimeDays(organization.settings);
    const expiresAt = new Date(now.getTime() + days * 86_400_000);

    const older = await tx.find(PortalLink, {
      contact: contact.id,
      organization: input.organizationId,
      lastUsedAt: null,
      revokedAt: null,
    });
    for (const link of older) link.revokedAt = now;

    const token = randomBytes(32).toString('base64url');
    const link = tx.create(PortalLink, {
      organization: input.organizationId,
      contact: contact.id,
      tokenHash: hashPortalToken(token),
      purpose: input.purpose,
      expiresAt,
      createdAt: now,
      issuedBy: actor.type === 'user' ? (actor.id ?? null) : null,
    });
    recordAuditEvent(tx, {
      organizationId: input.organizationId,
      actor,
      action: 'portal_link.issued',
      target: { type: 'contact', id: contact.id },
      details: {
        linkId: link.id,
        purpose: input.purpose,
        expiresAt: expiresAt.toISOString(),
        revokedLinks: older.length,
      },
    });
    return { token, expiresAt, linkId: link.id };
  });
}
