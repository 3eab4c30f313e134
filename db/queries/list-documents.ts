import type { FilterQuery } from '@mikro-orm/core';
import { Document, type IDocument, type TOcrStatus } from '../documents/document.entity';
import type { EntityManager } from '../types';
import { decodeCursor, encodeCursor, keyPart, pageSize, rowComparison, toPage, type TPage } from './keyset';

export interface TListDocumentsInput {
  organizationId: string;
  engagementId: string;
  ocrStatus?: TOcrStatus;
  /** `nextCursor` of the previous page. */
  after?: string | null;
  limit?: number;
}

/**
 * An engagement's documents in upload order, (created_at, id), optionally in one OCR status.
 * Index: (engagement, ocr_status) finds the engagement's few documents; they are sorted after.
 */
export async function listDocuments(
  em: EntityManager,
  input: TListDocumentsInput,
): Promise<TPage<IDocument>> {
  const limit = pageSize(input.limit);
  const where: FilterQuery<IDocument>[] = [
    { organization: input.organizationId, engagement: input.engagementId },
  ];
  if (input.ocrStatus) where.push({ ocrStatus: input.ocrStatus });
  if (input.after) {
    const [at, id] = decodeCursor('documents', input.after, 2);
    where.push(
      rowComparison<IDocument>(['created_at', 'id'], '>', [
        keyPart('documents', at, 'time'),
        keyPart('documents', id, 'uuid'),
      ]),
    );
  }
  const rows = await em.find(
    Document,
    { $and: where },
    { orderBy: { createdAt: 'asc', id: 'asc' }, limit: limit + 1 },
  );
  return toPage(rows, limit, (last) => encodeCursor('documents', [last.createdAt.toISOString(), last.id]));
}
