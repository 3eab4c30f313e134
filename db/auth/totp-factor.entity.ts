import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { EncryptedStringType } from '../shared/encrypted-string.type';
import { createdAtColumn, idColumn, timestampColumn } from '../shared/columns';
import { User } from '../users/user.entity';

/**
 * A staff member's authenticator app (TOTP, RFC 6238). The shared secret is encrypted at the field
 * level. Until `confirmedAt` is set the factor is an enrolment in progress and does not count.
 * `lastUsedStep` is the time step of the last accepted code: a code of that step or an earlier one is
 * refused, so a code that was seen cannot be replayed.
 */
export const TotpFactor = defineEntity({
  name: 'TotpFactor',
  tableName: 'totp_factor',
  properties: {
    id: idColumn(),
    user: () => p.manyToOne(User).unique(),
    secret: p.type(EncryptedStringType).lazy(),
    createdAt: createdAtColumn(),
    confirmedAt: timestampColumn().nullable(),
    lastUsedStep: p.integer().nullable(),
  },
});

export type ITotpFactor = InferEntity<typeof TotpFactor>;
