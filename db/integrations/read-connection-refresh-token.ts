import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../lib/errors';
import type { SensitiveString } from '../../lib/crypto/sensitive-string';
import { IntegrationConnection } from './integration-connection.entity';

/** The refresh token to revoke at the vendor before disconnecting, or null when there is none. */
export async function readConnectionRefreshToken(
  em: EntityManager,
  input: { organizationId: string; connectionId: string },
): Promise<SensitiveString | null> {
  const connection = await em.findOne(
    IntegrationConnection,
    { id: input.connectionId, organization: input.organizationId },
    { populate: ['refreshToken'] },
  );
  if (!connection) throw new AppError('not_found', 'This connection could not be found.');
  return connection.refreshToken ?? null;
}
