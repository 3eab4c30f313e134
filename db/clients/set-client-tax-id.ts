import type { EntityManager } from '@mikro-orm/postgresql';
import { keyedHash } from '../../lib/crypto/field-encryption';
import { SensitiveString } from '../../lib/crypto/sensitive-string';
import { AppError } from '../../lib/errors';
import type { TActor } from '../audit/actor';
import { recordAuditEvent } from '../audit/record-audit-event';
import { fieldKeyring } from '../shared/field-keyring';
import { Client, type IClient } from './client.entity';

export const taxIdHashPurpose = 'client.tax_id';

/** The keyed hash that finds a client by tax ID without decrypting anything. */
export function clientTaxIdHash(taxId: string | SensitiveString): string {
  return keyedHash(taxId, fieldKeyring(), taxIdHashPurpose);
}

/** Puts a validated 9-digit tax ID on a client: encrypted, its keyed hash, and the last four digits. */
export function applyClientTaxId(
  client: Pick<IClient, 'taxId' | 'taxIdHash' | 'taxIdLast4'>,
  digits: string,
): void {
  client.taxId = new SensitiveString(digits);
  client.taxIdHash = clientTaxIdHash(digits);
  client.taxIdLast4 = digits.slice(-4);
}

/**
 * Stores a client's SSN (individuals) or EIN (businesses): encrypted, with a keyed hash for lookup and
 * the last four digits for display. Another client of the firm with the same tax ID is a duplicate.
 * The audit event records that it changed, never the value.
 */
export async function setClientTaxId(
  em: EntityManager,
  input: { organizationId: string; clientId: string; taxId: SensitiveString; actor: TActor },
): Promise<{ last4: string }> {
  const digits = input.taxId.reveal().replace(/[\s-]/g, '');
  if (!/^\d{9}$/.test(digits)) {
    throw new AppError(
      'invalid_input',
      'Enter the 9-digit SSN or EIN, for example 123-45-6789 or 12-3456789.',
      {
        reason: 'invalid_tax_id',
      },
    );
  }
  const hash = clientTaxIdHash(digits);
  return em.transactional(async (tx) => {
    const client = await tx.findOne(Client, { id: input.clientId, organization: input.organizationId });
    if (!client) throw new AppError('not_found', 'Client not found.');
    const other = await tx.findOne(
      Client,
      { organization: input.organizationId, taxIdHash: hash, id: { $ne: client.id } },
      { fields: ['id'] },
    );
    if (other) {
      throw new AppError('conflict', 'Another client of the firm already has this tax ID.', {
        reason: 'duplicate_client',
      });
    }
    applyClientTaxId(client, digits);
    recordAuditEvent(tx, {
      organizationId: input.organizationId,
      actor: input.actor,
      action: 'client.tax_id_set',
      target: { type: 'client', id: client.id },
    });
    return { last4: digits.slice(-4) };
  });
}
