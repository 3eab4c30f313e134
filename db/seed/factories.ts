import { createHash } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { hashPassword } from '../../lib/passwords';
import type { TClientKind, TClientProfile, TClientStatus } from '../clients/client.entity';
import type { TDocumentReviewStatus, TOcrStatus } from '../documents/document.entity';
import type { TDocumentRequestStatus } from '../documents/document-request.entity';
import type { TEngagementStatus, TEngagementType } from '../engagements/engagement.entity';
import type { TInvoiceStatus } from '../billing/invoice.entity';
import {
  Organization,
  defaultOrganizationSettings,
  type IOrganization,
  type TOrganizationSettings,
} from '../organizations/organization.entity';
import type { TTaskKind, TTaskStatus } from '../tasks/task.entity';
import { User, type IUser } from '../users/user.entity';
import { Membership, type TStaffRole } from '../users/membership.entity';
import { addDays, between, currentTaxYear, earliest, latest, monthAfter, periodBefore, utc } from './dates';
import { documentCategoriesFor, documentKinds, extractedFieldsFor } from './documents';
import {
  areaCodes,
  businessPlaces,
  businessSuffixes,
  businessTrades,
  firstNames,
  lastNames,
  places,
  streets,
} from './names';
import { createRandom, type TRandom } from './random';
import type {
  TClientRow,
  TContactRow,
  TDocumentRequestRow,
  TDocumentRow,
  TEngagementEventRow,
  TEngagementRow,
  TInvoiceRow,
  TMembershipRow,
  TOrganizationRow,
  TPaymentRow,
  TPortalLinkRow,
  TSeedRows,
  TTaskRow,
  TUserRow,
} from './rows';
import { seedStageFlows } from './stages';

/**
 * Factories with a default for every field, shared by tests, the demo seed and the scale seed.
 *
 * `build*` functions are pure: they return plain rows (see rows.ts) made from a seeded pseudo-random
 * sequence, so the same seed and `now` give the same data. The demo seed and tests hand the rows to
 * `em.create` (persistSeedRows); the scale seed inserts the very same rows with bulk SQL.
 * All people and businesses are fictitious; emails are at example.test. Client tax IDs stay NULL: they
 * are encrypted at rest and seeds do not invent them.
 */
export interface TSeedContext {
  random: TRandom;
  /** The moment the data is "as of": overdue, active and completed are relative to it. */
  now: Date;
  /** A per-name counter (invoice numbers). */
  nextNumber(name: string): number;
}

/**
 * A seed context. `firstNumber` starts the counters elsewhere than 1, so that contexts building
 * separate slices of one firm (the scale seed) hand out distinct invoice numbers.
 */
export function seedContext(
  seed: string,
  now: Date = new Date(),
  options: { firstNumber?: number } = {},
): TSeedContext {
  const counters = new Map<string, number>();
  const first = options.firstNumber ?? 1;
  return {
    random: createRandom(seed),
    now,
    nextNumber(name) {
      const next = (counters.get(name) ?? first - 1) + 1;
      counters.set(name, next);
      return next;
    },
  };
}

const lower = (text: string) => text.toLowerCase().replace(/[^a-z0-9]+/g, '.');

export function personName(ctx: TSeedContext): { first: string; last: string; full: string } {
  const first = ctx.random.pick(firstNames);
  const last = ctx.random.pick(lastNames);
  return { first, last, full: `${first} ${last}` };
}

export function businessName(ctx: TSeedContext): string {
  const { random } = ctx;
  return `${random.pick(businessPlaces)} ${random.pick(businessTrades)} ${random.pick(businessSuffixes)}`;
}

/** A US phone number in the 555-01xx range reserved for fiction, as ten digits. */
export function fictionalPhone(ctx: TSeedContext): string {
  return `${ctx.random.pick(areaCodes)}55501${String(ctx.random.int(0, 99)).padStart(2, '0')}`;
}

// --- firm and staff ------------------------------------------------------------------------------------

export function buildFirm(ctx: TSeedContext, overrides: Partial<TOrganizationRow> = {}): TOrganizationRow {
  const name = overrides.name ?? `${ctx.random.pick(businessPlaces)} CPA`;
  return {
    id: overrides.id ?? ctx.random.uuid(),
    name,
    slug: overrides.slug ?? `${lower(name).replaceAll('.', '-')}-${ctx.random.hex(6)}`,
    plan: overrides.plan ?? 'standard',
    settings: overrides.settings ?? defaultOrganizationSettings,
    createdAt: overrides.createdAt ?? addDays(ctx.now, -ctx.random.int(400, 2000)),
  };
}

export function buildUser(ctx: TSeedContext, input: Partial<TUserRow> & { passwordHash: string }): TUserRow {
  const name = input.name ?? personName(ctx).full;
  return {
    id: input.id ?? ctx.random.uuid(),
    email: (input.email ?? `${lower(name)}.${ctx.random.hex(4)}@example.test`).toLowerCase(),
    name,
    passwordHash: input.passwordHash,
    passwordChangedAt: input.passwordChangedAt ?? null,
    createdAt: input.createdAt ?? addDays(ctx.now, -ctx.random.int(30, 900)),
    lastSignInAt: input.lastSignInAt ?? null,
  };
}

export function buildMembership(
  ctx: TSeedContext,
  input: { organizationId: string; userId: string; role: TStaffRole; createdAt?: Date },
): TMembershipRow {
  return {
    id: ctx.random.uuid(),
    organization: input.organizationId,
    user: input.userId,
    role: input.role,
    createdAt: input.createdAt ?? addDays(ctx.now, -ctx.random.int(30, 900)),
  };
}

/** A staff member of a firm: the user and their membership. */
export function buildStaffMember(
  ctx: TSeedContext,
  input: { organizationId: string; role: TStaffRole; passwordHash: string; name?: string; email?: string },
): { user: TUserRow; membership: TMembershipRow } {
  const user = buildUser(ctx, { name: input.name, email: input.email, passwordHash: input.passwordHash });
  return {
    user,
    membership: buildMembership(ctx, {
      organizationId: input.organizationId,
      userId: user.id,
      role: input.role,
      createdAt: user.createdAt,
    }),
  };
}

// --- clients and contacts ------------------------------------------------------------------------------

export function buildProfile(ctx: TSeedContext, legalName: string): TClientProfile {
  const { random } = ctx;
  const place = random.pick(places);
  return {
    legalName,
    phone: fictionalPhone(ctx),
    addressLine1: `${random.int(2, 480)} ${random.pick(streets)}`,
    ...(random.chance(0.2) ? { addressLine2: `Unit ${random.int(1, 40)}` } : {}),
    city: place.city,
    state: place.state,
    postalCode: `${place.zip}${String(random.int(1, 99)).padStart(2, '0')}`,
    preferredContact: random.chance(0.75) ? 'email' : 'phone',
  };
}

export interface TClientInput {
  organizationId: string;
  kind?: TClientKind;
  status?: TClientStatus;
  displayName?: string;
  /** Default: a profile for active and inactive clients, none for prospects. */
  profile?: TClientProfile | null;
  createdAt?: Date;
}

export function buildClient(ctx: TSeedContext, input: TClientInput): TClientRow {
  const { random } = ctx;
  const kind = input.kind ?? (random.chance(0.6) ? 'individual' : 'business');
  const status =
    input.status ??
    random.weighted<TClientStatus>([
      ['active', 85],
      ['prospect', 5],
      ['inactive', 10],
    ]);
  const displayName = input.displayName ?? (kind === 'individual' ? personName(ctx).full : businessName(ctx));
  const createdAt =
    input.createdAt ??
    (status === 'prospect' ? addDays(ctx.now, -random.int(1, 20)) : addDays(ctx.now, -random.int(60, 2400)));
  const profile =
    input.profile !== undefined
      ? input.profile
      : status === 'prospect'
        ? null
        : buildProfile(ctx, displayName);
  const profileSubmittedAt = profile ? addDays(createdAt, random.int(1, 9)) : null;
  return {
    id: random.uuid(),
    organization: input.organizationId,
    kind,
    displayName,
    status,
    profile,
    taxId: null,
    taxIdHash: null,
    taxIdLast4: null,
    profileSubmittedAt,
    createdAt,
    updatedAt: latest(createdAt, profileSubmittedAt ?? createdAt),
  };
}

export function buildContact(
  ctx: TSeedContext,
  input: {
    organizationId: string;
    clientId: string;
    name?: string;
    email?: string;
    /** Appended to the generated address (`ben.chen.<tag>@example.test`) where names repeat. */
    emailTag?: string;
    portalAccess?: boolean;
    createdAt?: Date;
  },
): TContactRow {
  const name = input.name ?? personName(ctx).full;
  const tag = input.emailTag ? `.${input.emailTag}` : '';
  return {
    id: ctx.random.uuid(),
    organization: input.organizationId,
    client: input.clientId,
    name,
    email: (input.email ?? `${lower(name)}${tag}@example.test`).toLowerCase(),
    portalAccess: input.portalAccess ?? true,
    createdAt: input.createdAt ?? ctx.now,
  };
}

/**
 * A client with its contacts: an individual is their own contact (sometimes with a spouse); a
 * business has its owner and sometimes a bookkeeper, who has no portal access.
 */
export function buildClientWithContacts(
  ctx: TSeedContext,
  input: TClientInput & { emailTag?: string },
): { client: TClientRow; contacts: TContactRow[] } {
  const client = buildClient(ctx, input);
  const common = {
    organizationId: client.organization,
    clientId: client.id,
    emailTag: input.emailTag,
    createdAt: client.createdAt,
  };
  // A second person never has the first one's name (emails are unique per client).
  const another = (taken: string, make: () => string) => {
    let name = make();
    while (name === taken) name = make();
    return name;
  };
  const contacts: TContactRow[] = [];
  if (client.kind === 'individual') {
    contacts.push(buildContact(ctx, { ...common, name: client.displayName }));
    if (ctx.random.chance(0.25)) {
      const surname = client.displayName.split(' ').at(-1) ?? '';
      const spouse = another(client.displayName, () => `${ctx.random.pick(firstNames)} ${surname}`);
      contacts.push(buildContact(ctx, { ...common, name: spouse }));
    }
  } else {
    const owner = buildContact(ctx, common);
    contacts.push(owner);
    if (ctx.random.chance(0.35)) {
      const bookkeeper = another(owner.name, () => personName(ctx).full);
      contacts.push(buildContact(ctx, { ...common, name: bookkeeper, portalAccess: false }));
    }
  }
  return { client, contacts };
}

export function buildPortalLink(
  ctx: TSeedContext,
  input: { organizationId: string; contactId: string; tokenHash: string; purpose?: string; expiresAt?: Date },
): TPortalLinkRow {
  return {
    id: ctx.random.uuid(),
    organization: input.organizationId,
    contact: input.contactId,
    tokenHash: input.tokenHash,
    purpose: input.purpose ?? 'invitation',
    expiresAt: input.expiresAt ?? addDays(ctx.now, 7),
    createdAt: ctx.now,
    lastUsedAt: null,
  };
}

// --- engagements ---------------------------------------------------------------------------------------

export interface TEngagementInput {
  organizationId: string;
  client: Pick<TClientRow, 'id' | 'displayName' | 'kind' | 'createdAt'>;
  type: TEngagementType;
  /** Default: completed when `stage` is the type's last stage, active otherwise. */
  status?: TEngagementStatus;
  /** Default: the last stage when completed, otherwise a random active stage. */
  stage?: string;
  /** Tax return and document intake; default: the current tax year when active, the one before otherwise. */
  taxYear?: number;
  /** Monthly close, `yyyy-mm`; default: the previous month. */
  period?: string;
  preparerId?: string | null;
  reviewerId?: string | null;
  startedById?: string | null;
  /** Tax return: an extension was filed (extended due date October 15). Default: one in four. */
  extension?: boolean;
}

const monthNames = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

/** The business tax form of a business client, stable per client. */
function businessForm(clientId: string): string {
  return ['Form 1120-S', 'Form 1065', 'Form 1120'][parseInt(clientId.charAt(0), 16) % 3] ?? 'Form 1120-S';
}

function engagementTitle(input: TEngagementInput, taxYear: number | null, period: string | null): string {
  const name = input.client.displayName;
  switch (input.type) {
    case 'client_onboarding':
      return `Client onboarding: ${name}`;
    case 'tax_return':
      return `${taxYear} ${input.client.kind === 'individual' ? 'Form 1040' : businessForm(input.client.id)}: ${name}`;
    case 'document_intake':
      return `${taxYear} tax documents: ${name}`;
    case 'monthly_close': {
      const [year, month = 1] = (period ?? '').split('-').map(Number);
      return `${monthNames[month - 1]} ${year} close: ${name}`;
    }
  }
}

/** When an engagement of this type naturally starts, is due, and (if it ran its course) completes. */
function naturalSchedule(
  ctx: TSeedContext,
  input: TEngagementInput,
  taxYear: number | null,
  period: string | null,
  extension: boolean,
): { start: Date; dueAt: Date | null; extendedDueAt: Date | null; completeBy: Date } {
  const { random } = ctx;
  switch (input.type) {
    case 'client_onboarding': {
      // Like the onboarding workflow's own engagements, which have no due date.
      const start = input.client.createdAt;
      return {
        start,
        dueAt: null,
        extendedDueAt: null,
        completeBy: addDays(start, random.int(2, 10)),
      };
    }
    case 'document_intake': {
      const year = (taxYear ?? 0) + 1;
      const start = addDays(utc(year, 1, 6), random.int(0, 40));
      return {
        start,
        dueAt: addDays(start, 21),
        extendedDueAt: null,
        completeBy: addDays(start, random.int(5, 25)),
      };
    }
    case 'tax_return': {
      const year = (taxYear ?? 0) + 1;
      const start = addDays(utc(year, 1, 20), random.int(0, 45));
      const dueAt = utc(year, 4, 15, 4);
      const extendedDueAt = extension ? utc(year, 10, 15, 4) : null;
      const completeBy = between(addDays(start, 20), addDays(extendedDueAt ?? dueAt, -2), random.next());
      return { start, dueAt, extendedDueAt, completeBy };
    }
    case 'monthly_close': {
      const first = monthAfter(period ?? '2000-01');
      const start = addDays(first, random.int(0, 2));
      return {
        start,
        dueAt: addDays(first, 14),
        extendedDueAt: null,
        completeBy: addDays(start, random.int(4, 12)),
      };
    }
  }
}

export function buildEngagement(ctx: TSeedContext, input: TEngagementInput): TEngagementRow {
  const { random, now } = ctx;
  const flow = seedStageFlows[input.type];
  const last = flow.length - 1;
  const finalStage = flow[last]?.stage ?? '';
  const status: TEngagementStatus =
    input.status ?? (input.stage === undefined || input.stage !== finalStage ? 'active' : 'completed');
  const stage =
    input.stage ??
    (status === 'completed' ? finalStage : (flow[random.int(0, Math.max(0, last - 1))]?.stage ?? finalStage));
  const stageInfo = flow.find((s) => s.stage === stage);
  if (!stageInfo) throw new Error(`${input.type} has no stage "${stage}"`);
  if ((status === 'completed') !== (stage === finalStage)) {
    throw new Error(`a ${status} ${input.type} cannot be in stage "${stage}"`);
  }

  const usesTaxYear = input.type === 'tax_return' || input.type === 'document_intake';
  const taxYear = usesTaxYear
    ? (input.taxYear ?? (status === 'active' ? currentTaxYear(now) : currentTaxYear(now) - 1))
    : null;
  const period = input.type === 'monthly_close' ? (input.period ?? periodBefore(now, 1)) : null;
  const extension = input.type === 'tax_return' && (input.extension ?? random.chance(0.25));
  const natural = naturalSchedule(ctx, input, taxYear, period, extension);

  // Nothing has happened after `now`: an engagement that would naturally start later started recently.
  const recent = addDays(now, -random.int(2, 30));
  const createdAt = earliest(natural.start, recent);
  let updatedAt: Date;
  let completedAt: Date | null = null;
  if (status === 'completed') {
    completedAt = earliest(latest(natural.completeBy, addDays(createdAt, 1)), addDays(now, -1 / 24));
    updatedAt = completedAt;
  } else if (status === 'active') {
    updatedAt = between(createdAt, now, 0.3 + 0.7 * random.next());
  } else {
    updatedAt = earliest(between(createdAt, natural.completeBy, random.next()), now);
  }

  const preparerId = input.preparerId ?? null;
  return {
    id: random.uuid(),
    organization: input.organizationId,
    client: input.client.id,
    type: input.type,
    title: engagementTitle(input, taxYear, period),
    status,
    stage,
    progress: stageInfo.progress,
    waitingFor: status === 'active' ? stageInfo.waitingFor : null,
    // Seeded engagements have no running workflow: a `seed:` ID that no workflow will ever take.
    workflowId: `seed:${random.uuid()}`,
    runId: null,
    taxYear,
    period,
    dueAt: natural.dueAt,
    extendedDueAt: natural.extendedDueAt,
    preparer: preparerId,
    reviewer: input.reviewerId ?? null,
    startedBy: input.startedById !== undefined ? input.startedById : preparerId,
    createdAt,
    updatedAt,
    completedAt,
  };
}

/** Where an engagement is in its flow: the index of its stage. */
function stageIndex(engagement: Pick<TEngagementRow, 'type' | 'stage'>): number {
  return seedStageFlows[engagement.type].findIndex((s) => s.stage === engagement.stage);
}

/**
 * The timeline of an engagement: one event per stage it has reached, from its creation to its last
 * update, keyed like the workflows key theirs (`<workflowId>:<n>`).
 */
export function buildEngagementEvents(ctx: TSeedContext, engagement: TEngagementRow): TEngagementEventRow[] {
  const flow = seedStageFlows[engagement.type];
  const reached = flow.slice(0, stageIndex(engagement) + 1);
  const events = reached.map((stage, index) => ({
    id: ctx.random.uuid(),
    organization: engagement.organization,
    engagement: engagement.id,
    key: `${engagement.workflowId}:${index + 1}`,
    kind: stage.event.kind,
    stage: stage.stage,
    message: stage.event.message,
    occurredAt:
      reached.length === 1
        ? engagement.createdAt
        : between(engagement.createdAt, engagement.updatedAt, index / (reached.length - 1)),
  }));
  if (engagement.status === 'cancelled' || engagement.status === 'failed') {
    events.push({
      id: ctx.random.uuid(),
      organization: engagement.organization,
      engagement: engagement.id,
      key: `${engagement.workflowId}:${events.length + 1}`,
      kind: engagement.status,
      stage: engagement.stage,
      message: engagement.status === 'cancelled' ? 'Engagement cancelled by staff' : 'Engagement failed',
      occurredAt: engagement.updatedAt,
    });
  }
  return events;
}

// --- tasks ---------------------------------------------------------------------------------------------

interface TTaskTemplate {
  /** The stage (index in the flow) in which this task is opened. */
  stage: number;
  kind: TTaskKind;
  assignee: 'preparer' | 'reviewer';
  title: (e: TEngagementRow, client: string) => string;
}

const when = (e: TEngagementRow) => (e.taxYear !== null ? String(e.taxYear) : (e.period ?? ''));

const taskTemplates: Record<TEngagementType, TTaskTemplate[]> = {
  client_onboarding: [
    {
      stage: 0,
      kind: 'general',
      assignee: 'preparer',
      title: (_, c) => `Send the engagement letter to ${c}`,
    },
    {
      stage: 2,
      kind: 'follow_up',
      assignee: 'preparer',
      title: () => 'Follow up: client has not completed their portal profile',
    },
    {
      stage: 3,
      kind: 'general',
      assignee: 'preparer',
      title: (_, c) => `Set up recurring services for ${c}`,
    },
  ],
  document_intake: [
    {
      stage: 0,
      kind: 'follow_up',
      assignee: 'preparer',
      title: (e, c) => `Chase ${when(e)} tax documents from ${c}`,
    },
    {
      stage: 1,
      kind: 'general',
      assignee: 'preparer',
      title: (_, c) => `Check that ${c}’s uploads were classified`,
    },
    {
      stage: 2,
      kind: 'review',
      assignee: 'reviewer',
      title: (_, c) => `Review low-confidence fields in ${c}’s documents`,
    },
  ],
  tax_return: [
    {
      stage: 0,
      kind: 'follow_up',
      assignee: 'preparer',
      title: (e, c) => `Chase missing ${when(e)} documents from ${c}`,
    },
    { stage: 1, kind: 'preparation', assignee: 'preparer', title: (e) => `Prepare ${e.title}` },
    { stage: 2, kind: 'review', assignee: 'reviewer', title: (e) => `Review ${e.title}` },
    {
      stage: 3,
      kind: 'follow_up',
      assignee: 'preparer',
      title: (e, c) => `Remind ${c} to approve and sign the ${when(e)} e-file authorization`,
    },
    {
      stage: 4,
      kind: 'general',
      assignee: 'preparer',
      title: (e, c) => `Confirm payment of ${c}’s ${when(e)} invoice`,
    },
    { stage: 5, kind: 'general', assignee: 'preparer', title: (e) => `Check IRS acceptance: ${e.title}` },
  ],
  monthly_close: [
    {
      stage: 0,
      kind: 'general',
      assignee: 'preparer',
      title: (_, c) => `Check the QuickBooks connection for ${c}`,
    },
    {
      stage: 1,
      kind: 'follow_up',
      assignee: 'preparer',
      title: (e, c) => `Chase answers on uncategorized ${when(e)} transactions from ${c}`,
    },
    {
      stage: 2,
      kind: 'preparation',
      assignee: 'preparer',
      title: (e, c) => `Reconcile ${c}’s ${when(e)} bank statement`,
    },
    {
      stage: 3,
      kind: 'review',
      assignee: 'reviewer',
      title: (e, c) => `Review the ${when(e)} close report for ${c}`,
    },
  ],
};

export function buildTask(
  ctx: TSeedContext,
  input: Partial<Omit<TTaskRow, 'organization'>> & { organizationId: string },
): TTaskRow {
  const { random, now } = ctx;
  const status = input.status ?? 'open';
  const createdAt = input.createdAt ?? addDays(now, -random.int(1, 20));
  const dueAt = input.dueAt !== undefined ? input.dueAt : addDays(createdAt, random.int(3, 14));
  return {
    id: input.id ?? random.uuid(),
    organization: input.organizationId,
    key: input.key ?? null,
    engagement: input.engagement ?? null,
    client: input.client ?? null,
    title: input.title ?? 'Call the client back',
    details: input.details ?? null,
    kind: input.kind ?? 'general',
    status,
    assignee: input.assignee ?? null,
    dueAt,
    createdAt,
    completedAt:
      input.completedAt !== undefined
        ? input.completedAt
        : status === 'done'
          ? earliest(between(createdAt, dueAt ?? now, random.next()), now)
          : null,
  };
}

/**
 * `count` tasks of an engagement, from its type's templates. A finished engagement's tasks are done
 * (cancelled ones for a cancelled engagement); an active one's are done for the stages it has passed
 * and open for its current stage, due in the coming weeks or, with probability `overdueShare`, overdue.
 */
export function buildEngagementTasks(
  ctx: TSeedContext,
  engagement: TEngagementRow,
  input: { count: number; clientName: string; overdueShare?: number },
): TTaskRow[] {
  const { random, now } = ctx;
  const current = stageIndex(engagement);
  const all = taskTemplates[engagement.type];
  const active = engagement.status === 'active';
  const candidates = active ? all.filter((t) => t.stage <= current) : all;
  const templates = candidates.length > 0 ? candidates : all;
  const end = engagement.completedAt ?? engagement.updatedAt;
  const tasks: TTaskRow[] = [];
  for (let i = 0; i < input.count; i += 1) {
    const template = templates[i % templates.length];
    if (!template) break;
    const open = active && template.stage >= current;
    const createdAt = open
      ? engagement.updatedAt
      : between(engagement.createdAt, end, (i + random.next()) / Math.max(1, input.count));
    let status: TTaskStatus = 'done';
    if (open) status = 'open';
    else if (engagement.status === 'cancelled' && random.chance(0.5)) status = 'cancelled';
    const dueAt = open
      ? random.chance(input.overdueShare ?? 0.2)
        ? addDays(now, -random.int(1, 10) - random.next())
        : addDays(now, random.int(2, 21) + random.next())
      : addDays(createdAt, random.int(3, 10));
    tasks.push(
      buildTask(ctx, {
        organizationId: engagement.organization,
        key: `${engagement.workflowId}:task:${i + 1}`,
        engagement: engagement.id,
        client: engagement.client,
        title: template.title(engagement, input.clientName),
        details: null,
        kind: template.kind,
        status,
        assignee: template.assignee === 'reviewer' ? engagement.reviewer : engagement.preparer,
        dueAt,
        createdAt,
        completedAt: status === 'done' ? earliest(between(createdAt, end, random.next()), now) : null,
      }),
    );
  }
  return tasks;
}

// --- documents -----------------------------------------------------------------------------------------

export function buildDocumentRequest(
  ctx: TSeedContext,
  input: Partial<Omit<TDocumentRequestRow, 'organization' | 'engagement' | 'label'>> & {
    organizationId: string;
    engagementId: string;
    label?: string;
    /** The tax year or period the label names. */
    when?: string;
  },
): TDocumentRequestRow {
  const category = input.category ?? 'w2';
  const createdAt = input.createdAt ?? addDays(ctx.now, -ctx.random.int(1, 30));
  return {
    id: input.id ?? ctx.random.uuid(),
    organization: input.organizationId,
    engagement: input.engagementId,
    category,
    label:
      input.label ??
      documentKinds[category]?.label(input.when ?? String(currentTaxYear(ctx.now))) ??
      category,
    required: input.required ?? true,
    status: input.status ?? 'open',
    note: input.note ?? null,
    createdAt,
    updatedAt: input.updatedAt ?? createdAt,
  };
}

const mediaTypes: readonly (readonly [{ type: string; ext: string; min: number; max: number }, number])[] = [
  [{ type: 'application/pdf', ext: 'pdf', min: 60_000, max: 2_400_000 }, 70],
  [{ type: 'image/jpeg', ext: 'jpg', min: 300_000, max: 4_200_000 }, 20],
  [{ type: 'image/png', ext: 'png', min: 200_000, max: 3_000_000 }, 7],
  [{ type: 'image/heic', ext: 'heic', min: 400_000, max: 2_800_000 }, 3],
];

export interface TDocumentInput {
  organizationId: string;
  clientId: string;
  engagementId?: string | null;
  requestId?: string | null;
  category?: string;
  /** The tax year or period the document is for. */
  when?: string;
  ocrStatus?: TOcrStatus;
  reviewStatus?: TDocumentReviewStatus;
  reviewerId?: string | null;
  uploadedByContactId?: string | null;
  createdAt?: Date;
}

/** An uploaded document. The blob key is `org/<orgId>/doc/<documentId>`: never a client's name. */
export function buildDocument(ctx: TSeedContext, input: TDocumentInput): TDocumentRow {
  const { random } = ctx;
  const id = random.uuid();
  const category = input.category ?? 'w2';
  const when = input.when ?? String(currentTaxYear(ctx.now));
  const media = random.weighted(mediaTypes);
  const ocrStatus =
    input.ocrStatus ??
    random.weighted<TOcrStatus>([
      ['extracted', 70],
      ['needs_review', 15],
      ['processing', 5],
      ['pending', 5],
      ['failed', 5],
    ]);
  const read = ocrStatus === 'extracted' || ocrStatus === 'needs_review';
  const reviewStatus =
    input.reviewStatus ??
    (ocrStatus === 'extracted' ? 'accepted' : ocrStatus === 'failed' ? 'rejected' : 'pending');
  const createdAt = input.createdAt ?? addDays(ctx.now, -random.int(1, 60));
  const reviewed = reviewStatus !== 'pending';
  const stem = documentKinds[category]?.fileStem(when) ?? category;
  return {
    id,
    organization: input.organizationId,
    client: input.clientId,
    engagement: input.engagementId ?? null,
    request: input.requestId ?? null,
    blobKey: `org/${input.organizationId}/doc/${id}`,
    sha256: createHash('sha256').update(`seed-document:${id}`).digest('hex'),
    sizeBytes: random.int(media.min, media.max),
    mediaType: media.type,
    originalFileName:
      media.ext === 'pdf' ? `${stem}.pdf` : `IMG_${String(random.int(1000, 9999))}.${media.ext}`,
    category,
    ocrStatus,
    extractedFields: read ? extractedFieldsFor(random, category, when, ocrStatus === 'needs_review') : null,
    reviewStatus,
    reviewer: reviewed ? (input.reviewerId ?? null) : null,
    reviewedAt: reviewed ? earliest(addDays(createdAt, random.int(0, 3) + random.next()), ctx.now) : null,
    uploadedByContact: input.uploadedByContactId ?? null,
    createdAt,
  };
}

/**
 * `count` documents of an engagement, each answering its own checklist request, plus open requests
 * still waiting for an upload while an engagement is at its first stage.
 */
export function buildEngagementDocuments(
  ctx: TSeedContext,
  engagement: TEngagementRow,
  input: { count: number; clientKind: TClientKind; contactId: string | null },
): { requests: TDocumentRequestRow[]; documents: TDocumentRow[] } {
  const { random } = ctx;
  const categories = documentCategoriesFor(engagement.type, input.clientKind);
  const period = when(engagement) || String(engagement.createdAt.getUTCFullYear());
  const current = stageIndex(engagement);
  const active = engagement.status === 'active';
  const requests: TDocumentRequestRow[] = [];
  const documents: TDocumentRow[] = [];
  for (let i = 0; i < input.count; i += 1) {
    const category = categories[i % categories.length] ?? 'w2';
    const createdAt = between(
      engagement.createdAt,
      active ? engagement.updatedAt : (engagement.completedAt ?? engagement.updatedAt),
      (i + random.next()) / (input.count + 1),
    );
    const ocrStatus: TOcrStatus | undefined = !active
      ? 'extracted'
      : current === 0
        ? random.pick<TOcrStatus>(['pending', 'processing', 'extracted'])
        : undefined;
    const request = buildDocumentRequest(ctx, {
      organizationId: engagement.organization,
      engagementId: engagement.id,
      category,
      when: period,
      createdAt: engagement.createdAt,
    });
    const document = buildDocument(ctx, {
      organizationId: engagement.organization,
      clientId: engagement.client,
      engagementId: engagement.id,
      requestId: request.id,
      category,
      when: period,
      ocrStatus,
      reviewerId: engagement.reviewer ?? engagement.preparer,
      uploadedByContactId: random.chance(0.85) ? input.contactId : null,
      createdAt,
    });
    const requestStatus: TDocumentRequestStatus =
      document.reviewStatus === 'accepted'
        ? 'accepted'
        : document.reviewStatus === 'rejected'
          ? 'rejected'
          : 'received';
    requests.push({
      ...request,
      status: requestStatus,
      updatedAt: document.reviewedAt ?? document.createdAt,
    });
    documents.push(document);
  }
  if (active && current === 0) {
    const missing = categories.slice(input.count % categories.length).slice(0, random.int(1, 2));
    for (const category of missing) {
      requests.push(
        buildDocumentRequest(ctx, {
          organizationId: engagement.organization,
          engagementId: engagement.id,
          category,
          when: period,
          status: 'open',
          required: category !== 'prior-year-return',
          createdAt: engagement.createdAt,
        }),
      );
    }
  }
  return { requests, documents };
}

// --- billing -------------------------------------------------------------------------------------------

export function buildInvoice(
  ctx: TSeedContext,
  input: Partial<Omit<TInvoiceRow, 'organization' | 'client'>> & { organizationId: string; clientId: string },
): TInvoiceRow {
  const { random, now } = ctx;
  const status: TInvoiceStatus = input.status ?? 'open';
  const createdAt = input.createdAt ?? addDays(now, -random.int(1, 60));
  const amountDueMinor = input.amountDueMinor ?? random.int(18, 72) * 2_500;
  const sent = status !== 'draft';
  const stripeInvoiceId =
    input.stripeInvoiceId !== undefined ? input.stripeInvoiceId : sent ? `in_seed_${random.hex(20)}` : null;
  const paidAt =
    input.paidAt !== undefined
      ? input.paidAt
      : status === 'paid'
        ? earliest(addDays(createdAt, random.int(0, 20) + random.next()), now)
        : null;
  return {
    id: input.id ?? random.uuid(),
    organization: input.organizationId,
    client: input.clientId,
    engagement: input.engagement ?? null,
    number:
      input.number ??
      `INV-${createdAt.getUTCFullYear()}-${String(ctx.nextNumber('invoice')).padStart(5, '0')}`,
    description: input.description ?? 'Professional services',
    stripeCustomerId:
      input.stripeCustomerId !== undefined
        ? input.stripeCustomerId
        : `cus_seed_${input.clientId.replaceAll('-', '').slice(0, 14)}`,
    stripeInvoiceId,
    amountDueMinor,
    amountPaidMinor: input.amountPaidMinor ?? (status === 'paid' ? amountDueMinor : 0),
    currency: input.currency ?? 'usd',
    status,
    dueAt: input.dueAt !== undefined ? input.dueAt : addDays(createdAt, 30),
    hostedUrl:
      input.hostedUrl !== undefined
        ? input.hostedUrl
        : stripeInvoiceId
          ? `https://pay.example.test/invoice/${stripeInvoiceId}`
          : null,
    createdAt,
    paidAt,
  };
}

/** The payment that settled a paid invoice. */
export function buildPayment(ctx: TSeedContext, invoice: TInvoiceRow): TPaymentRow {
  return {
    id: ctx.random.uuid(),
    organization: invoice.organization,
    invoice: invoice.id,
    stripePaymentIntentId: `pi_seed_${ctx.random.hex(20)}`,
    amountMinor: invoice.amountPaidMinor || invoice.amountDueMinor,
    currency: invoice.currency,
    status: 'succeeded',
    paidAt: invoice.paidAt ?? invoice.createdAt,
  };
}

/** The fee an engagement is billed, in cents. */
function feeFor(ctx: TSeedContext, engagement: TEngagementRow, kind: TClientKind): number {
  const { random } = ctx;
  switch (engagement.type) {
    case 'tax_return':
      return kind === 'individual' ? random.int(18, 72) * 2_500 : random.int(60, 240) * 2_500;
    case 'monthly_close':
      return random.int(14, 48) * 2_500;
    case 'client_onboarding':
      return 50_000;
    case 'document_intake':
      return 0;
  }
}

/**
 * The invoice of an engagement, if it has reached billing: a tax return from its invoicing stage
 * (open while invoicing, paid once filing), every completed monthly close, some onboarding retainers.
 * A cancelled engagement's invoice is void.
 */
export function buildEngagementInvoice(
  ctx: TSeedContext,
  engagement: TEngagementRow,
  clientKind: TClientKind,
): { invoices: TInvoiceRow[]; payments: TPaymentRow[] } {
  const { random } = ctx;
  const current = stageIndex(engagement);
  let status: TInvoiceStatus | null = null;
  switch (engagement.type) {
    case 'tax_return':
      if (current >= 4) status = engagement.stage === 'invoicing' ? 'open' : 'paid';
      else if (engagement.status === 'cancelled' && current >= 2) status = 'void';
      break;
    case 'monthly_close':
      if (engagement.status === 'completed') status = 'paid';
      break;
    case 'client_onboarding':
      if (engagement.status === 'completed' && random.chance(0.3)) status = 'paid';
      break;
    case 'document_intake':
      break;
  }
  if (!status) return { invoices: [], payments: [] };
  const createdAt = earliest(
    between(engagement.createdAt, engagement.completedAt ?? engagement.updatedAt, 0.8),
    engagement.updatedAt,
  );
  const invoice = buildInvoice(ctx, {
    organizationId: engagement.organization,
    clientId: engagement.client,
    engagement: engagement.id,
    description:
      engagement.type === 'client_onboarding' ? 'Onboarding retainer' : engagement.title.split(':')[0],
    status,
    amountDueMinor: feeFor(ctx, engagement, clientKind),
    createdAt,
    paidAt:
      status === 'paid'
        ? earliest(
            addDays(createdAt, random.int(0, 12) + random.next()),
            engagement.completedAt ?? ctx.now,
            ctx.now,
          )
        : null,
  });
  return { invoices: [invoice], payments: status === 'paid' ? [buildPayment(ctx, invoice)] : [] };
}

// --- a whole engagement --------------------------------------------------------------------------------

export interface TEngagementBundleInput extends TEngagementInput {
  client: Pick<TClientRow, 'id' | 'displayName' | 'kind' | 'createdAt'>;
  /** The contact who uploads the client's documents. */
  contactId: string | null;
  tasks: number;
  documents: number;
  /** Share of open tasks that are overdue (default 0.2). */
  overdueShare?: number;
}

/** An engagement with its timeline, tasks, document checklist and uploads, and its invoice. */
export function buildEngagementBundle(
  ctx: TSeedContext,
  input: TEngagementBundleInput,
): Pick<
  TSeedRows,
  'engagements' | 'engagementEvents' | 'tasks' | 'documentRequests' | 'documents' | 'invoices' | 'payments'
> {
  const engagement = buildEngagement(ctx, input);
  const { requests, documents } = buildEngagementDocuments(ctx, engagement, {
    count: input.documents,
    clientKind: input.client.kind,
    contactId: input.contactId,
  });
  const { invoices, payments } = buildEngagementInvoice(ctx, engagement, input.client.kind);
  return {
    engagements: [engagement],
    engagementEvents: buildEngagementEvents(ctx, engagement),
    tasks: buildEngagementTasks(ctx, engagement, {
      count: input.tasks,
      clientName: input.client.displayName,
      overdueShare: input.overdueShare,
    }),
    documentRequests: requests,
    documents,
    invoices,
    payments,
  };
}

// --- persisted helpers for tests -----------------------------------------------------------------------

/** Factories for tests: a reproducible sequence per process, distinct on every call. */
const testContext = seedContext('test-factories');

/** Creates a firm (flushed). */
export async function createFirm(
  em: EntityManager,
  overrides: { name?: string; slug?: string; settings?: Partial<TOrganizationSettings> } = {},
): Promise<IOrganization> {
  const row = buildFirm(testContext, {
    createdAt: new Date(),
    ...(overrides.name ? { name: overrides.name } : {}),
    ...(overrides.slug ? { slug: overrides.slug } : {}),
    settings: { ...defaultOrganizationSettings, ...overrides.settings },
  });
  if (!overrides.slug && overrides.name)
    row.slug = `${lower(overrides.name).replaceAll('.', '-')}-${testContext.random.hex(6)}`;
  const firm = em.create(Organization, row);
  await em.flush();
  return firm;
}

/** Creates a staff member of a firm with a real password hash (flushed). */
export async function createStaffMember(
  em: EntityManager,
  firm: IOrganization,
  overrides: { role?: TStaffRole; name?: string; email?: string; password?: string } = {},
): Promise<IUser> {
  const suffix = testContext.random.hex(8);
  const { user, membership } = buildStaffMember(testContext, {
    organizationId: firm.id,
    role: overrides.role ?? 'preparer',
    name: overrides.name ?? `Staff ${suffix}`,
    email: overrides.email ?? `staff-${suffix}@example.test`,
    passwordHash: await hashPassword(overrides.password ?? `password-${suffix}`),
  });
  const created = em.create(User, { ...user, createdAt: new Date() });
  em.create(Membership, { ...membership, createdAt: new Date() });
  await em.flush();
  return created;
}
