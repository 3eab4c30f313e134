import type { ActionFunctionArgs } from '@remix-run/node';
import { isUuid } from '../../../lib/ids';
import { notFound, portalRoute } from '../http/route.server';
import { completePortalUpload, jsonEndpoint, readJson, ZCompleteUpload } from '../documents/uploads.server';

/**
 * `POST /portal/uploads/<uploadId>/complete` (JSON: optional sha256 the browser computed): checks the
 * uploaded file and records it. 200 with the outcome; 422 when the file was refused, with the reason.
 * Calling it again gives the same answer. Other refusals answer `{ message }` with their status.
 */
export async function action(args: ActionFunctionArgs) {
  return jsonEndpoint(() =>
    portalRoute(args, 'portal.documents.upload', async ({ portal, em, actor }) => {
      const uploadId = args.params.uploadId;
      if (!isUuid(uploadId)) notFound('This upload');
      const { sha256 } = await readJson(args.request, ZCompleteUpload);
      const outcome = await completePortalUpload(em, { portal, actor, uploadId, sha256 });
      return Response.json(outcome, {
        status: outcome.status === 'rejected' ? 422 : 200,
        headers: { 'Cache-Control': 'no-store' },
      });
    }),
  );
}
