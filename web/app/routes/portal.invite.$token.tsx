import { data } from '@remix-run/node';
import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { findPortalAccount } from '../../../db/portal/portal-sign-in';
import { redeemPortalLink } from '../../../db/portal/redeem-portal-link';
import { forTenant } from '../../../db/tenancy/tenant-context';
import { isAppError } from '../../../lib/errors';
import { publicRoute } from '../http/route.server';
import { PortalErrorBoundary } from '../portal/portal-error';
import { finishSignIn } from '../portal/portal-sign-in.server';
import { orm } from '../services.server';

export const meta: MetaFunction = () => [{ title: 'Client portal' }, { name: 'robots', content: 'noindex' }];

type TProblem = 'unknown' | 'replaced' | 'expired' | 'used';

const problems: Record<string, TProblem> = {
  link_unknown: 'unknown',
  link_replaced: 'replaced',
  link_expired: 'expired',
  link_used: 'used',
};

/**
 * Opens the portal from an emailed link. The link works once: it signs the contact in (a new portal
 * session; with their authenticator app next, if they added one) and goes to the portal home, where
 * a first visit chooses how to sign in next time.
 */
export async function loader(args: LoaderFunctionArgs) {
  return publicRoute(args, async ({ em }) => {
    const token = (args.params.token ?? '').slice(0, 200);
    const from = {
      ip: args.context.clientIp ?? undefined,
      userAgent: args.request.headers.get('user-agent') ?? undefined,
    };
    let identity;
    try {
      identity = await redeemPortalLink(em, token, new Date(), from);
    } catch (error) {
      const problem = isAppError(error) && error.reason ? problems[error.reason] : undefined;
      if (!problem || !isAppError(error)) throw error;
      return data({ problem }, { status: error.httpStatus });
    }
    const tenantEm = forTenant(await orm(), identity.organizationId);
    const account = await findPortalAccount(tenantEm, identity);
    if (!account) {
      const problem: TProblem = 'unknown';
      return data({ problem }, { status: 404 });
    }
    return finishSignIn(args.request, args.context, account, 'invitation_link');
  });
}

const titles: Record<TProblem, string> = {
  unknown: 'This link does not work',
  replaced: 'This link was replaced by a newer one',
  expired: 'This link has expired',
  used: 'This link was already used',
};

export default function InvitationProblem() {
  const { problem } = useLoaderData<typeof loader>();
  return (
    <section className="portal-card" aria-labelledby="problem-title">
      <h1 id="problem-title">{titles[problem]}</h1>
      <p>
        {problem === 'expired'
          ? 'Portal links work for a limited time to keep your information safe.'
          : problem === 'used'
            ? 'Each portal link opens the portal once, to keep your information safe.'
            : problem === 'replaced'
              ? 'Your accountant sent you a newer link, so this one no longer works.'
              : 'The link may be incomplete (some email apps cut long links) or it may have been replaced by a newer one.'}
      </p>
      <h2>What to do</h2>
      <ul className="portal-steps">
        {problem === 'used' || problem === 'expired' ? (
          <li>
            If you already chose a password or emailed codes, <Link to="/portal/login">sign in here</Link>.
          </li>
        ) : null}
        <li>Open the most recent email from your accountant and use the button in it.</li>
        <li>
          If that does not work, reply to that email or call your accountant and ask them to send you a new
          link.
        </li>
      </ul>
      {problem === 'used' || problem === 'expired' ? (
        <p>
          <Link to="/portal/login" className="button button-primary button-block button-large">
            Sign in
          </Link>
        </p>
      ) : null}
    </section>
  );
}

export function ErrorBoundary() {
  return <PortalErrorBoundary />;
}
