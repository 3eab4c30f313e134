import type { TOrganizationSettings } from '../../../db/organizations/organization.entity';
import { staffRoles, type TStaffRole } from '../../../db/users/membership.entity';

/**
 * The one permission table: which role may do what, for the staff app and the client portal.
 * Every loader and action asks `can` (through staffRoute / portalRoute in http/route.server.ts);
 * a role that may not do something gets the same 404 as a missing page.
 *
 * Rows are roles, the sets are actions. Owners may do everything; admins run the firm's users,
 * integrations, settings and audit trail; managers create clients, assign work and invoice;
 * reviewers approve; preparers work on the engagements assigned to them (see engagementVisibility).
 * The client role is a portal contact: it has portal actions only, and staff have none of them.
 */

/** Everything a staff member can be allowed to do in the staff app. */
export const staffActions = [
  'dashboard.view',
  /** Their own account: password, two-factor authentication, sessions. */
  'account.manage',
  'clients.view',
  'clients.create',
  /** Send (or send again) a contact's portal invitation. */
  'clients.invite',
  'engagements.view',
  /** See every engagement of the firm, not only those assigned to them. */
  'engagements.view_all',
  /** Start and act on engagements (requests, uploads, sending back to the client). */
  'engagements.work',
  'engagements.assign',
  'engagements.approve',
  'tasks.view',
  'tasks.complete',
  'tasks.assign',
  'documents.view',
  'documents.download',
  'invoices.manage',
  'integrations.manage',
  'users.manage',
  'billing.manage',
  /** Firm settings: preparer visibility, portal invitation expiry. */
  'settings.manage',
  'audit.view',
  'audit.export',
  'email_templates.preview',
  /**
   * Decode (and encode) Temporal payloads through the codec endpoint for the Temporal UI. Payloads
   * carry no firm marker, so whoever holds this reads every firm's workflow data on the Temporal
   * server: owners and admins only (see web/app/temporal/codec-endpoint.server.ts).
   */
  'temporal.decode',
] as const;
export type TStaffAction = (typeof staffActions)[number];

/** Everything a portal contact can be allowed to do, always within their own client. */
export const portalActions = [
  'portal.view',
  'portal.profile.submit',
  'portal.engagements.view',
  'portal.documents.view',
  'portal.documents.download',
  'portal.documents.upload',
  'portal.invoices.view',
  'portal.account.manage',
] as const;
export type TPortalAction = (typeof portalActions)[number];

export type TAction = TStaffAction | TPortalAction;

export const roles = [...staffRoles, 'client'] as const;
export type TRole = (typeof roles)[number];

/** What every member of staff does, whatever their role. */
const staffBasics: readonly TStaffAction[] = [
  'dashboard.view',
  'account.manage',
  'clients.view',
  'engagements.view',
  'engagements.work',
  'tasks.view',
  'tasks.complete',
  'documents.view',
  'documents.download',
];

const permissions: Record<TRole, ReadonlySet<TAction>> = {
  owner: new Set<TAction>(staffActions),
  admin: new Set<TAction>([
    ...staffBasics,
    'engagements.view_all',
    'clients.create',
    'clients.invite',
    'integrations.manage',
    'users.manage',
    'settings.manage',
    'audit.view',
    'audit.export',
    'email_templates.preview',
    'temporal.decode',
  ]),
  manager: new Set<TAction>([
    ...staffBasics,
    'engagements.view_all',
    'engagements.assign',
    'clients.create',
    'clients.invite',
    'tasks.assign',
    'invoices.manage',
    'email_templates.preview',
  ]),
  reviewer: new Set<TAction>([...staffBasics, 'engagements.view_all', 'engagements.approve']),
  preparer: new Set<TAction>([...staffBasics, 'clients.invite']),
  client: new Set<TAction>(portalActions),
};

export function can(role: TRole, action: TAction): boolean {
  return permissions[role].has(action);
}

export function isStaffRole(role: TRole): role is TStaffRole {
  return (staffRoles as readonly string[]).includes(role);
}

/**
 * Which engagements a staff member may see: all of the firm's, or only those they are assigned to
 * (as preparer or reviewer). Preparers see only their own unless the firm lets them see all.
 * Clients, tasks and documents follow their engagements (see web/app/engagements/engagement-scope.server.ts).
 */
export type TEngagementVisibility = { kind: 'all' } | { kind: 'assigned'; userId: string };

export function engagementVisibility(
  staff: { role: TStaffRole; userId: string },
  settings: Pick<TOrganizationSettings, 'preparersSeeAllEngagements'>,
): TEngagementVisibility {
  if (can(staff.role, 'engagements.view_all') || settings.preparersSeeAllEngagements === true) {
    return { kind: 'all' };
  }
  return { kind: 'assigned', userId: staff.userId };
}
