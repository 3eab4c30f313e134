import type { EntityManager } from '@mikro-orm/postgresql';
import type { TActor } from '../audit/actor';
import { recordAuditEvent } from '../audit/record-audit-event';
import { AuthSession, type TSessionRevokeReason } from './auth-session.entity';
import { subjectTarget, subjectWhere, type TSessionSubject } from './session-subject';

/**
 * Ends one session of a subject (sign-out, or "revoke" on the sessions list). A session of someone else
 * is not found and nothing changes. Takes effect on that session's next request. Writes
 * `auth.session_revoked` unless the session had already ended.
 */
export async function revokeAuthSession(
  em: EntityManager,
  actor: TActor,
  input: { subject: TSessionSubject; sessionId: string; reason: TSessionRevokeReason; now?: Date },
): Promise<boolean> {
  const now = input.now ?? new Date();
  return em.transactional(async (tx) => {
    const changed = await tx.nativeUpdate(
      AuthSession,
      { ...subjectWhere(input.subject), id: input.sessionId, revokedAt: null },
      { revokedAt: now, revokedReason: input.reason },
    );
    if (changed === 0) return false;
    recordAuditEvent(tx, {
      organizationId: input.subject.organizationId,
      actor,
      action: 'auth.session_revoked',
      target: subjectTarget(input.subject),
      details: { sessionId: input.sessionId, reason: input.reason },
    });
    return true;
  });
}

/**
 * Ends every open session of a subject, except `exceptSessionId` when given (the one the person is
 * using). Returns how many ended; writes one `auth.sessions_revoked` event when any did.
 */
export async function revokeSubjectSessions(
  em: EntityManager,
  actor: TActor,
  input: {
    subject: TSessionSubject;
    reason: TSessionRevokeReason;
    exceptSessionId?: string;
    now?: Date;
  },
): Promise<number> {
  const now = input.now ?? new Date();
  return em.transactional(async (tx) => {
    const changed = await tx.nativeUpdate(
      AuthSession,
      {
        ...subjectWhere(input.subject),
        revokedAt: null,
        absoluteExpiresAt: { $gt: now },
        ...(input.exceptSessionId ? { id: { $ne: input.exceptSessionId } } : {}),
      },
      { revokedAt: now, revokedReason: input.reason },
    );
    if (changed > 0) {
      recordAuditEvent(tx, {
        organizationId: input.subject.organizationId,
        actor,
        action: 'auth.sessions_revoked',
        target: subjectTarget(input.subject),
        details: { count: changed, reason: input.reason, keptSessionId: input.exceptSessionId ?? null },
      });
    }
    return changed;
  });
}
