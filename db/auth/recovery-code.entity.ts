import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { createdAtColumn, idColumn, timestampColumn } from '../shared/columns';
import { User } from '../users/user.entity';

/**
 * One single-use recovery code of a staff member (ten are issued together). Only the SHA-256 of the
 * normalised code is stored: codes are random with 50 bits each, so a fast hash does not weaken them.
 */
export const RecoveryCode = defineEntity({
  name: 'RecoveryCode',
  tableName: 'recovery_code',
  properties: {
    id: idColumn(),
    user: () => p.manyToOne(User).index(),
    codeHash: p.string().length(64).unique(),
    createdAt: createdAtColumn(),
    usedAt: timestampColumn().nullable(),
  },
});

export type IRecoveryCode = InferEntity<typeof RecoveryCode>;
