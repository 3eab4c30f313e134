import { Client, type TClientKind, type TClientStatus } from '../../../db/clients/client.entity';
import { Contact } from '../../../db/clients/contact.entity';
import { Engagement } from '../../../db/engagements/engagement.entity';
import { PortalCredential } from '../../../db/portal/portal-credential.entity';
import { PortalLink } from '../../../db/portal/portal-link.entity';
import type { EntityManager } from '../../../db/types';
import { listClients as listClientsPage } from '../../../db/queries/list-clients';
import type { TEngagementVisibility } from '../auth/permissions.server';
import { canSeeClient, engagementCondition, visibleClientIds } from '../engagements/engagement-scope.server';
import { engagementTypeLabels, stageLabel } from '../engagements/stages.server';
import type { TDateFormat } from '../ui/dates.server';

export const clientsPageSize = 25;

export interface TClientRow {
  id: string;
  displayName: string;
  kind: TClientKind;
  status: TClientStatus;
  created: string;
}

/**
 * One page of the clients a staff member may see, in name order, optionally those whose name starts
 * with `search` (keyset pagination on (display_name, id), see db/queries/list-clients.ts).
 */
export async function listClients(
  em: EntityManager,
  input: {
    organizationId: string;
    visibility: TEngagementVisibility;
    search: string;
    after: string | null;
    format: TDateFormat;
  },
): Promise<{ rows: TClientRow[]; nextCursor: string | null }> {
  const clientIds = await visibleClientIds(em, input);
  const page = await listClientsPage(em, {
    organizationId: input.organizationId,
    clientIds: clientIds ?? undefined,
    namePrefix: input.search || undefined,
    after: input.after,
    limit: clientsPageSize,
  });
  return {
    rows: page.items.map((client) => ({
      id: client.id,
      displayName: client.displayName,
      kind: client.kind,
      status: client.status,
      created: input.format.date(client.createdAt),
    })),
    nextCursor: page.nextCursor,
  };
}

/** "6175550142" → "(617) 555-0142"; other shapes are shown as stored. */
function formatUsPhone(phone: string): string {
  const digits = /^\+?1?(\d{3})(\d{3})(\d{4})$/.exec(phone);
  return digits ? `(${digits[1]}) ${digits[2]}-${digits[3]}` : phone;
}

/**
 * A client of this firm with its contacts and the engagements this staff member may see; null when
 * there is no such client here, or it is not theirs to see.
 */
export async function getClientDetail(
  em: EntityManager,
  input: { organizationId: string; visibility: TEngagementVisibility; clientId: string; format: TDateFormat },
) {
  if (!(await canSeeClient(em, input))) return null;
  const client = await em.findOne(Client, { id: input.clientId, organization: input.organizationId });
  if (!client) return null;
  const [contacts, engagements] = await Promise.all([
    em.find(
      Contact,
      { client: client.id, organization: input.organizationId },
      { orderBy: { createdAt: 'asc' } },
    ),
    em.find(
      Engagement,
      {
        $and: [
          { client: client.id, organization: input.organizationId },
          engagementCondition(input.visibility),
        ],
      },
      { orderBy: { createdAt: 'desc' } },
    ),
  ]);
  const { format } = input;
  const portal = await contactPortalStatus(em, {
    organizationId: input.organizationId,
    contactIds: contacts.map((contact) => contact.id),
    format,
  });
  return {
    id: client.id,
    displayName: client.displayName,
    kind: client.kind,
    status: client.status,
    created: format.dateTime(client.createdAt),
    profile: client.profile ? { ...client.profile, phone: formatUsPhone(client.profile.phone) } : null,
    profileSubmitted: client.profileSubmittedAt ? format.dateTime(client.profileSubmittedAt) : null,
    contacts: contacts.map((contact) => ({
      id: contact.id,
      name: contact.name,
      email: contact.email,
      portalAccess: contact.portalAccess,
      portal: portal.get(contact.id) ?? { signIn: null, invitation: null },
    })),
    engagements: engagements.map((engagement) => ({
      id: engagement.id,
      title: engagement.title,
      type: engagementTypeLabels[engagement.type],
      status: engagement.status,
      stage: stageLabel(engagement.type, engagement.stage),
      progress: engagement.progress,
      updated: format.relative(engagement.updatedAt),
    })),
  };
}

/** Where a contact stands with the portal: how they sign in, and their newest emailed link. */
export interface TContactPortalStatus {
  signIn: { method: 'password' | 'email_code'; authenticatorApp: boolean; lastSignIn: string | null } | null;
  invitation: { sent: string; state: 'waiting' | 'used' | 'expired' | 'replaced'; until: string } | null;
}

async function contactPortalStatus(
  em: EntityManager,
  input: { organizationId: string; contactIds: string[]; format: TDateFormat; now?: Date },
): Promise<Map<string, TContactPortalStatus>> {
  const status = new Map<string, TContactPortalStatus>();
  if (input.contactIds.length === 0) return status;
  const now = input.now ?? new Date();
  const [credentials, links] = await Promise.all([
    em.find(PortalCredential, { organization: input.organizationId, contact: { $in: input.contactIds } }),
    em.find(
      PortalLink,
      { organization: input.organizationId, contact: { $in: input.contactIds } },
      { orderBy: { createdAt: 'desc', id: 'desc' } },
    ),
  ]);
  for (const contactId of input.contactIds) {
    const credential = credentials.find((row) => row.contact.id === contactId);
    const link = links.find((row) => row.contact.id === contactId);
    status.set(contactId, {
      signIn: credential
        ? {
            method: credential.signInMethod,
            authenticatorApp: Boolean(credential.totpConfirmedAt),
            lastSignIn: credential.lastSignInAt ? input.format.relative(credential.lastSignInAt, now) : null,
          }
        : null,
      invitation: link
        ? {
            sent: input.format.relative(link.createdAt, now),
            state: link.lastUsedAt
              ? 'used'
              : link.revokedAt
                ? 'replaced'
                : link.expiresAt.getTime() < now.getTime()
                  ? 'expired'
                  : 'waiting',
            until: input.format.date(link.expiresAt),
          }
        : null,
    });
  }
  return status;
}
