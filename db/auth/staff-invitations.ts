import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../lib/errors';
import { checkPasswordPolicy } from '../../lib/password-policy';
import { hashPassword } from '../../lib/passwords';
import type { TActor } from '../audit/actor';
import { recordAuditEvent } from '../audit/record-audit-event';
import { Organization } from '../organizations/organization.entity';
import { tenantIdOf } from '../tenancy/tenant-context';
import { Membership, type TStaffRole } from '../users/membership.entity';
import { User } from '../users/user.entity';
import { hashToken, newSessionToken } from './session-token';
import { StaffInvitation, type IStaffInvitation } from './staff-invitation.entity';

export const staffInvitationDays = 7;

/** Only an owner may make someone an owner. */
export function assertMayGrantRole(actorRole: TStaffRole, role: TStaffRole): void {
  if (role === 'owner' && actorRole !== 'owner') {
    throw new AppError('invalid_input', 'Only an owner can make someone an owner.', {
      reason: 'owner_role_needs_owner',
    });
  }
}

/**
 * Invites someone to the firm's staff with a role, and returns the link's token (only its SHA-256 is
 * stored). Inviting an address again replaces the earlier invitation (its link stops working): that
 * is how staff re-send one. Refused when the address already belongs to a member or to another firm's
 * user. Writes `staff.invited`. The EntityManager is the firm's (forTenant).
 */
export async function inviteStaffMember(
  em: EntityManager,
  actor: TActor,
  input: { email: string; role: TStaffRole; actorRole: TStaffRole; now?: Date },
): Promise<{ invitation: IStaffInvitation; token: string }> {
  const organizationId = tenantIdOf(em);
  const email = input.email.trim().toLowerCase();
  const now = input.now ?? new Date();
  assertMayGrantRole(input.actorRole, input.role);
  const existingUser = await em.findOne(User, { email });
  if (existingUser) {
    const member = await em.findOne(Membership, { user: existingUser.id, organization: organizationId });
    throw new AppError(
      'conflict',
      member
        ? 'This person is already a member of the firm.'
        : 'This email address already has an account with another firm. Working for several firms is not supported yet.',
      { reason: member ? 'already_member' : 'email_in_use' },
    );
  }
  const token = newSessionToken();
  return em.transactional(async (tx) => {
    await tx.nativeUpdate(
      StaffInvitation,
      { organization: organizationId, email, acceptedAt: null, revokedAt: null },
      { revokedAt: now },
    );
    const invitation = tx.create(StaffInvitation, {
      organization: organizationId,
      email,
      role: input.role,
      invitedBy: actor.type === 'user' ? (actor.id ?? null) : null,
      tokenHash: hashToken(token),
      createdAt: now,
      expiresAt: new Date(now.getTime() + staffInvitationDays * 86_400_000),
      acceptedAt: null,
      acceptedUser: null,
      revokedAt: null,
    });
    await tx.flush();
    recordAuditEvent(tx, {
      organizationId,
      actor,
      action: 'staff.invited',
      target: { type: 'staff_invitation', id: invitation.id },
      details: { role: input.role },
    });
    return { invitation, token };
  });
}

/** Withdraws a pending invitation: its link stops working. Writes `staff.invitation_revoked`. */
export async function revokeStaffInvitation(
  em: EntityManager,
  actor: TActor,
  input: { invitationId: string; now?: Date },
): Promise<void> {
  const organizationId = tenantIdOf(em);
  await em.transactional(async (tx) => {
    const changed = await tx.nativeUpdate(
      StaffInvitation,
      { id: input.invitationId, organization: organizationId, acceptedAt: null, revokedAt: null },
      { revokedAt: input.now ?? new Date() },
    );
    if (changed !== 1) throw new AppError('not_found', 'This invitation could not be found.');
    recordAuditEvent(tx, {
      organizationId,
      actor,
      action: 'staff.invitation_revoked',
      target: { type: 'staff_invitation', id: input.invitationId },
    });
  });
}

const invalidInvitation = () =>
  new AppError(
    'not_found',
    'This invitation link is not valid. Ask the person who invited you for a new one.',
    {
      reason: 'unknown_token',
    },
  );

/**
 * The invitation a link carries, while it can still be accepted; else why not (AppError). Looked up
 * before the firm is known: the EntityManager must see every firm (forSystem).
 */
export async function findUsableStaffInvitation(
  em: EntityManager,
  input: { token: string; now?: Date },
): Promise<IStaffInvitation> {
  const now = input.now ?? new Date();
  const invitation = await em.findOne(
    StaffInvitation,
    { tokenHash: hashToken(input.token) },
    { populate: ['organization', 'invitedBy'] },
  );
  if (!invitation || invitation.revokedAt) throw invalidInvitation();
  if (invitation.acceptedAt) {
    throw new AppError(
      'expired',
      'This invitation has already been accepted. Sign in with your email and password.',
      {
        reason: 'invitation_used',
      },
    );
  }
  if (invitation.expiresAt <= now) {
    throw new AppError(
      'expired',
      'This invitation has expired. Ask the person who invited you to send a new one.',
      {
        reason: 'invitation_expired',
      },
    );
  }
  return invitation;
}

/**
 * Accepts an invitation: creates the person's account (name, password checked against the policy)
 * and their membership with the invited role, and uses the link up. Writes `staff.invitation_accepted`.
 * The EntityManager must see every firm (forSystem): the firm comes from the invitation.
 */
export async function acceptStaffInvitation(
  em: EntityManager,
  actor: TActor,
  input: { token: string; name: string; password: string; now?: Date },
): Promise<{ userId: string; organizationId: string; role: TStaffRole }> {
  const now = input.now ?? new Date();
  const invitation = await findUsableStaffInvitation(em, input);
  const firm = await em.findOneOrFail(Organization, { id: invitation.organization.id });
  const policy = checkPasswordPolicy(input.password, {
    email: invitation.email,
    firmName: firm.name,
    personName: input.name,
  });
  if (!policy.ok) throw new AppError('invalid_input', policy.message, { reason: 'weak_password' });
  if (await em.findOne(User, { email: invitation.email })) {
    throw new AppError('conflict', 'An account with this email address already exists. Sign in instead.', {
      reason: 'email_in_use',
    });
  }
  const passwordHash = await hashPassword(input.password);
  return em.transactional(async (tx) => {
    const claimed = await tx.nativeUpdate(
      StaffInvitation,
      { id: invitation.id, acceptedAt: null, revokedAt: null, expiresAt: { $gt: now } },
      { acceptedAt: now },
    );
    if (claimed !== 1) throw invalidInvitation();
    const user = tx.create(User, {
      email: invitation.email,
      name: input.name,
      passwordHash,
      createdAt: now,
      lastSignInAt: null,
      passwordChangedAt: now,
    });
    tx.create(Membership, {
      organization: firm.id,
      user,
      role: invitation.role,
      createdAt: now,
      deactivatedAt: null,
    });
    await tx.flush();
    await tx.nativeUpdate(StaffInvitation, { id: invitation.id }, { acceptedUser: user.id });
    recordAuditEvent(tx, {
      organizationId: firm.id,
      actor: { ...actor, type: 'user', id: user.id },
      action: 'staff.invitation_accepted',
      target: { type: 'staff_invitation', id: invitation.id },
      details: { role: invitation.role, userId: user.id },
    });
    return { userId: user.id, organizationId: firm.id, role: invitation.role };
  });
}
