import type { LoaderFunctionArgs } from '@remix-run/node';
import { findEngagement } from '../engagements/engagement-queries.server';
import { engagementEventStream } from '../engagements/live-events.server';
import { isUuid } from '../../../lib/ids';
import { notFound, staffRoute } from '../http/route.server';

/** Server-Sent Events: one `data:` line per change of this engagement, for its open pages. */
export async function loader(args: LoaderFunctionArgs) {
  return staffRoute(args, 'engagements.view', async ({ staff, em, visibility }) => {
    const engagementId = args.params.engagementId;
    if (!isUuid(engagementId)) notFound('This engagement');
    const engagement = await findEngagement(em, {
      organizationId: staff.organizationId,
      engagementId,
      visibility,
    });
    if (!engagement) notFound('This engagement');
    return engagementEventStream(engagement.id, args.request.signal);
  });
}
