import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../lib/errors';
import { Client, type IClient, type TClientKind } from './client.entity';
import { Contact } from './contact.entity';

export interface TCreateClientInput {
  organizationId: string;
  clientId: string;
  kind: TClientKind;
  displayName: string;
  contact: { id: string; name: string; email: string };
}

/**
 * Creates a prospect client with its primary contact. Idempotent by client ID: calling it again
 * with the same ID returns the existing client, so a retried activity creates nothing twice.
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
    const client = tx.create(Client, {
      id: input.clientId,
      organization: input.organizationId,
      kind: input.kind,
      displayName: input.displayName.trim(),
      status: 'prospect',
    });
    tx.create(Contact, {
      id: input.contact.id,
      organization: input.organizationId,
      client,
      name: input.contact.name.trim(),
      email: input.contact.email.trim().toLowerCase(),
      portalAccess: true,
    });
    return client;
  });
}
