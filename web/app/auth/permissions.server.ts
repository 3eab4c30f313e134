import type { TStaffRole } from '../../../db/users/membership.entity';

/** Everything a staff member can be allowed to do in the staff app. */
export const staffActions = [
  'dashboard.view',
  'clients.view',
  'clients.create',
  'engagements.view',
  'tasks.view',
  'tasks.complete',
  'documents.view',
  'documents.download',
  'invoices.manage',
  'integrations.manage',
  'users.manage',
  'billing.manage',
  'audit.view',
  'audit.export',
  'email_templates.preview',
] as const;
export type TStaffAction = (typeof staffActions)[number];

const everything: readonly TStaffAction[] = staffActions;
const viewAndWork: readonly TStaffAction[] = [
  'dashboard.view',
  'clients.view',
  'engagements.view',
  'tasks.view',
  'tasks.complete',
  'documents.view',
  'documents.download',
];

/** The one permission table: which role may do what. Every loader and action asks `can`. */
const permissions: Record<TStaffRole, ReadonlySet<TStaffAction>> = {
  owner: new Set(everything),
  admin: new Set(everything),
  manager: new Set(everything),
  preparer: new Set(viewAndWork),
  reviewer: new Set(viewAndWork),
};

export function can(role: TStaffRole, action: TStaffAction): boolean {
  return permissions[role].has(action);
}
