import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { idColumn, createdAtColumn, timestampColumn } from '../shared/columns';

/** A member of a firm's staff. Email is stored lower-case. */
export const User = defineEntity({
  name: 'User',
  tableName: 'app_user',
  properties: {
    id: idColumn(),
    email: p.string().length(320).unique(),
    name: p.string().length(200),
    passwordHash: p.string().length(300).lazy(),
    createdAt: createdAtColumn(),
    lastSignInAt: timestampColumn().nullable(),
    passwordChangedAt: timestampColumn().nullable(),
  },
});

export type IUser = InferEntity<typeof User>;
