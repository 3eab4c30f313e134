import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { SensitiveString } from '../../lib/crypto/sensitive-string';
import { systemActor } from '../audit/actor';
import { recordAuditEvent } from '../audit/record-audit-event';
import { IntegrationConnection } from './integration-connection.entity';

export interface TTokenPair {
  accessToken: SensitiveString;
  refreshToken: SensitiveString;
  accessTokenExpiresAt: Date;
  refreshTokenExpiresAt: Date;
}

/**
 * Saves a refreshed (rotated) token pair, both tokens in one transaction, only if the connection is
 * still at `expectedVersion` (the version whose refresh token was used) and still connected. The
 * row is locked for the check and the write, so of two concurrent refreshes exactly one saves; the
 * other gets `saved: false` and must use the tokens now stored, which are the newer ones.
 */
export async function saveRefreshedTokens(
  em: EntityManager,
  input: {
    organizationId: string;
    connectionId: string;
    expectedVersion: number;
    tokens: TTokenPair;
    now?: Date;
  },
): Promise<{ saved: boolean; tokenVersion: number }> {
  return em.transactional(async (tx) => {
    const connection = await tx.findOne(
      IntegrationConnection,
      { id: input.connectionId, organization: input.organizationId },
      { lockMode: LockMode.PESSIMISTIC_WRITE },
    );
    if (
      !connection ||
      connection.status !== 'connected' ||
      connection.tokenVersion !== input.expectedVersion
    ) {
      return { saved: false, tokenVersion: connection?.tokenVersion ?? -1 };
    }
    connection.accessToken = input.tokens.accessToken;
    connection.refreshToken = input.tokens.refreshToken;
    connection.accessTokenExpiresAt = input.tokens.accessTokenExpiresAt;
    connection.refreshTokenExpiresAt = input.tokens.refreshTokenExpiresAt;
    connection.tokenVersion += 1;
    connection.lastRefreshedAt = input.now ?? new Date();
    recordAuditEvent(tx, {
      organizationId: input.organizationId,
      actor: systemActor,
      action: 'integration.tokens_refreshed',
      target: { type: 'integration_connection', id: connection.id },
      details: { provider: connection.provider, tokenVersion: connection.tokenVersion },
    });
    return { saved: true, tokenVersion: connection.tokenVersion };
  });
}
