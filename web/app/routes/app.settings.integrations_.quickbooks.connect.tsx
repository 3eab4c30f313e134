/**
 * GET /app/settings/integrations/quickbooks/connect?clientId=…: starts connecting a client's
 * QuickBooks company. Stores a one-time state bound to this staff session and client, then sends
 * the browser to Intuit's (or the local sandbox's) consent page. A link, not a form: the page then
 * leaves for another site, which a form post may not do under this app's Content-Security-Policy.
 */
import type { LoaderFunctionArgs } from '@remix-run/node';
import { Client } from '../../../db/clients/client.entity';
import { isUuid } from '../../../lib/ids';
import { notFound, staffRoute } from '../http/route.server';
import { RedirectError } from '../http/redirect.server';
import { beginQuickbooksConnect } from '../ledger/quickbooks-connect.server';

export async function loader(args: LoaderFunctionArgs) {
  return staffRoute(args, 'integrations.manage', async ({ staff, em }) => {
    const clientId = new URL(args.request.url).searchParams.get('clientId') ?? '';
    if (!isUuid(clientId)) notFound('This client');
    const client = await em.findOne(
      Client,
      { id: clientId, organization: staff.organizationId },
      { fields: ['id'] },
    );
    if (!client) notFound('This client');
    const authorizeUrl = await beginQuickbooksConnect({
      organizationId: staff.organizationId,
      clientId,
      initiator: { type: 'user', userId: staff.userId, sessionId: staff.sessionId },
      returnTo: '/app/settings/integrations',
    });
    throw new RedirectError(authorizeUrl);
  });
}
