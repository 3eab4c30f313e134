import type { LoaderFunctionArgs } from '@remix-run/node';
import { recordDocumentAccess } from '../../../db/audit/record-document-access';
import { isUuid } from '../../../lib/ids';
import { RedirectError } from '../http/redirect.server';
import { notFound, portalRoute } from '../http/route.server';
import { portalDocument } from '../portal/portal-views.server';
import { blobStorage } from '../services.server';

/**
 * Downloads one of the client's own documents: recorded as `document.downloaded` (via the portal),
 * then a redirect to a short-lived read-only link to the file. Another client's document is a 404.
 */
export async function loader(args: LoaderFunctionArgs) {
  return portalRoute(args, 'portal.documents.download', async ({ portal, em, actor }) => {
    const documentId = args.params.documentId;
    if (!isUuid(documentId)) notFound('This document');
    const document = await portalDocument(em, { portal, documentId });
    if (!document) notFound('This document');
    await recordDocumentAccess(em, {
      organizationId: portal.organizationId,
      actor,
      documentId: document.id,
      access: 'downloaded',
      via: 'portal',
    });
    const { url } = await blobStorage().createDownloadUrl({
      key: document.blobKey,
      fileName: document.originalFileName,
    });
    throw new RedirectError(url, { 'Cache-Control': 'no-store' });
  });
}
