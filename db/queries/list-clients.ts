import { raw, type FilterQuery } from '@mikro-orm/core';
import { Client, type IClient, type TClientKind, type TClientStatus } from '../clients/client.entity';
import type { EntityManager } from '../types';
import {
  decodeCursor,
  encodeCursor,
  escapeLike,
  keyPart,
  pageSize,
  rowComparison,
  toPage,
  type TPage,
} from './keyset';

export interface TListClientsInput {
  organizationId: string;
  status?: TClientStatus;
  kind?: TClientKind;
  /** Names starting with this, ignoring case and leading blanks. */
  namePrefix?: string;
  /** Only these clients (a preparer's: those of the engagements assigned to them). */
  clientIds?: readonly string[];
  /** `nextCursor` of the previous page. */
  after?: string | null;
  limit?: number;
}

/**
 * A firm's clients in name order, (display_name, id). Indexes: (organization, status, display_name, id)
 * with a status filter, (organization, kind, display_name, id) with a kind filter, otherwise
 * (organization, display_name, id); each gives the order and the cursor's range. A name prefix
 * reads the (organization, lower(display_name) text_pattern_ops) index instead: only the matching
 * names, then sorted (a prefix matches a small share of a firm's clients).
 */
export async function listClients(em: EntityManager, input: TListClientsInput): Promise<TPage<IClient>> {
  const limit = pageSize(input.limit);
  const where: FilterQuery<IClient>[] = [{ organization: input.organizationId }];
  if (input.status) where.push({ status: input.status });
  if (input.kind) where.push({ kind: input.kind });
  if (input.clientIds) where.push({ id: { $in: [...input.clientIds] } });
  // Leading blanks are noise; a trailing one is part of the prefix ("ben " is not "Benedict").
  const prefix = input.namePrefix?.trimStart();
  if (prefix) {
    // The same test twice: ILIKE decides, and lower(display_name) LIKE lower(prefix) is the range
    // the (organization, lower(display_name)) index reads, so only matching names are visited. Both
    // sides are lower-cased by the database, so its idea of case is the only one.
    where.push({ displayName: { $ilike: `${escapeLike(prefix)}%` } });
    where.push({
      [raw((alias: string) => `lower(${alias}.display_name)`)]: {
        $like: raw('lower(?)', [`${escapeLike(prefix)}%`]),
      },
    });
  }
  if (input.after) {
    const [name, id] = decodeCursor('clients', input.after, 2);
    where.push(
      rowComparison<IClient>(['display_name', 'id'], '>', [
        keyPart('clients', name, 'text'),
        keyPart('clients', id, 'uuid'),
      ]),
    );
  }
  const rows = await em.find(
    Client,
    { $and: where },
    { orderBy: { displayName: 'asc', id: 'asc' }, limit: limit + 1 },
  );
  return toPage(rows, limit, (last) => encodeCursor('clients', [last.displayName, last.id]));
}
