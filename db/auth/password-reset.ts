import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../lib/errors';
import { checkPasswordPolicy } from '../../lib/password-policy';
import { hashPassword } from '../../lib/passwords';
import type { TActor } from '../audit/actor';
import { recordAuditEvent } from '../audit/record-audit-event';
import { Membership } from '../users/membership.entity';
import { User } from '../users/user.entity';
import { PasswordResetToken, type IPasswordResetToken } from './password-reset-token.entity';
import { revokeSubjectSessions } from './revoke-auth-sessions';
import { hashToken, newSessionToken } from './session-token';

export const passwordResetMinutes = 30;

/** The firm a person's audit events go to: the active membership they joined first. */
async function homeMembership(em: EntityManager, userId: string) {
  return em.findOne(
    Membership,
    { user: userId, deactivatedAt: null },
    { orderBy: { createdAt: 'asc' }, populate: ['organization'] },
  );
}

export interface TIssuedPasswordReset {
  userId: string;
  email: string;
  organizationId: string;
  firmName: string;
  tokenId: string;
  token: string;
  expiresAt: Date;
}

/**
 * Issues a password-reset link for an email, when it belongs to an active staff member (else null:
 * the caller answers the same either way). Links issued before stop working. Only the token's SHA-256
 * is stored. Writes `auth.password_reset_requested`. The EntityManager must see every firm (forSystem).
 */
export async function requestPasswordReset(
  em: EntityManager,
  actor: TActor,
  input: { email: string; now?: Date },
): Promise<TIssuedPasswordReset | null> {
  const now = input.now ?? new Date();
  const user = await em.findOne(User, { email: input.email.trim().toLowerCase() });
  if (!user) return null;
  const membership = await homeMembership(em, user.id);
  if (!membership) return null;
  const token = newSessionToken();
  const expiresAt = new Date(now.getTime() + passwordResetMinutes * 60_000);
  return em.transactional(async (tx) => {
    await tx.nativeUpdate(
      PasswordResetToken,
      { user: user.id, usedAt: null, expiresAt: { $gt: now } },
      { expiresAt: now },
    );
    const row = tx.create(PasswordResetToken, {
      user: user.id,
      tokenHash: hashToken(token),
      createdAt: now,
      expiresAt,
      usedAt: null,
    });
    recordAuditEvent(tx, {
      organizationId: membership.organization.id,
      actor: { ...actor, type: 'user', id: user.id },
      action: 'auth.password_reset_requested',
      target: { type: 'user', id: user.id },
    });
    await tx.flush();
    return {
      userId: user.id,
      email: user.email,
      organizationId: membership.organization.id,
      firmName: membership.organization.name,
      tokenId: row.id,
      token,
      expiresAt,
    };
  });
}

const invalidLink = () =>
  new AppError('not_found', 'This password reset link is not valid. Request a new one.', {
    reason: 'unknown_token',
  });
const usedLink = () =>
  new AppError(
    'expired',
    'This password reset link has already been used. If you need to, request a new one.',
    {
      reason: 'token_used',
    },
  );
const expiredLink = () =>
  new AppError(
    'expired',
    'This password reset link has expired. Request a new one: links work for 30 minutes.',
    {
      reason: 'token_expired',
    },
  );

/** The reset token a link carries, if it can still be used; else the reason it cannot (as an AppError). */
export async function findUsablePasswordReset(
  em: EntityManager,
  input: { token: string; now?: Date },
): Promise<IPasswordResetToken> {
  const now = input.now ?? new Date();
  const row = await em.findOne(
    PasswordResetToken,
    { tokenHash: hashToken(input.token) },
    { populate: ['user'] },
  );
  if (!row) throw invalidLink();
  if (row.usedAt) throw usedLink();
  if (row.expiresAt <= now) throw expiredLink();
  return row;
}

/**
 * Sets a new password with a reset link. The link is used up (a second use is refused), the password
 * must meet the policy, and every session of the person ends (whoever asked for the reset may not be
 * the only one who knew the old password). Writes `auth.password_reset`.
 */
export async function resetPasswordWithToken(
  em: EntityManager,
  actor: TActor,
  input: { token: string; newPassword: string; now?: Date },
): Promise<{
  userId: string;
  email: string;
  organizationId: string;
  firmName: string;
  tokenId: string;
  sessionsEnded: number;
}> {
  const now = input.now ?? new Date();
  const row = await findUsablePasswordReset(em, input);
  const user = row.user;
  const membership = await homeMembership(em, user.id);
  if (!membership) throw invalidLink();
  const policy = checkPasswordPolicy(input.newPassword, {
    email: user.email,
    firmName: membership.organization.name,
    personName: user.name,
  });
  if (!policy.ok) throw new AppError('invalid_input', policy.message, { reason: 'weak_password' });
  const passwordHash = await hashPassword(input.newPassword);
  return em.transactional(async (tx) => {
    // Single use even under a race: only the request that flips usedAt goes on.
    const claimed = await tx.nativeUpdate(
      PasswordResetToken,
      { id: row.id, usedAt: null, expiresAt: { $gt: now } },
      { usedAt: now },
    );
    if (claimed !== 1) throw usedLink();
    await tx.nativeUpdate(User, { id: user.id }, { passwordHash, passwordChangedAt: now });
    const who: TActor = { ...actor, type: 'user', id: user.id };
    recordAuditEvent(tx, {
      organizationId: membership.organization.id,
      actor: who,
      action: 'auth.password_reset',
      target: { type: 'user', id: user.id },
    });
    const sessionsEnded = await revokeSubjectSessions(tx, who, {
      subject: { kind: 'staff', userId: user.id, organizationId: membership.organization.id },
      reason: 'password_reset',
      now,
    });
    return {
      userId: user.id,
      email: user.email,
      organizationId: membership.organization.id,
      firmName: membership.organization.name,
      tokenId: row.id,
      sessionsEnded,
    };
  });
}
