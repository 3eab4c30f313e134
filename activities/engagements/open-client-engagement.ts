/**
 * The opening step of an engagement workflow that works for one client (tax return, monthly close):
 * creates the engagement's read-model row, titled with the client's name, once per workflow ID. The
 * activities call it inside `failFastOnBusinessErrors`.
 */
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { systemActor, type TActor } from '../../db/audit/actor';
import { Client } from '../../db/clients/client.entity';
import type { IEngagement } from '../../db/engagements/engagement.entity';
import {
  startEngagementRecord,
  type TStartEngagementRecordInput,
} from '../../db/engagements/start-engagement-record';
import { forTenant } from '../../db/tenancy/tenant-context';

export interface TOpenedEngagement {
  engagementId: string;
  title: string;
  clientKind: 'individual' | 'business';
}

/**
 * Opens (or finds, on a retry) the engagement row. Whoever started the workflow is the audit actor, the
 * system when it was a schedule; `afterStart` runs in the same transaction once the row exists.
 */
export async function openClientEngagement(
  orm: MikroORM,
  input: {
    organizationId: string;
    engagementId: string;
    clientId: string;
    workflowId: string;
    runId: string;
    startedByUserId?: string;
  },
  record: Pick<
    TStartEngagementRecordInput,
    'type' | 'stage' | 'progress' | 'dueAt' | 'taxYear' | 'period'
  > & {
    title: (clientName: string) => string;
    afterStart?: (tx: EntityManager, engagement: IEngagement, actor: TActor) => Promise<void>;
  },
): Promise<TOpenedEngagement> {
  const { title, afterStart, ...fields } = record;
  const actor: TActor = input.startedByUserId ? { type: 'user', id: input.startedByUserId } : systemActor;
  return forTenant(orm, input.organizationId).transactional(async (tx) => {
    const client = await tx.findOneOrFail(Client, { id: input.clientId });
    const engagement = await startEngagementRecord(tx, {
      ...fields,
      actor,
      organizationId: input.organizationId,
      engagementId: input.engagementId,
      clientId: input.clientId,
      title: title(client.displayName),
      workflowId: input.workflowId,
      runId: input.runId,
      startedByUserId: input.startedByUserId,
    });
    await afterStart?.(tx, engagement, actor);
    return { engagementId: engagement.id, title: engagement.title, clientKind: client.kind };
  });
}
