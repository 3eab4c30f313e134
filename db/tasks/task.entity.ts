import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { idColumn, createdAtColumn, timestampColumn } from '../shared/columns';
import { Organization } from '../organizations/organization.entity';
import { Engagement } from '../engagements/engagement.entity';
import { Client } from '../clients/client.entity';
import { User } from '../users/user.entity';

export const taskKinds = ['follow_up', 'review', 'preparation', 'general'] as const;
export const taskStatuses = ['open', 'done', 'cancelled'] as const;
export type TTaskKind = (typeof taskKinds)[number];
export type TTaskStatus = (typeof taskStatuses)[number];

/** Work for a person at the firm. `key` is a business key so activities create a task once. */
export const Task = defineEntity({
  name: 'Task',
  tableName: 'task',
  indexes: [
    { properties: ['organization', 'status', 'dueAt'] },
    { properties: ['assignee', 'status', 'dueAt'] },
    { properties: ['engagement'] },
    { properties: ['client'] },
  ],
  properties: {
    id: idColumn(),
    organization: () => p.manyToOne(Organization),
    key: p.string().length(300).unique().nullable(),
    engagement: () => p.manyToOne(Engagement).nullable(),
    client: () => p.manyToOne(Client).nullable(),
    title: p.string().length(300),
    details: p.text().nullable(),
    kind: p.enum(taskKinds),
    status: p.enum(taskStatuses).default('open'),
    assignee: () => p.manyToOne(User).nullable(),
    dueAt: timestampColumn().nullable(),
    createdAt: createdAtColumn(),
    completedAt: timestampColumn().nullable(),
  },
});

export type ITask = InferEntity<typeof Task>;
