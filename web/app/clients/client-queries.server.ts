import { Client, type TClientKind, type TClientStatus } from '../../../db/clients/client.entity';
import { Contact } from '../../../db/clients/contact.entity';
import { Engagement } from '../../../db/engagements/engagement.entity';
import type { EntityManager } from '../../../db/types';
import { listClients as listClientsPage } from '../../../db/queries/list-clients';
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
 * One page of a firm's clients in name order, optionally those whose name starts with `search`
 * (keyset pagination on (display_name, id), see db/queries/list-clients.ts).
 */
export async function listClients(
  em: EntityManager,
  input: { organizationId: string; search: string; after: string | null; format: TDateFormat },
): Promise<{ rows: TClientRow[]; nextCursor: string | null }> {
  const page = await listClientsPage(em, {
    organizationId: input.organizationId,
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

/** A client of this firm with its contacts and engagements; null when there is no such client here. */
export async function getClientDetail(
  em: EntityManager,
  input: { organizationId: string; clientId: string; format: TDateFormat },
) {
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
      { client: client.id, organization: input.organizationId },
      { orderBy: { createdAt: 'desc' } },
    ),
  ]);
  const { format } = input;
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
