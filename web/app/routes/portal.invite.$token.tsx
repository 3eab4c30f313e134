import { data } from '@remix-run/node';
import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { useLoaderData } from '@remix-run/react';
import { redeemPortalLink } from '../../../db/portal/redeem-portal-link';
import { isAppError } from '../../../lib/errors';
import { getPortalSession, portalSessionStorage } from '../auth/session.server';
import { RedirectError } from '../http/redirect.server';
import { publicRoute } from '../http/route.server';
import { PageErrorBoundary } from '../ui/error-panel';

export const meta: MetaFunction = () => [{ title: 'Client portal' }, { name: 'robots', content: 'noindex' }];

/** Opens the portal from an emailed link: checks the token, starts a portal session, goes to /portal. */
export async function loader(args: LoaderFunctionArgs) {
  return publicRoute(args, async ({ em }) => {
    const token = (args.params.token ?? '').slice(0, 200);
    try {
      const identity = await redeemPortalLink(em, token);
      const session = await getPortalSession(args.request);
      session.set('contactId', identity.contactId);
      session.set('clientId', identity.clientId);
      session.set('organizationId', identity.organizationId);
      throw new RedirectError('/portal', {
        'Set-Cookie': await portalSessionStorage().commitSession(session),
      });
    } catch (error) {
      if (isAppError(error) && (error.code === 'not_found' || error.code === 'expired')) {
        return data({ problem: error.code }, { status: error.httpStatus });
      }
      throw error;
    }
  });
}

export default function InvitationProblem() {
  const { problem } = useLoaderData<typeof loader>();
  return (
    <section className="portal-card" aria-labelledby="problem-title">
      <h1 id="problem-title">
        {problem === 'expired' ? 'This link has expired' : 'This link does not work'}
      </h1>
      <p>
        {problem === 'expired'
          ? 'Portal links work for a limited time to keep your information safe.'
          : 'The link may be incomplete (some email apps cut long links) or it may have been replaced by a newer one.'}
      </p>
      <h2>What to do</h2>
      <ul className="portal-steps">
        <li>Open the most recent email from your accountant and use the button in it.</li>
        <li>
          If that does not work, reply to that email or call your accountant and ask them to send you a new
          link.
        </li>
      </ul>
    </section>
  );
}

export function ErrorBoundary() {
  return <PageErrorBoundary />;
}
