/**
 * Rows for the access tests, added to a test platform's database next to the demo firm: a second firm
 * with its own client, engagement, task, document and invoice (cross-firm attempts); in the demo firm,
 * the portal client Ava with a document and an invoice of her own, another client with the same
 * (cross-client attempts), and engagements assigned and not assigned to the demo preparer Pete.
 */
import type { Orm } from '../../../db/orm';
import {
  buildClient,
  buildContact,
  buildDocument,
  buildEngagement,
  buildFirm,
  buildInvoice,
  buildTask,
  seedContext,
  type TEngagementInput,
} from '../../../db/seed/factories';
import { persistSeedRows } from '../../../db/seed/persist-rows';
import { emptySeedRows, type TSeedRows } from '../../../db/seed/rows';
import { Client } from '../../../db/clients/client.entity';
import { Contact } from '../../../db/clients/contact.entity';
import { Engagement } from '../../../db/engagements/engagement.entity';
import { demoLogins } from '../../../db/seed/demo-logins';
import { issuePortalLink } from '../../../db/portal/issue-portal-link';
import { forSystem, forTenant } from '../../../db/tenancy/tenant-context';
import { User } from '../../../db/users/user.entity';
import { locationOf, type HttpSession } from './http-session';

/** One client's things, by ID. */
export interface TClientThings {
  clientId: string;
  contactId: string;
  contactEmail: string;
  engagementId: string;
  documentId: string;
  invoiceId: string;
  /** An open task on the engagement. */
  taskId: string;
  /** A task on the engagement that is already done (completing it again is a 409 for whoever may). */
  doneTaskId: string;
  /** A tax return engagement of the same client, with the same people. */
  taxReturnId: string;
  /** A monthly close engagement of the same client, with the same people. */
  closeId: string;
  /** A client onboarding engagement of the same client, with the same people. */
  onboardingId: string;
}

export interface TAccessFixtures {
  demoFirmId: string;
  otherFirmId: string;
  /** Another firm's client. */
  otherFirm: TClientThings;
  /** The demo portal client (Ava Thompson), with things of her own. */
  ava: TClientThings;
  /** Another client of the demo firm, on an engagement assigned to Pete the preparer. */
  petes: TClientThings;
  /** Another client of the demo firm, nobody's engagement Pete is on. */
  notPetes: TClientThings;
  peteUserId: string;
}

function clientThings(
  rows: TSeedRows,
  ctx: ReturnType<typeof seedContext>,
  input: {
    organizationId: string;
    client?: { id: string; kind: 'individual' | 'business'; displayName: string; createdAt: Date };
    contact?: { id: string; email: string };
    name: string;
    email: string;
    preparerId?: string | null;
    reviewerId?: string | null;
  },
): TClientThings {
  const organizationId = input.organizationId;
  const client =
    input.client ??
    buildClient(ctx, { organizationId, kind: 'individual', status: 'active', displayName: input.name });
  if (!input.client) rows.clients.push(client as ReturnType<typeof buildClient>);
  const contact =
    input.contact ??
    buildContact(ctx, { organizationId, clientId: client.id, name: input.name, email: input.email });
  if (!input.contact) rows.contacts.push(contact as ReturnType<typeof buildContact>);
  // Every engagement of the fixture is active and assigned to the same preparer and reviewer.
  const activeEngagement = (type: TEngagementInput['type'], stage: TEngagementInput['stage']) =>
    buildEngagement(ctx, {
      organizationId,
      client,
      type,
      stage,
      status: 'active',
      preparerId: input.preparerId ?? null,
      reviewerId: input.reviewerId ?? null,
    });
  const engagement = activeEngagement('document_intake', 'requested');
  const document = buildDocument(ctx, {
    organizationId,
    clientId: client.id,
    engagementId: engagement.id,
    ocrStatus: 'extracted',
    uploadedByContactId: contact.id,
  });
  const invoice = buildInvoice(ctx, {
    organizationId,
    clientId: client.id,
    engagement: engagement.id,
    status: 'open',
    description: `Document intake for ${input.name}`,
  });
  const task = buildTask(ctx, {
    organizationId,
    engagement: engagement.id,
    client: client.id,
    title: `Check the documents of ${input.name}`,
    status: 'open',
  });
  const doneTask = buildTask(ctx, {
    organizationId,
    engagement: engagement.id,
    client: client.id,
    title: `Welcome call with ${input.name}`,
    status: 'done',
  });
  const taxReturn = activeEngagement('tax_return', 'preparation');
  const close = activeEngagement('monthly_close', 'pulling');
  const onboarding = activeEngagement('client_onboarding', 'awaiting_profile');
  rows.engagements.push(engagement, taxReturn, close, onboarding);
  rows.documents.push(document);
  rows.invoices.push(invoice);
  rows.tasks.push(task, doneTask);
  return {
    clientId: client.id,
    contactId: contact.id,
    contactEmail: contact.email,
    engagementId: engagement.id,
    documentId: document.id,
    invoiceId: invoice.id,
    taskId: task.id,
    doneTaskId: doneTask.id,
    taxReturnId: taxReturn.id,
    closeId: close.id,
    onboardingId: onboarding.id,
  };
}

/** Adds the rows (once per database) and returns their IDs. */
export async function createAccessFixtures(orm: Orm, demoFirmId: string): Promise<TAccessFixtures> {
  const em = forSystem(orm, 'test fixtures across two firms');
  const ctx = seedContext(`access-fixtures-${demoFirmId}`, new Date());
  const rows = emptySeedRows();

  const pete = await em.findOneOrFail(User, {
    email: demoLogins.find((login) => login.role === 'preparer')!.email,
  });
  const rita = await em.findOneOrFail(User, {
    email: demoLogins.find((login) => login.role === 'reviewer')!.email,
  });
  // Another preparer of the demo firm: Sam Ortiz (db/seed/demo.ts).
  const sam = await em.findOneOrFail(User, { email: 'sam.ortiz@harborview.test' });

  const firm = buildFirm(ctx, { name: 'Northwind Tax Partners' });
  rows.organizations.push(firm);
  const otherFirm = clientThings(rows, ctx, {
    organizationId: firm.id,
    name: 'Olive Otherfirm',
    email: 'olive.otherfirm@example.test',
  });

  const avaClient = await em.findOneOrFail(Client, { organization: demoFirmId, displayName: 'Ava Thompson' });
  const avaContact = await em.findOneOrFail(Contact, { client: avaClient.id });
  const ava = clientThings(rows, ctx, {
    organizationId: demoFirmId,
    client: {
      id: avaClient.id,
      kind: avaClient.kind,
      displayName: avaClient.displayName,
      createdAt: avaClient.createdAt,
    },
    contact: { id: avaContact.id, email: avaContact.email },
    name: 'Ava Thompson',
    email: avaContact.email,
    preparerId: pete.id,
  });
  const petes = clientThings(rows, ctx, {
    organizationId: demoFirmId,
    name: 'Paula Petesclient',
    email: 'paula.petesclient@example.test',
    preparerId: pete.id,
    reviewerId: rita.id,
  });
  const notPetes = clientThings(rows, ctx, {
    organizationId: demoFirmId,
    name: 'Nora Notpetes',
    email: 'nora.notpetes@example.test',
    preparerId: sam.id,
    reviewerId: rita.id,
  });

  await em.transactional((tx) => {
    persistSeedRows(tx, rows);
    return Promise.resolve();
  });
  // Nora's client must have no engagement of Pete's (a fresh client, so it has none).
  const count = await em.count(Engagement, { client: notPetes.clientId, preparer: pete.id });
  if (count !== 0) throw new Error('fixture: Nora should have no engagement of Pete');
  return { demoFirmId, otherFirmId: firm.id, otherFirm, ava, petes, notPetes, peteUserId: pete.id };
}

/**
 * Signs a portal contact in the way a client does, through a fresh invitation link (the contact's
 * earlier unused links stop working). Returns where the link sent the browser.
 */
export async function signInPortalContact(
  session: HttpSession,
  orm: Orm,
  input: { organizationId: string; contactId: string },
): Promise<string> {
  const { token } = await issuePortalLink(forTenant(orm, input.organizationId), {
    organizationId: input.organizationId,
    contactId: input.contactId,
    purpose: 'test-sign-in',
  });
  // The link's page spends nothing; its button (a post) opens the portal.
  const shown = await session.page(`/portal/invite/${token}`);
  if (shown.status !== 200) throw new Error(`portal invitation page answered ${shown.status}`);
  const response = await session.post(`/portal/invite/${token}`, {});
  if (response.status !== 302) throw new Error(`portal invitation link answered ${response.status}`);
  return locationOf(response);
}
