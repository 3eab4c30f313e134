import type { RequiredEntityData } from '@mikro-orm/core';
import type { IInvoice, TInvoiceStatus } from '../billing/invoice.entity';
import type { IPayment, TPaymentStatus } from '../billing/payment.entity';
import type { IClient, TClientKind, TClientProfile, TClientStatus } from '../clients/client.entity';
import type { IContact } from '../clients/contact.entity';
import type {
  IDocument,
  TDocumentReviewStatus,
  TExtractedField,
  TOcrStatus,
} from '../documents/document.entity';
import type { IDocumentRequest, TDocumentRequestStatus } from '../documents/document-request.entity';
import type { IEngagementEvent } from '../engagements/engagement-event.entity';
import type { IEngagement, TEngagementStatus, TEngagementType } from '../engagements/engagement.entity';
import type { IOrganization, TOrganizationSettings } from '../organizations/organization.entity';
import type { IPortalLink } from '../portal/portal-link.entity';
import type { ITask, TTaskKind, TTaskStatus } from '../tasks/task.entity';
import type { IMembership, TStaffRole } from '../users/membership.entity';
import type { IUser } from '../users/user.entity';

/**
 * Plain rows the factories build: every column's value, keyed by entity property name, with
 * relations as IDs. The same rows go to `em.create` (demo seed, tests) and to bulk SQL (scale seed).
 */
export interface TOrganizationRow {
  id: string;
  name: string;
  slug: string;
  plan: string;
  settings: TOrganizationSettings;
  createdAt: Date;
}

export interface TUserRow {
  id: string;
  email: string;
  name: string;
  passwordHash: string;
  passwordChangedAt: Date | null;
  createdAt: Date;
  lastSignInAt: Date | null;
}

export interface TMembershipRow {
  id: string;
  organization: string;
  user: string;
  role: TStaffRole;
  createdAt: Date;
}

export interface TClientRow {
  id: string;
  organization: string;
  kind: TClientKind;
  displayName: string;
  status: TClientStatus;
  profile: TClientProfile | null;
  /** Always null in seed data for now: tax IDs are encrypted at rest, and seeds leave them empty. */
  taxId: null;
  taxIdHash: null;
  taxIdLast4: null;
  profileSubmittedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface TContactRow {
  id: string;
  organization: string;
  client: string;
  name: string;
  email: string;
  portalAccess: boolean;
  createdAt: Date;
}

export interface TPortalLinkRow {
  id: string;
  organization: string;
  contact: string;
  tokenHash: string;
  purpose: string;
  expiresAt: Date;
  createdAt: Date;
  lastUsedAt: Date | null;
}

export interface TEngagementRow {
  id: string;
  organization: string;
  client: string;
  type: TEngagementType;
  title: string;
  status: TEngagementStatus;
  stage: string;
  progress: number;
  waitingFor: string | null;
  workflowId: string;
  runId: string | null;
  taxYear: number | null;
  period: string | null;
  dueAt: Date | null;
  extendedDueAt: Date | null;
  preparer: string | null;
  reviewer: string | null;
  startedBy: string | null;
  createdAt: Date;
  updatedAt: Date;
  completedAt: Date | null;
}

export interface TEngagementEventRow {
  id: string;
  organization: string;
  engagement: string;
  key: string;
  kind: string;
  stage: string;
  message: string;
  occurredAt: Date;
}

export interface TTaskRow {
  id: string;
  organization: string;
  key: string | null;
  engagement: string | null;
  client: string | null;
  title: string;
  details: string | null;
  kind: TTaskKind;
  status: TTaskStatus;
  assignee: string | null;
  dueAt: Date | null;
  createdAt: Date;
  completedAt: Date | null;
}

export interface TDocumentRequestRow {
  id: string;
  organization: string;
  engagement: string;
  category: string;
  label: string;
  required: boolean;
  status: TDocumentRequestStatus;
  note: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface TDocumentRow {
  id: string;
  organization: string;
  client: string;
  engagement: string | null;
  request: string | null;
  blobKey: string;
  sha256: string;
  sizeBytes: number;
  mediaType: string;
  originalFileName: string;
  category: string;
  ocrStatus: TOcrStatus;
  extractedFields: TExtractedField[] | null;
  reviewStatus: TDocumentReviewStatus;
  reviewer: string | null;
  reviewedAt: Date | null;
  uploadedByContact: string | null;
  createdAt: Date;
}

export interface TInvoiceRow {
  id: string;
  organization: string;
  client: string;
  engagement: string | null;
  number: string;
  description: string;
  stripeCustomerId: string | null;
  stripeInvoiceId: string | null;
  amountDueMinor: number;
  amountPaidMinor: number;
  currency: string;
  status: TInvoiceStatus;
  dueAt: Date | null;
  hostedUrl: string | null;
  createdAt: Date;
  paidAt: Date | null;
}

export interface TPaymentRow {
  id: string;
  organization: string;
  invoice: string;
  stripePaymentIntentId: string | null;
  amountMinor: number;
  currency: string;
  status: TPaymentStatus;
  paidAt: Date;
}

/** Rows for one or more firms, in the order they can be inserted (every reference points backwards). */
export interface TSeedRows {
  organizations: TOrganizationRow[];
  users: TUserRow[];
  memberships: TMembershipRow[];
  clients: TClientRow[];
  contacts: TContactRow[];
  portalLinks: TPortalLinkRow[];
  engagements: TEngagementRow[];
  engagementEvents: TEngagementEventRow[];
  documentRequests: TDocumentRequestRow[];
  documents: TDocumentRow[];
  tasks: TTaskRow[];
  invoices: TInvoiceRow[];
  payments: TPaymentRow[];
}

export const seedRowKinds = [
  'organizations',
  'users',
  'memberships',
  'clients',
  'contacts',
  'portalLinks',
  'engagements',
  'engagementEvents',
  'documentRequests',
  'documents',
  'tasks',
  'invoices',
  'payments',
] as const satisfies readonly (keyof TSeedRows)[];

export function emptySeedRows(): TSeedRows {
  return {
    organizations: [],
    users: [],
    memberships: [],
    clients: [],
    contacts: [],
    portalLinks: [],
    engagements: [],
    engagementEvents: [],
    documentRequests: [],
    documents: [],
    tasks: [],
    invoices: [],
    payments: [],
  };
}

/** Appends every row of `more` to `rows`. */
export function appendSeedRows(rows: TSeedRows, more: Partial<TSeedRows>): TSeedRows {
  for (const kind of seedRowKinds) {
    const extra = more[kind];
    if (extra) (rows[kind] as unknown[]).push(...extra);
  }
  return rows;
}

// Compile-time checks: each row type is something `em.create` accepts for its entity, and names only
// the entity's own properties. A renamed or added required column breaks the build here.
type TRowOf<E, R extends RequiredEntityData<E> & { [K in keyof R]: K extends keyof E ? unknown : never }> = R;
export type TRowChecks = [
  TRowOf<IOrganization, TOrganizationRow>,
  TRowOf<IUser, TUserRow>,
  TRowOf<IMembership, TMembershipRow>,
  TRowOf<IClient, TClientRow>,
  TRowOf<IContact, TContactRow>,
  TRowOf<IPortalLink, TPortalLinkRow>,
  TRowOf<IEngagement, TEngagementRow>,
  TRowOf<IEngagementEvent, TEngagementEventRow>,
  TRowOf<ITask, TTaskRow>,
  TRowOf<IDocumentRequest, TDocumentRequestRow>,
  TRowOf<IDocument, TDocumentRow>,
  TRowOf<IInvoice, TInvoiceRow>,
  TRowOf<IPayment, TPaymentRow>,
];
