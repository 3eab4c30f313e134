import type { ActionFunctionArgs } from '@remix-run/node';
import { portalRoute } from '../http/route.server';
import { jsonEndpoint, readJson, startPortalUpload, ZStartUpload } from '../documents/uploads.server';

/**
 * `POST /portal/uploads` (JSON: fileName, contentType, sizeBytes, requestId or engagementId):
 * checks the file is wanted and answers 201 with a short-lived URL the browser PUTs the file to.
 * Refusals answer `{ message }` with their status (400, 401, 403, 404, 409).
 */
export async function action(args: ActionFunctionArgs) {
  return jsonEndpoint(() =>
    portalRoute(args, 'portal.documents.upload', async ({ portal, em, actor }) => {
      const input = await readJson(args.request, ZStartUpload);
      const ticket = await startPortalUpload(em, { portal, actor, input });
      return Response.json(ticket, { status: 201, headers: { 'Cache-Control': 'no-store' } });
    }),
  );
}
