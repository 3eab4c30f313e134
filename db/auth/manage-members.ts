import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../lib/errors';
import type { TActor } from '../audit/actor';
import { recordAuditEvent } from '../audit/record-audit-event';
import { tenantIdOf } from '../tenancy/tenant-context';
import { Membership, type IMembership, type TStaffRole } from '../users/membership.entity';
import { RecoveryCode } from './recovery-code.entity';
import { revokeSubjectSessions } from './revoke-auth-sessions';
import { assertMayGrantRole } from './staff-invitations';
import { TotpFactor } from './totp-factor.entity';

/** Who is managing: their user ID and role in this firm. */
export interface TManager {
  userId: string;
  role: TStaffRole;
}

async function memberOf(em: EntityManager, membershipId: string): Promise<IMembership> {
  const membership = await em.findOne(Membership, { id: membershipId }, { populate: ['user'] });
  if (!membership) throw new AppError('not_found', 'This team member could not be found.');
  return membership;
}

function assertNotSelf(manager: TManager, membership: IMembership, what: string): void {
  if (membership.user.id === manager.userId) {
    throw new AppError('invalid_input', `You cannot ${what} yourself. Ask another owner or admin.`, {
      reason: 'self_management',
    });
  }
}

/** Changing an owner (their role, their access, their authenticator) is for owners only. */
function assertMayManage(manager: TManager, membership: IMembership): void {
  if (membership.role === 'owner' && manager.role !== 'owner') {
    throw new AppError('invalid_input', 'Only an owner can change another owner.', {
      reason: 'owner_needs_owner',
    });
  }
}

/** The firm must keep at least one active owner. */
async function assertAnotherOwnerRemains(em: EntityManager, membership: IMembership): Promise<void> {
  if (membership.role !== 'owner' || membership.deactivatedAt) return;
  const owners = await em.count(Membership, {
    organization: tenantIdOf(em),
    role: 'owner',
    deactivatedAt: null,
  });
  if (owners <= 1) {
    throw new AppError(
      'invalid_input',
      'The firm needs at least one owner. Make someone else an owner first.',
      {
        reason: 'last_owner',
      },
    );
  }
}

/** Gives a member another role. Writes `staff.role_changed` with the old and new role. */
export async function changeMemberRole(
  em: EntityManager,
  actor: TActor,
  input: { manager: TManager; membershipId: string; role: TStaffRole },
): Promise<void> {
  await em.transactional(async (tx) => {
    const membership = await memberOf(tx, input.membershipId);
    assertNotSelf(input.manager, membership, 'change the role of');
    assertMayManage(input.manager, membership);
    assertMayGrantRole(input.manager.role, input.role);
    if (membership.role === input.role) return;
    if (input.role !== 'owner') await assertAnotherOwnerRemains(tx, membership);
    const from = membership.role;
    membership.role = input.role;
    recordAuditEvent(tx, {
      organizationId: tenantIdOf(tx),
      actor,
      action: 'staff.role_changed',
      target: { type: 'user', id: membership.user.id },
      details: { from, to: input.role, membershipId: membership.id },
    });
  });
}

/**
 * Turns a member's access off: every session of theirs ends at once and they can no longer sign in
 * to this firm. Their work (assignments, history) stays. Writes `staff.deactivated`.
 */
export async function deactivateMember(
  em: EntityManager,
  actor: TActor,
  input: { manager: TManager; membershipId: string; now?: Date },
): Promise<void> {
  const now = input.now ?? new Date();
  await em.transactional(async (tx) => {
    const membership = await memberOf(tx, input.membershipId);
    assertNotSelf(input.manager, membership, 'deactivate');
    assertMayManage(input.manager, membership);
    if (membership.deactivatedAt) return;
    await assertAnotherOwnerRemains(tx, membership);
    membership.deactivatedAt = now;
    recordAuditEvent(tx, {
      organizationId: tenantIdOf(tx),
      actor,
      action: 'staff.deactivated',
      target: { type: 'user', id: membership.user.id },
      details: { membershipId: membership.id },
    });
    await tx.flush();
    await revokeSubjectSessions(tx, actor, {
      subject: { kind: 'staff', userId: membership.user.id, organizationId: tenantIdOf(tx) },
      reason: 'membership_deactivated',
      now,
    });
  });
}

/** Gives a deactivated member their access back. Writes `staff.reactivated`. */
export async function reactivateMember(
  em: EntityManager,
  actor: TActor,
  input: { manager: TManager; membershipId: string },
): Promise<void> {
  await em.transactional(async (tx) => {
    const membership = await memberOf(tx, input.membershipId);
    assertMayManage(input.manager, membership);
    if (!membership.deactivatedAt) return;
    membership.deactivatedAt = null;
    recordAuditEvent(tx, {
      organizationId: tenantIdOf(tx),
      actor,
      action: 'staff.reactivated',
      target: { type: 'user', id: membership.user.id },
      details: { membershipId: membership.id },
    });
  });
}

/**
 * An owner resets a member's second factor (a lost phone): the authenticator and recovery codes are
 * removed and every session of theirs ends; at their next sign-in they set up a new authenticator.
 * Owners only. Writes `auth.mfa_reset`.
 */
export async function resetMemberMfa(
  em: EntityManager,
  actor: TActor,
  input: { manager: TManager; membershipId: string; now?: Date },
): Promise<void> {
  if (input.manager.role !== 'owner') {
    throw new AppError('not_found', 'This page could not be found.', { reason: 'owner_only' });
  }
  const now = input.now ?? new Date();
  await em.transactional(async (tx) => {
    const membership = await memberOf(tx, input.membershipId);
    assertNotSelf(input.manager, membership, 'reset the authenticator of');
    const userId = membership.user.id;
    const removed = await tx.nativeDelete(TotpFactor, { user: userId });
    await tx.nativeDelete(RecoveryCode, { user: userId });
    recordAuditEvent(tx, {
      organizationId: tenantIdOf(tx),
      actor,
      action: 'auth.mfa_reset',
      target: { type: 'user', id: userId },
      details: { membershipId: membership.id, hadAuthenticator: removed > 0 },
    });
    await revokeSubjectSessions(tx, actor, {
      subject: { kind: 'staff', userId, organizationId: tenantIdOf(tx) },
      reason: 'mfa_reset',
      now,
    });
  });
}
