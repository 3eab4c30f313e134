import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../lib/errors';
import type { TActor } from '../audit/actor';
import { recordAuditEvent } from '../audit/record-audit-event';
import { Client, type IClient, type TClientKind } from './client.entity';
import { Contact } from './contact.entity';

export interface TCreateClientInput {
  organizationId: string;
  clientId: string;
  kind: TClientKind;
  displayName: string;
  contact: { id: string; name: string; email: string };
  actor: TActor;
}

/**
 * Creates a prospect client with its primary contact. Idempotent by client ID: calling it again
 * with the same ID returns the existing client, so a retried activity creates nothing twice.
 * A different client with the same name and contact email is a duplicate and is refused.
 */
export async function createClient(em: EntityManager, input: TCreateClientInput): Promise<IClient> {
  return em.transactional(async (tx) => {
    const existing = await tx.findOne(Client, { id: input.clientId });
    if (existing) {
      if (existing.organization.id !== input.organizationId) {
        throw new AppError(
          'conflict',
          'This client already exists.',
          `client ${input.clientId} belongs to another firm`,
        );
      }
      return existing;
    }
    const email = input.contact.email.trim().toLowerCase();
    const displayName = input.displayName.trim();
    const sameName = await tx.find(
      Client,
      { organization: input.organizationId, displayName: { $ilike: displayName } },
      { fields: ['id'], limit: 20 },
    );
    if (
      sameName.length > 0 &&
      (await tx.count(Contact, { client: { $in: sameName.map((c) => c.id) }, email })) > 0
    ) {
      throw new AppError(
        'conflict',
        `A client named “${displayName}” with this contact email already exists.`,
        {
          reason: 'duplicate_client',
          logMessage: 'duplicate client refused',
        },
      );
    }
    const client = tx.create(Client, {
      id: input.clientId,
      organization: input.organizationId,
      kind: input.kind,
      displayName,
      status: 'prospect',
    });
    tx.create(Contact, {
      id: input.contact.id,
      organization: input.organizationId,
      client,
      name: input.contact.name.trim(),
      email,
      portalAccess: true,
    });
    recordAuditEvent(tx, {
      organizationId: input.organizationId,
      actor: input.actor,
      action: 'client.created',
      target: { type: 'client', id: client.id },
      details: { kind: input.kind, contactId: input.contact.id },
    });
    return client;
  });
}
