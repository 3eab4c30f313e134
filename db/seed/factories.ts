import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { hashPassword } from '../../lib/passwords';
import {
  Organization,
  defaultOrganizationSettings,
  type IOrganization,
  type TOrganizationSettings,
} from '../organizations/organization.entity';
import { User, type IUser } from '../users/user.entity';
import { Membership, type TStaffRole } from '../users/membership.entity';

/**
 * Factories with a default for every field, shared by tests and seeds. Each call makes unique rows.
 */
export async function createFirm(
  em: EntityManager,
  overrides: { name?: string; slug?: string; settings?: Partial<TOrganizationSettings> } = {},
): Promise<IOrganization> {
  const suffix = randomUUID().slice(0, 8);
  const firm = em.create(Organization, {
    name: overrides.name ?? `Test Firm ${suffix}`,
    slug: overrides.slug ?? `test-firm-${suffix}`,
    plan: 'standard',
    settings: { ...defaultOrganizationSettings, ...overrides.settings },
  });
  await em.flush();
  return firm;
}

export async function createStaffMember(
  em: EntityManager,
  firm: IOrganization,
  overrides: { role?: TStaffRole; name?: string; email?: string; password?: string } = {},
): Promise<IUser> {
  const suffix = randomUUID().slice(0, 8);
  const user = em.create(User, {
    email: (overrides.email ?? `staff-${suffix}@example.test`).toLowerCase(),
    name: overrides.name ?? `Staff ${suffix}`,
    passwordHash: await hashPassword(overrides.password ?? `password-${suffix}`),
  });
  em.create(Membership, { organization: firm, user, role: overrides.role ?? 'preparer' });
  await em.flush();
  return user;
}
