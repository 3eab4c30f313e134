import type { TAuditActorType } from './audit-event.entity';

/** Who performs a domain operation, and from where; recorded in the audit trail. */
export interface TActor {
  type: TAuditActorType;
  /** User ID for staff, contact ID for portal users; absent for the system. */
  id?: string;
  ip?: string;
  userAgent?: string;
}

/** The platform itself (a workflow, a scheduled job, a seeder). */
export const systemActor: TActor = { type: 'system' };
