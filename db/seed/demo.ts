import type { EntityManager } from '@mikro-orm/postgresql';
import { hashPassword } from '../../lib/passwords';
import { Organization, defaultOrganizationSettings } from '../organizations/organization.entity';
import { User } from '../users/user.entity';
import { Membership, type TStaffRole } from '../users/membership.entity';
import { Client } from '../clients/client.entity';
import { Contact } from '../clients/contact.entity';
import { PortalLink } from '../portal/portal-link.entity';
import { hashPortalToken } from '../portal/issue-portal-link';
import { demoFirm, demoLogins, demoPortalToken, demoStaffPassword } from './demo-logins';

const staff: { role: TStaffRole; name: string }[] = [
  { role: 'owner', name: 'Olivia Owner' },
  { role: 'admin', name: 'Adam Admin' },
  { role: 'manager', name: 'Maya Manager' },
  { role: 'preparer', name: 'Pete Preparer' },
  { role: 'reviewer', name: 'Rita Reviewer' },
];

/**
 * Seeds the demo firm with one login per staff role and a demo client with a portal link.
 * Idempotent: does nothing when the firm exists. Refuses to run in production.
 */
export async function seedDemoFirm(em: EntityManager): Promise<{ created: boolean; firmName: string }> {
  if (process.env.NODE_ENV === 'production') {
    throw new Error('The demo seed never runs in production.');
  }
  return em.transactional(async (tx) => {
    if (await tx.findOne(Organization, { slug: demoFirm.slug }))
      return { created: false, firmName: demoFirm.name };

    const firm = tx.create(Organization, {
      name: demoFirm.name,
      slug: demoFirm.slug,
      plan: 'standard',
      settings: defaultOrganizationSettings,
    });
    const passwordHash = await hashPassword(demoStaffPassword);
    for (const member of staff) {
      const login = demoLogins.find((l) => l.role === member.role);
      if (!login) continue;
      const user = tx.create(User, { email: login.email, name: member.name, passwordHash });
      tx.create(Membership, { organization: firm, user, role: member.role });
    }

    const client = tx.create(Client, {
      organization: firm,
      kind: 'individual',
      displayName: 'Ava Thompson',
      status: 'active',
    });
    const contact = tx.create(Contact, {
      organization: firm,
      client,
      name: 'Ava Thompson',
      email: 'ava.client@example.test',
      portalAccess: true,
    });
    tx.create(PortalLink, {
      organization: firm,
      contact,
      tokenHash: hashPortalToken(demoPortalToken),
      purpose: 'demo',
      expiresAt: new Date(Date.UTC(2099, 0, 1)),
    });
    return { created: true, firmName: demoFirm.name };
  });
}
