import type { EntityManager } from '@mikro-orm/postgresql';
import { hashPassword } from '../../lib/passwords';
import { SensitiveString } from '../../lib/crypto/sensitive-string';
import { TotpFactor } from '../auth/totp-factor.entity';
import type { TClientKind, TClientStatus } from '../clients/client.entity';
import type { TEngagementType } from '../engagements/engagement.entity';
import { Organization, defaultOrganizationSettings } from '../organizations/organization.entity';
import { hashPortalToken } from '../portal/issue-portal-link';
import { Membership, type TStaffRole } from '../users/membership.entity';
import { addDays, currentTaxYear, periodBefore } from './dates';
import { demoFirm, demoLogins, demoPortalToken, demoStaffPassword, demoTotpSecret } from './demo-logins';
import {
  businessName,
  buildClientWithContacts,
  buildContact,
  buildClient,
  buildEngagementBundle,
  buildFirm,
  buildPortalLink,
  buildProfile,
  buildStaffMember,
  personName,
  seedContext,
  type TSeedContext,
} from './factories';
import { persistSeedRows } from './persist-rows';
import { appendSeedRows, emptySeedRows, type TSeedRows } from './rows';
import { activeStages, finalStage } from './stages';

/** The demo logins first (their names are what the README and the login page show), then more staff. */
const staff: { role: TStaffRole; name: string; email?: string }[] = [
  { role: 'owner', name: 'Olivia Owner' },
  { role: 'admin', name: 'Adam Admin' },
  { role: 'manager', name: 'Maya Manager' },
  { role: 'preparer', name: 'Pete Preparer' },
  { role: 'reviewer', name: 'Rita Reviewer' },
  { role: 'preparer', name: 'Sam Ortiz', email: 'sam.ortiz@harborview.test' },
  { role: 'preparer', name: 'Lena Brooks', email: 'lena.brooks@harborview.test' },
  { role: 'reviewer', name: 'Victor Hale', email: 'victor.hale@harborview.test' },
];

/** Who the firm's clients are, in order: kind and status of each generated client (Ava Thompson aside). */
const clientPlan: { kind: TClientKind; status: TClientStatus }[] = [
  ...(['individual', 'business', 'individual', 'business', 'individual', 'individual'] as const).map(
    (kind) => ({
      kind,
      status: 'prospect' as const,
    }),
  ),
  ...Array.from({ length: 32 }, (_, i) => ({
    kind: i % 5 === 1 || i % 5 === 3 ? ('business' as const) : ('individual' as const),
    status: 'active' as const,
  })),
  ...(['individual', 'business', 'individual', 'individual', 'business', 'individual'] as const).map(
    (kind) => ({
      kind,
      status: 'inactive' as const,
    }),
  ),
];

/**
 * Seeds the demo firm: one login per staff role (see demo-logins.ts) plus more staff, 44 clients
 * (individuals and businesses; prospects, active and inactive) with contacts, and engagements of every
 * type in every stage, with timelines, tasks (a handful overdue), document checklists and uploads, and
 * invoices with payments. Most past-year engagements are completed. Seeded engagements have no running
 * workflow: their workflow IDs are `seed:<uuid>` and their run IDs null.
 *
 * Reproducible: the same `now` gives the same data. Idempotent: does nothing when the firm exists.
 * Refuses to run in production.
 */
export async function seedDemoFirm(
  em: EntityManager,
  options: { now?: Date } = {},
): Promise<{ created: boolean; firmName: string }> {
  if (process.env.NODE_ENV === 'production') {
    throw new Error('The demo seed never runs in production.');
  }
  return em.transactional(async (tx) => {
    const existing = await tx.findOne(Organization, { slug: demoFirm.slug });
    if (existing) {
      await addMissingDemoAuthenticators(tx, existing.id);
      return { created: false, firmName: demoFirm.name };
    }
    const passwordHash = await hashPassword(demoStaffPassword);
    const now = options.now ?? new Date();
    const rows = buildDemoFirm(seedContext('harborview-demo', now), passwordHash);
    persistSeedRows(tx, rows);
    // Staff sign in with a second factor: each demo staff member has an authenticator already set up,
    // with a secret derived from their email (demo-logins.ts prints them).
    for (const user of rows.users) {
      tx.create(TotpFactor, {
        user: user.id,
        secret: new SensitiveString(demoTotpSecret(user.email)),
        createdAt: user.createdAt,
        confirmedAt: user.createdAt,
        lastUsedStep: null,
      });
    }
    return { created: true, firmName: demoFirm.name };
  });
}

/** A demo firm seeded before staff needed a second factor: its staff get their demo authenticators. */
async function addMissingDemoAuthenticators(em: EntityManager, organizationId: string): Promise<void> {
  const memberships = await em.find(Membership, { organization: organizationId }, { populate: ['user'] });
  const users = memberships.map((membership) => membership.user);
  const withFactor = new Set(
    (await em.find(TotpFactor, { user: { $in: users.map((user) => user.id) } })).map((f) => f.user.id),
  );
  for (const user of users) {
    if (withFactor.has(user.id)) continue;
    em.create(TotpFactor, {
      user: user.id,
      secret: new SensitiveString(demoTotpSecret(user.email)),
      confirmedAt: new Date(),
      lastUsedStep: null,
    });
  }
}

interface TDemoStaff {
  preparers: string[];
  reviewers: string[];
  managerId: string;
}

function buildDemoFirm(ctx: TSeedContext, passwordHash: string): TSeedRows {
  const { now } = ctx;
  const rows = emptySeedRows();
  const firm = buildFirm(ctx, {
    name: demoFirm.name,
    slug: demoFirm.slug,
    plan: 'standard',
    settings: defaultOrganizationSettings,
    createdAt: addDays(now, -1460),
  });
  rows.organizations.push(firm);

  const team: TDemoStaff = { preparers: [], reviewers: [], managerId: '' };
  for (const member of staff) {
    const email = member.email ?? demoLogins.find((l) => l.role === member.role)?.email;
    if (!email) continue;
    const { user, membership } = buildStaffMember(ctx, {
      organizationId: firm.id,
      role: member.role,
      name: member.name,
      email,
      passwordHash,
    });
    rows.users.push(user);
    rows.memberships.push(membership);
    if (member.role === 'preparer') team.preparers.push(user.id);
    if (member.role === 'reviewer') team.reviewers.push(user.id);
    if (member.role === 'manager') team.managerId = user.id;
  }

  // Ava Thompson: the portal demo client. Her portal link opens with the fixed demo token; she has no
  // onboarding under way, only this year's document checklist.
  const ava = buildClient(ctx, {
    organizationId: firm.id,
    kind: 'individual',
    status: 'active',
    displayName: 'Ava Thompson',
    profile: null,
    createdAt: addDays(now, -400),
  });
  const avaContact = buildContact(ctx, {
    organizationId: firm.id,
    clientId: ava.id,
    name: 'Ava Thompson',
    email: 'ava.client@example.test',
    createdAt: ava.createdAt,
  });
  rows.clients.push(ava);
  rows.contacts.push(avaContact);
  rows.portalLinks.push(
    buildPortalLink(ctx, {
      organizationId: firm.id,
      contactId: avaContact.id,
      tokenHash: hashPortalToken(demoPortalToken),
      purpose: 'demo',
      expiresAt: new Date(Date.UTC(2099, 0, 1)),
    }),
  );
  appendSeedRows(
    rows,
    buildEngagementBundle(ctx, {
      organizationId: firm.id,
      client: ava,
      contactId: avaContact.id,
      type: 'document_intake',
      stage: 'requested',
      preparerId: team.preparers[0],
      reviewerId: team.reviewers[0],
      tasks: 1,
      documents: 0,
      overdueShare: 0,
    }),
  );

  const taken = new Set(['Ava Thompson']);
  const uniqueName = (kind: TClientKind) => {
    for (;;) {
      const name = kind === 'individual' ? personName(ctx).full : businessName(ctx);
      if (!taken.has(name)) {
        taken.add(name);
        return name;
      }
    }
  };

  // Cycling through each type's stages over the clients puts every stage on the board, several times.
  const cycles: Record<TEngagementType, string[]> = {
    client_onboarding: ['creating_client', 'inviting', 'awaiting_profile', 'profile_received'],
    tax_return: [...activeStages('tax_return'), finalStage('tax_return')],
    document_intake: [...activeStages('document_intake'), finalStage('document_intake')],
    monthly_close: [...activeStages('monthly_close'), finalStage('monthly_close')],
  };
  const turn: Record<TEngagementType, number> = {
    client_onboarding: 0,
    tax_return: 0,
    document_intake: 0,
    monthly_close: 0,
  };
  const nextStage = (type: TEngagementType) => {
    const stages = cycles[type];
    const stage = stages[turn[type] % stages.length] ?? finalStage(type);
    turn[type] += 1;
    return stage;
  };

  const taxYear = currentTaxYear(now);
  clientPlan.forEach((plan, index) => {
    const displayName = uniqueName(plan.kind);
    const onboardingStage = plan.status === 'prospect' ? nextStage('client_onboarding') : 'completed';
    const { client, contacts } = buildClientWithContacts(ctx, {
      organizationId: firm.id,
      kind: plan.kind,
      status: plan.status,
      displayName,
      // A prospect whose profile has arrived has one; other prospects do not yet.
      ...(plan.status === 'prospect'
        ? { profile: onboardingStage === 'profile_received' ? buildProfile(ctx, displayName) : null }
        : {}),
    });
    rows.clients.push(client);
    rows.contacts.push(...contacts);

    const people = {
      preparerId: team.preparers[index % team.preparers.length] ?? null,
      reviewerId: team.reviewers[index % team.reviewers.length] ?? null,
    };
    const add = (input: {
      type: TEngagementType;
      stage: string;
      status?: 'cancelled';
      taxYear?: number;
      period?: string;
      tasks: number;
      documents: number;
    }) =>
      appendSeedRows(
        rows,
        buildEngagementBundle(ctx, {
          organizationId: firm.id,
          client,
          contactId: contacts[0]?.id ?? null,
          ...people,
          startedById: input.type === 'client_onboarding' ? team.managerId : people.preparerId,
          overdueShare: 0,
          ...input,
        }),
      );

    add({ type: 'client_onboarding', stage: onboardingStage, tasks: 1, documents: index % 2 });
    if (plan.status === 'prospect') return;

    if (plan.status === 'inactive') {
      // Former clients: returns from a few years back, and one return abandoned half-way.
      for (const year of [taxYear - 3, taxYear - 2]) {
        add({ type: 'tax_return', stage: 'done', taxYear: year, tasks: 2, documents: 2 });
      }
      if (index % 2 === 0) {
        add({
          type: 'tax_return',
          stage: 'review',
          status: 'cancelled',
          taxYear: taxYear - 1,
          tasks: 2,
          documents: 1,
        });
      }
      return;
    }

    for (const year of [taxYear - 2, taxYear - 1]) {
      add({ type: 'tax_return', stage: 'done', taxYear: year, tasks: 2, documents: 3 });
    }
    add({ type: 'tax_return', stage: nextStage('tax_return'), taxYear, tasks: 3, documents: 3 });
    if (plan.kind === 'individual' && index % 3 === 0) {
      add({ type: 'document_intake', stage: nextStage('document_intake'), taxYear, tasks: 2, documents: 2 });
    }
    if (plan.kind === 'business') {
      for (let back = 6; back >= 2; back -= 1) {
        add({
          type: 'monthly_close',
          stage: 'closed',
          period: periodBefore(now, back),
          tasks: 1,
          documents: 1,
        });
      }
      add({
        type: 'monthly_close',
        stage: nextStage('monthly_close'),
        period: periodBefore(now, 1),
        tasks: 2,
        documents: 2,
      });
    }
  });

  // A handful of overdue tasks, so the task list and dashboard show what that looks like.
  const open = rows.tasks.filter((task) => task.status === 'open');
  const step = Math.max(1, Math.floor(open.length / 5));
  for (let i = 0; i < 5; i += 1) {
    const task = open[i * step];
    if (task) task.dueAt = addDays(now, -1 - i * 1.5);
  }
  return rows;
}
