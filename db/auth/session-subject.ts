/**
 * Whose session: a staff member signed in to one firm, or a portal contact (who belongs to one client
 * of one firm). The same store serves both; the cookie names differ (see web/app/auth/session.server.ts).
 */
export type TSessionSubject =
  | { kind: 'staff'; userId: string; organizationId: string }
  | { kind: 'portal'; contactId: string; organizationId: string };

/** The query that finds a subject's session rows. */
export function subjectWhere(subject: TSessionSubject) {
  return subject.kind === 'staff'
    ? { subjectKind: 'staff' as const, user: subject.userId, organization: subject.organizationId }
    : { subjectKind: 'portal' as const, contact: subject.contactId, organization: subject.organizationId };
}

/** The audit target for a subject's sessions. */
export function subjectTarget(subject: TSessionSubject): { type: string; id: string } {
  return subject.kind === 'staff'
    ? { type: 'user', id: subject.userId }
    : { type: 'contact', id: subject.contactId };
}
