/**
 * The staff identity domain operations against a real database: session rows (hashed IDs, expiry,
 * rotation, revocation scoped to their subject), second factors under concurrent use (a code or a
 * recovery code passes once even when two requests race), single-use reset links and invitations
 * under races, and the team rules (only owners make owners, the last owner stays).
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SensitiveString } from '../../lib/crypto/sensitive-string';
import { generateTotpSecret, totpCode, totpStep } from '../../lib/crypto/totp';
import { isAppError } from '../../lib/errors';
import { createTestDatabase, dropTestDatabase } from '../../tests/support/databases';
import type { TActor } from '../audit/actor';
import { AuditEvent } from '../audit/audit-event.entity';
import { Organization, defaultOrganizationSettings } from '../organizations/organization.entity';
import { createOrm, type Orm } from '../orm';
import { forSystem, forTenant } from '../tenancy/tenant-context';
import { Membership, type TStaffRole } from '../users/membership.entity';
import { User } from '../users/user.entity';
import { AuthSession } from './auth-session.entity';
import { completeSessionSecondFactor } from './complete-session-second-factor';
import { createAuthSession, type TSessionLifetimes } from './create-auth-session';
import { findAuthSession } from './find-auth-session';
import { listAuthSessions } from './list-auth-sessions';
import { changeMemberRole, deactivateMember } from './manage-members';
import { requestPasswordReset, resetPasswordWithToken } from './password-reset';
import { issueRecoveryCodes } from './recovery-codes';
import { revokeAuthSession, revokeSubjectSessions } from './revoke-auth-sessions';
import { acceptStaffInvitation, inviteStaffMember } from './staff-invitations';
import { TotpFactor } from './totp-factor.entity';
import { touchAuthSession } from './touch-auth-session';
import { verifySecondFactor } from './verify-second-factor';

let url: string;
let orm: Orm;
let firmId: string;
const lifetimes: TSessionLifetimes = {
  idleSeconds: 1800,
  absoluteSeconds: 43_200,
  pendingSecondFactorSeconds: 900,
};
const actor: TActor = { type: 'system' };
let counter = 0;

async function staff(role: TStaffRole): Promise<{ userId: string; membershipId: string; secret: string }> {
  counter += 1;
  const em = forSystem(orm, 'test setup');
  const user = em.create(User, {
    email: `${role}-${counter}@identity.test`,
    name: `${role} ${counter}`,
    passwordHash: 'x',
  });
  const membership = em.create(Membership, { organization: firmId, user, role });
  const secret = generateTotpSecret();
  em.create(TotpFactor, {
    user,
    secret: new SensitiveString(secret),
    confirmedAt: new Date(),
    lastUsedStep: null,
  });
  await em.flush();
  return { userId: user.id, membershipId: membership.id, secret };
}

const tenant = () => forTenant(orm, firmId);
const failureReason = async (promise: Promise<unknown>) => {
  try {
    await promise;
    return 'passed';
  } catch (error) {
    if (isAppError(error)) return error.reason ?? error.code;
    throw error;
  }
};

beforeAll(async () => {
  url = await createTestDatabase('staff identity');
  orm = await createOrm({ databaseUrl: url, poolMax: 6 });
  const em = forSystem(orm, 'test setup');
  const firm = em.create(Organization, {
    name: 'Quill & Ledger',
    slug: 'quill-ledger',
    settings: defaultOrganizationSettings,
  });
  await em.flush();
  firmId = firm.id;
});

afterAll(async () => {
  await orm?.close(true);
  if (url) await dropTestDatabase(url);
});

describe('sessions', () => {
  it('store the SHA-256 of the ID, and find a session only by its own kind and only while it counts', async () => {
    const member = await staff('preparer');
    const em = forSystem(orm, 'test');
    const subject = { kind: 'staff' as const, userId: member.userId, organizationId: firmId };
    const { session, token } = await createAuthSession(em, {
      subject,
      secondFactorRequired: true,
      lifetimes,
    });
    expect(session.tokenHash).toBe(createHash('sha256').update(token).digest('hex'));
    // A session waiting for its second factor lives only as long as that step may take.
    expect(session.absoluteExpiresAt.getTime() - session.createdAt.getTime()).toBe(900_000);
    expect((await findAuthSession(em, { token, kind: 'staff' })).state).toBe('active');
    expect((await findAuthSession(em, { token, kind: 'portal' })).state).toBe('unknown');
    expect((await findAuthSession(em, { token: `${token}x`, kind: 'staff' })).state).toBe('unknown');
    const later = new Date(Date.now() + 901_000);
    expect((await findAuthSession(em, { token, kind: 'staff', now: later })).state).toBe('expired');
  });

  it('rotate the ID when the second factor passes, and then last the full absolute lifetime', async () => {
    const member = await staff('reviewer');
    const em = forSystem(orm, 'test');
    const subject = { kind: 'staff' as const, userId: member.userId, organizationId: firmId };
    const { session, token } = await createAuthSession(em, {
      subject,
      secondFactorRequired: true,
      lifetimes,
    });
    const rotated = await completeSessionSecondFactor(em, { sessionId: session.id, lifetimes });
    expect(rotated.token).not.toBe(token);
    expect((await findAuthSession(em.fork(), { token, kind: 'staff' })).state).toBe('unknown');
    const found = await findAuthSession(em.fork(), { token: rotated.token, kind: 'staff' });
    expect(found.state).toBe('active');
    expect(found.session!.secondFactorVerifiedAt).not.toBeNull();
    expect(
      found.session!.absoluteExpiresAt.getTime() - found.session!.secondFactorVerifiedAt!.getTime(),
    ).toBe(43_200_000);
  });

  it('refuse to complete the second factor of a revoked session', async () => {
    const member = await staff('reviewer');
    const em = forSystem(orm, 'test');
    const subject = { kind: 'staff' as const, userId: member.userId, organizationId: firmId };
    const { session } = await createAuthSession(em, { subject, secondFactorRequired: true, lifetimes });
    await revokeAuthSession(em, actor, { subject, sessionId: session.id, reason: 'signed_out' });
    expect(await failureReason(completeSessionSecondFactor(em, { sessionId: session.id, lifetimes }))).toBe(
      'session_ended',
    );
  });

  it('touch at most once a minute, never past the absolute expiry, and never revive a revoked session', async () => {
    const member = await staff('manager');
    const em = forSystem(orm, 'test');
    const subject = { kind: 'staff' as const, userId: member.userId, organizationId: firmId };
    const { session } = await createAuthSession(em, { subject, secondFactorRequired: false, lifetimes });
    const soon = new Date(session.lastSeenAt.getTime() + 30_000);
    await touchAuthSession(em, session, { idleSeconds: 1800, now: soon });
    expect(session.lastSeenAt.getTime()).not.toBe(soon.getTime());
    const later = new Date(session.absoluteExpiresAt.getTime() - 60_000);
    await touchAuthSession(em, session, { idleSeconds: 1800, now: later });
    const row = await forSystem(orm, 'test').findOneOrFail(AuthSession, { id: session.id });
    expect(row.idleExpiresAt.getTime()).toBe(session.absoluteExpiresAt.getTime());

    await revokeAuthSession(em, actor, { subject, sessionId: session.id, reason: 'signed_out' });
    await touchAuthSession(em, { ...row, lastSeenAt: new Date(0) }, { idleSeconds: 1800 });
    const after = await forSystem(orm, 'test').findOneOrFail(AuthSession, { id: session.id });
    expect(after.revokedAt).not.toBeNull();
  });

  it('revoke only the subject’s own sessions, everywhere or all but one, with one audit event', async () => {
    const member = await staff('admin');
    const other = await staff('admin');
    const em = forSystem(orm, 'test');
    const subject = { kind: 'staff' as const, userId: member.userId, organizationId: firmId };
    const otherSubject = { kind: 'staff' as const, userId: other.userId, organizationId: firmId };
    const kept = await createAuthSession(em, { subject, secondFactorRequired: false, lifetimes });
    await createAuthSession(em, { subject, secondFactorRequired: false, lifetimes });
    await createAuthSession(em, { subject, secondFactorRequired: false, lifetimes });
    const theirs = await createAuthSession(em, {
      subject: otherSubject,
      secondFactorRequired: false,
      lifetimes,
    });

    expect(
      await revokeAuthSession(em, actor, {
        subject,
        sessionId: theirs.session.id,
        reason: 'revoked_by_user',
      }),
    ).toBe(false);
    expect(
      await revokeSubjectSessions(em, actor, {
        subject,
        reason: 'signed_out_everywhere',
        exceptSessionId: kept.session.id,
      }),
    ).toBe(2);
    expect((await listAuthSessions(tenant(), { subject })).map((s) => s.id)).toEqual([kept.session.id]);
    expect(await listAuthSessions(tenant(), { subject: otherSubject })).toHaveLength(1);
    const events = await tenant().find(AuditEvent, {
      action: 'auth.sessions_revoked',
      targetId: member.userId,
    });
    expect(events.map((event) => event.details)).toEqual([
      { count: 2, reason: 'signed_out_everywhere', keptSessionId: kept.session.id },
    ]);
  });
});

describe('second factors', () => {
  it('let one of two concurrent requests with the same code through, never both', async () => {
    const member = await staff('preparer');
    const code = totpCode(member.secret);
    const input = { userId: member.userId, organizationId: firmId, code };
    const results = await Promise.all([
      failureReason(verifySecondFactor(tenant(), actor, input)),
      failureReason(verifySecondFactor(tenant(), actor, input)),
    ]);
    expect(results.sort()).toEqual(['passed', 'replayed_code']);
    const factor = await tenant().findOneOrFail(TotpFactor, { user: member.userId });
    expect(factor.lastUsedStep).toBeGreaterThanOrEqual(totpStep() - 1);
  });

  it('use a recovery code up once, even when two requests race with it', async () => {
    const member = await staff('preparer');
    const [code] = await issueRecoveryCodes(forSystem(orm, 'test'), member.userId);
    const input = { userId: member.userId, organizationId: firmId, code: code! };
    const results = await Promise.all([
      failureReason(verifySecondFactor(tenant(), actor, input)),
      failureReason(verifySecondFactor(tenant(), actor, input)),
    ]);
    expect(results.sort()).toEqual(['passed', 'wrong_code']);
    expect(
      await tenant().count(AuditEvent, { action: 'auth.recovery_code_used', targetId: member.userId }),
    ).toBe(1);
  });

  it('make earlier recovery codes stop working when new ones are issued', async () => {
    const member = await staff('reviewer');
    const [old] = await issueRecoveryCodes(forSystem(orm, 'test'), member.userId);
    const fresh = await issueRecoveryCodes(forSystem(orm, 'test'), member.userId);
    expect(fresh).toHaveLength(10);
    expect(new Set(fresh).size).toBe(10);
    expect(fresh.every((code) => /^[a-hjkmnp-z2-9]{5}-[a-hjkmnp-z2-9]{5}$/.test(code))).toBe(true);
    const input = { userId: member.userId, organizationId: firmId };
    expect(await failureReason(verifySecondFactor(tenant(), actor, { ...input, code: old! }))).toBe(
      'wrong_code',
    );
    expect(await failureReason(verifySecondFactor(tenant(), actor, { ...input, code: fresh[0]! }))).toBe(
      'passed',
    );
  });
});

describe('single-use links', () => {
  it('let one of two concurrent password resets with the same link through', async () => {
    const member = await staff('manager');
    const user = await forSystem(orm, 'test').findOneOrFail(User, { id: member.userId });
    const issued = await requestPasswordReset(forSystem(orm, 'test'), actor, {
      email: user.email.toUpperCase(),
    });
    expect(issued).not.toBeNull();
    const reset = (password: string) =>
      failureReason(
        resetPasswordWithToken(forSystem(orm, 'test'), actor, {
          token: issued!.token,
          newPassword: password,
        }),
      );
    const results = await Promise.all([reset('Granite-otter-sailing-41'), reset('Velvet-comet-harvest-52')]);
    expect(results.sort()).toEqual(['passed', 'token_used']);
    expect(
      await requestPasswordReset(forSystem(orm, 'test'), actor, { email: 'nobody@identity.test' }),
    ).toBeNull();
  });

  it('accept an invitation once, with the invited role, even when two people race with the link', async () => {
    const inviter = await staff('owner');
    const { token } = await inviteStaffMember(
      tenant(),
      { type: 'user', id: inviter.userId },
      {
        email: 'Newcomer@Identity.test',
        role: 'reviewer',
        actorRole: 'owner',
      },
    );
    const accept = () =>
      failureReason(
        acceptStaffInvitation(forSystem(orm, 'test'), actor, {
          token,
          name: 'New Comer',
          password: 'Saffron-bridge-tulip-63',
        }),
      );
    const results = await Promise.all([accept(), accept()]);
    expect(results.filter((result) => result === 'passed')).toHaveLength(1);
    const membership = await tenant().findOneOrFail(Membership, {
      user: { email: 'newcomer@identity.test' },
    });
    expect(membership.role).toBe('reviewer');
  });
});

describe('team rules', () => {
  it('let only owners make owners, and keep at least one active owner', async () => {
    const onlyOwner = await staff('owner');
    const admin = await staff('admin');
    const preparer = await staff('preparer');
    // This firm has owners from earlier tests: deactivate every other owner first.
    const owners = await tenant().find(Membership, { role: 'owner', deactivatedAt: null });
    for (const owner of owners.filter((m) => m.id !== onlyOwner.membershipId)) {
      await deactivateMember(tenant(), actor, {
        manager: { userId: onlyOwner.userId, role: 'owner' },
        membershipId: owner.id,
      });
    }
    const byAdmin = { userId: admin.userId, role: 'admin' as const };
    expect(
      await failureReason(
        changeMemberRole(tenant(), actor, {
          manager: byAdmin,
          membershipId: preparer.membershipId,
          role: 'owner',
        }),
      ),
    ).toBe('owner_role_needs_owner');
    expect(
      await failureReason(
        deactivateMember(tenant(), actor, { manager: byAdmin, membershipId: onlyOwner.membershipId }),
      ),
    ).toBe('owner_needs_owner');
    const byOwner = { userId: admin.userId, role: 'owner' as const };
    expect(
      await failureReason(
        changeMemberRole(tenant(), actor, {
          manager: byOwner,
          membershipId: onlyOwner.membershipId,
          role: 'admin',
        }),
      ),
    ).toBe('last_owner');
    expect(
      await failureReason(
        changeMemberRole(tenant(), actor, {
          manager: byOwner,
          membershipId: preparer.membershipId,
          role: 'owner',
        }),
      ),
    ).toBe('passed');
    expect(
      await failureReason(
        changeMemberRole(tenant(), actor, {
          manager: byOwner,
          membershipId: onlyOwner.membershipId,
          role: 'admin',
        }),
      ),
    ).toBe('passed');
  });
});
