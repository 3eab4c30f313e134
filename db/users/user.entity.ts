import { randomUUID } from 'node:crypto';
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/** A member of a firm's staff. Email is stored lower-case. */
export const User = defineEntity({
  name: 'User',
  tableName: 'app_user',
  properties: {
    id: p
      .uuid()
      .primary()
      .onCreate(() => randomUUID()),
    email: p.string().length(320).unique(),
    name: p.string().length(200),
    passwordHash: p.string().length(300).lazy(),
    createdAt: p
      .datetime()
      .columnType('timestamptz')
      .onCreate(() => new Date()),
    lastSignInAt: p.datetime().columnType('timestamptz').nullable(),
  },
});

export type IUser = InferEntity<typeof User>;
