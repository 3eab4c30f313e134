import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../lib/errors';
import type { TActor } from '../audit/actor';
import { recordAuditEvent } from '../audit/record-audit-event';
import { maxPortalLinkLifetimeDays, minPortalLinkLifetimeDays } from '../portal/issue-portal-link';
import { Organization } from './organization.entity';

export interface TAccessSettings {
  /** Whether preparers see every engagement of the firm, not only those assigned to them. */
  preparersSeeAllEngagements: boolean;
  /** How many days an emailed portal invitation link works. */
  portalInvitationExpiryDays: number;
}

/**
 * Changes who sees what: preparer visibility and the portal invitation lifetime. Audited as
 * `organization.settings_changed` with the old and new values.
 */
export async function updateAccessSettings(
  em: EntityManager,
  actor: TActor,
  input: { organizationId: string; settings: TAccessSettings },
): Promise<void> {
  const days = input.settings.portalInvitationExpiryDays;
  if (!Number.isInteger(days) || days < minPortalLinkLifetimeDays || days > maxPortalLinkLifetimeDays) {
    throw new AppError(
      'invalid_input',
      `Choose between ${minPortalLinkLifetimeDays} and ${maxPortalLinkLifetimeDays} days.`,
      { reason: 'invalid_link_lifetime' },
    );
  }
  await em.transactional(async (tx) => {
    const organization = await tx.findOneOrFail(Organization, { id: input.organizationId });
    const before = {
      preparersSeeAllEngagements: organization.settings.preparersSeeAllEngagements === true,
      portalInvitationExpiryDays: organization.settings.portalInvitationExpiryDays ?? 7,
    };
    organization.settings = { ...organization.settings, ...input.settings };
    recordAuditEvent(tx, {
      organizationId: input.organizationId,
      actor,
      action: 'organization.settings_changed',
      target: { type: 'organization', id: input.organizationId },
      details: { before, after: input.settings },
    });
  });
}
