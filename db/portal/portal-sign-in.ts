import type { FilterQuery } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { hashPassword, verifyPassword } from '../../lib/passwords';
import type { TActor } from '../audit/actor';
import { recordAuditEvent } from '../audit/record-audit-event';
import { Contact, type IContact } from '../clients/contact.entity';
import { PortalCredential, type TPortalSignInMethod } from './portal-credential.entity';

/**
 * Portal sign-in, before the firm is known: one email address may be a contact of several clients
 * (a person's own return and their business), even at several firms, each its own portal account.
 * These functions take a system EntityManager for the lookup by email and work per contact after.
 */

/** At most this many accounts are considered for one email address (each costs a password check). */
export const maxAccountsPerEmail = 10;

export interface TPortalAccount {
  contactId: string;
  clientId: string;
  organizationId: string;
  clientName: string;
  firmName: string;
  /** Null until the contact chose on their first visit. */
  signInMethod: TPortalSignInMethod | null;
  totpEnabled: boolean;
}

function toAccount(
  contact: IContact,
  credential: { signInMethod: TPortalSignInMethod; totpConfirmedAt?: Date | null } | undefined,
): TPortalAccount {
  return {
    contactId: contact.id,
    clientId: contact.client.id,
    organizationId: contact.organization.id,
    clientName: contact.client.displayName,
    firmName: contact.organization.name,
    signInMethod: credential?.signInMethod ?? null,
    totpEnabled: Boolean(credential?.totpConfirmedAt),
  };
}

/** The portal accounts of an email address (contacts with portal access), oldest first. */
export function findPortalAccounts(systemEm: EntityManager, email: string): Promise<TPortalAccount[]> {
  return accountsWhere(systemEm, { email: email.trim().toLowerCase(), portalAccess: true });
}

/** The portal accounts of these contacts that still have portal access, oldest first. */
export function findPortalAccountsById(
  systemEm: EntityManager,
  contactIds: readonly string[],
): Promise<TPortalAccount[]> {
  if (contactIds.length === 0) return Promise.resolve([]);
  return accountsWhere(systemEm, { id: { $in: [...contactIds] }, portalAccess: true });
}

async function accountsWhere(
  systemEm: EntityManager,
  where: FilterQuery<IContact>,
): Promise<TPortalAccount[]> {
  const contacts = await systemEm.find(Contact, where, {
    populate: ['client', 'organization'],
    orderBy: { createdAt: 'asc', id: 'asc' },
    limit: maxAccountsPerEmail,
  });
  if (contacts.length === 0) return [];
  const credentials = await systemEm.find(PortalCredential, { contact: { $in: contacts.map((c) => c.id) } });
  const byContact = new Map(credentials.map((credential) => [credential.contact.id, credential]));
  return contacts.map((contact) => toAccount(contact, byContact.get(contact.id)));
}

/** One portal account by contact, or null when the contact has no portal access (any more). */
export async function findPortalAccount(
  em: EntityManager,
  input: { organizationId: string; contactId: string },
): Promise<TPortalAccount | null> {
  const contact = await em.findOne(
    Contact,
    { id: input.contactId, organization: input.organizationId, portalAccess: true },
    { populate: ['client', 'organization'] },
  );
  if (!contact) return null;
  const credential = await em.findOne(PortalCredential, {
    contact: contact.id,
    organization: input.organizationId,
  });
  return toAccount(contact, credential ?? undefined);
}

let dummyHash: Promise<string> | undefined;

/**
 * The accounts of `email` whose password is `password`. Every candidate with a password is checked,
 * and an address with none still costs one check, so the time taken does not reveal whether an
 * address has an account.
 */
export async function accountsMatchingPassword(
  systemEm: EntityManager,
  input: { accounts: TPortalAccount[]; password: string },
): Promise<TPortalAccount[]> {
  const withPassword = input.accounts.filter((account) => account.signInMethod === 'password');
  if (withPassword.length === 0) {
    dummyHash ??= hashPassword('not-a-real-password-for-timing');
    await verifyPassword(input.password, await dummyHash);
    return [];
  }
  const credentials = await systemEm.find(
    PortalCredential,
    { contact: { $in: withPassword.map((account) => account.contactId) } },
    { populate: ['passwordHash'] },
  );
  const matched: TPortalAccount[] = [];
  for (const account of withPassword) {
    const hash = credentials.find((credential) => credential.contact.id === account.contactId)?.passwordHash;
    if (hash && (await verifyPassword(input.password, hash))) matched.push(account);
  }
  return matched;
}

/**
 * A portal sign-in that passed its first step (password, emailed code or invitation link): recorded
 * as `portal.signed_in` with the method, and as the account's last sign-in.
 */
export async function recordPortalSignIn(
  em: EntityManager,
  actor: TActor,
  input: {
    organizationId: string;
    contactId: string;
    /** The first step, or `authenticator_app` when the sign-in completed with the app's code. */
    method: 'password' | 'email_code' | 'invitation_link' | 'authenticator_app';
    now?: Date;
  },
): Promise<void> {
  const now = input.now ?? new Date();
  await em.transactional(async (tx) => {
    const credential = await tx.findOne(PortalCredential, {
      contact: input.contactId,
      organization: input.organizationId,
    });
    if (credential) credential.lastSignInAt = now;
    recordAuditEvent(tx, {
      organizationId: input.organizationId,
      actor,
      action: 'portal.signed_in',
      target: { type: 'contact', id: input.contactId },
      details: { method: input.method },
    });
  });
}
