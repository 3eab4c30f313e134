import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { createdAtColumn, idColumn, timestampColumn } from '../shared/columns';
import { User } from '../users/user.entity';

/** An emailed password-reset link: single use, short-lived; only the SHA-256 of its token is stored. */
export const PasswordResetToken = defineEntity({
  name: 'PasswordResetToken',
  tableName: 'password_reset_token',
  properties: {
    id: idColumn(),
    user: () => p.manyToOne(User).index(),
    tokenHash: p.string().length(64).unique(),
    createdAt: createdAtColumn(),
    expiresAt: timestampColumn(),
    usedAt: timestampColumn().nullable(),
  },
});

export type IPasswordResetToken = InferEntity<typeof PasswordResetToken>;
