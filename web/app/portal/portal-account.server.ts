import { PortalCredential } from '../../../db/portal/portal-credential.entity';
import type { EntityManager } from '../../../db/types';
import type { TDateFormat } from '../ui/dates.server';
import type { TPortalUser } from './portal-session.server';

/** What the portal account page shows about how the contact signs in. */
export async function portalAccountView(
  em: EntityManager,
  input: { portal: TPortalUser; format: TDateFormat },
) {
  const credential = await em.findOne(PortalCredential, {
    contact: input.portal.contactId,
    organization: input.portal.organizationId,
  });
  return {
    email: input.portal.contactEmail,
    signInMethod: credential?.signInMethod ?? null,
    passwordSet: credential?.passwordSetAt ? input.format.date(credential.passwordSetAt) : null,
    totpSince: credential?.totpConfirmedAt ? input.format.date(credential.totpConfirmedAt) : null,
  };
}
