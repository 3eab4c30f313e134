import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../lib/errors';
import { checkPasswordPolicy } from '../../lib/password-policy';
import { hashPassword, verifyPassword } from '../../lib/passwords';
import type { TActor } from '../audit/actor';
import { recordAuditEvent } from '../audit/record-audit-event';
import { Organization } from '../organizations/organization.entity';
import { User } from '../users/user.entity';
import { revokeSubjectSessions } from './revoke-auth-sessions';

/**
 * A signed-in staff member changes their password: the current one must be right and the new one must
 * meet the policy. Every other session of theirs ends; the one in use stays. Writes
 * `auth.password_changed`. Field errors come back as AppError('invalid_input') with reason
 * `wrong_current_password` or `weak_password`.
 */
export async function changePassword(
  em: EntityManager,
  actor: TActor,
  input: {
    userId: string;
    organizationId: string;
    currentPassword: string;
    newPassword: string;
    currentSessionId: string;
    now?: Date;
  },
): Promise<{ otherSessionsEnded: number }> {
  const user = await em.findOneOrFail(User, { id: input.userId }, { populate: ['passwordHash'] });
  if (!(await verifyPassword(input.currentPassword, user.passwordHash))) {
    throw new AppError('invalid_input', 'Your current password is not right.', {
      reason: 'wrong_current_password',
    });
  }
  const firm = await em.findOneOrFail(Organization, { id: input.organizationId });
  const policy = checkPasswordPolicy(input.newPassword, {
    email: user.email,
    firmName: firm.name,
    personName: user.name,
  });
  if (!policy.ok) throw new AppError('invalid_input', policy.message, { reason: 'weak_password' });
  if (await verifyPassword(input.newPassword, user.passwordHash)) {
    throw new AppError('invalid_input', 'Choose a password different from your current one.', {
      reason: 'weak_password',
    });
  }
  const passwordHash = await hashPassword(input.newPassword);
  const now = input.now ?? new Date();
  return em.transactional(async (tx) => {
    await tx.nativeUpdate(User, { id: user.id }, { passwordHash, passwordChangedAt: now });
    recordAuditEvent(tx, {
      organizationId: input.organizationId,
      actor,
      action: 'auth.password_changed',
      target: { type: 'user', id: user.id },
    });
    const otherSessionsEnded = await revokeSubjectSessions(tx, actor, {
      subject: { kind: 'staff', userId: user.id, organizationId: input.organizationId },
      reason: 'password_changed',
      exceptSessionId: input.currentSessionId,
      now,
    });
    return { otherSessionsEnded };
  });
}
