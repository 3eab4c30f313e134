import { Client, type TClientKind, type TClientStatus } from '../../../db/clients/client.entity';
import { Contact } from '../../../db/clients/contact.entity';
import { Engagement } from '../../../db/engagements/engagement.entity';
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
