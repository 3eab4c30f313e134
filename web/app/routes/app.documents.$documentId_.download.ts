import type { LoaderFunctionArgs } from '@remix-run/node';
import { recordDocumentAccess } from '../../../db/audit/record-document-access';
import { isUuid } from '../../../lib/ids';
import { findVisibleDocument } from '../documents/document-view.server';
import { RedirectError } from '../http/redirect.server';
import { notFound, staffRoute } from '../http/route.server';
import { blobStorage } from '../services.server';

/**
 * Downloads a document: records `document.downloaded`, then redirects to a short-lived read-only
 * link to the file in blob storage (the file never passes through the web server).
 */
export async function loader(args: LoaderFunctionArgs) {
  return staffRoute(args, 'documents.download', async ({ staff, em, actor, visibility }) => {
    const documentId = args.params.documentId;
    if (!isUuid(documentId)) notFound('This document');
    const document = await findVisibleDocument(em, {
      organizationId: staff.organizationId,
      visibility,
      documentId,
    });
    if (!document) notFound('This document');
    await recordDocumentAccess(em, {
      organizationId: staff.organizationId,
      actor,
      documentId: document.id,
      access: 'downloaded',
      via: 'staff_app',
    });
    const { url } = await blobStorage().createDownloadUrl({
      key: document.blobKey,
      fileName: document.originalFileName,
    });
    throw new RedirectError(url, { 'Cache-Control': 'no-store' });
  });
}
