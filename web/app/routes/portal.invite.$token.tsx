import { data } from '@remix-run/node';
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { findPortalAccount } from '../../../db/portal/portal-sign-in';
import { checkPortalLink, redeemPortalLink } from '../../../db/portal/redeem-portal-link';
import { forTenant } from '../../../db/tenancy/tenant-context';
import { isAppError } from '../../../lib/errors';
import { publicRoute } from '../http/route.server';
import { PortalErrorBoundary } from '../portal/portal-error';
import { finishSignIn } from '../portal/portal-sign-in.server';
import { orm } from '../services.server';
import { CsrfInput } from '../ui/csrf-input';

export const meta: MetaFunction = () => [{ title: 'Client portal' }, { name: 'robots', content: 'noindex' }];

type TProblem = 'unknown' | 'replaced' | 'expired' | 'used';

const problems: Record<string, TProblem> = {
  link_unknown: 'unknown',
  link_replaced: 'replaced',
  link_expired: 'expired',
  link_used: 'used',
};

/** A link that cannot be opened, answered with its status and the page that says what to do. */
function linkProblem(error: unknown) {
  const problem = isAppError(error) && error.reason ? problems[error.reason] : undefined;
  if (!problem || !isAppError(error)) throw error;
  return data({ problem, invitation: null }, { status: error.httpStatus });
}

const tokenOf = (params: LoaderFunctionArgs['params']) => (params.token ?? '').slice(0, 200);

/**
 * Shows an emailed portal link: who it is for and one button that opens the portal. Reading the
 * page spends nothing, because mail scanners fetch every link in an email before the person does;
 * only the person's own submit (the action) spends it.
 */
export async function loader(args: LoaderFunctionArgs) {
  return publicRoute(args, async ({ em }) => {
    try {
      const link = await checkPortalLink(em, tokenOf(args.params));
      return {
        problem: null,
        invitation: {
          firstName: link.contactName.split(/\s+/)[0] ?? link.contactName,
          firmName: link.firmName,
        },
      };
    } catch (error) {
      return linkProblem(error);
    }
  });
}

/**
 * Opens the portal: the link works once, it signs the contact in (a new portal session; with their
 * authenticator app next, if they added one) and goes to the portal home, where a first visit chooses
 * how to sign in next time. A second submit says the link was used and offers sign-in.
 */
export async function action(args: ActionFunctionArgs) {
  return publicRoute(args, async ({ em }) => {
    const from = {
      ip: args.context.clientIp ?? undefined,
      userAgent: args.request.headers.get('user-agent') ?? undefined,
    };
    let identity;
    try {
      identity = await redeemPortalLink(em, tokenOf(args.params), new Date(), from);
    } catch (error) {
      return linkProblem(error);
    }
    const tenantEm = forTenant(await orm(), identity.organizationId);
    const account = await findPortalAccount(tenantEm, identity);
    if (!account) {
      const problem: TProblem = 'unknown';
      return data({ problem, invitation: null }, { status: 404 });
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

export default function InvitationLink() {
  const loaded = useLoaderData<typeof loader>();
  const submitted = useActionData<typeof action>();
  const opening = useNavigation().state !== 'idle';
  const problem = submitted?.problem ?? loaded.problem;
  if (problem) return <InvitationProblem problem={problem} />;
  const invitation = loaded.invitation;
  if (!invitation) return <InvitationProblem problem="unknown" />;
  return (
    <section className="portal-card" aria-labelledby="invite-title">
      <h1 id="invite-title">Hello {invitation.firstName}</h1>
      <p>
        {invitation.firmName} invited you to your client portal, where you share documents and answer
        questions securely.
      </p>
      <Form method="post" className="stack portal-form">
        <CsrfInput />
        <button type="submit" className="button button-primary button-block button-large" disabled={opening}>
          {opening ? 'Opening…' : 'Open my client portal'}
        </button>
      </Form>
      <p className="small muted">
        This link works once, to keep your information safe. After that you sign in with a password or an
        emailed code.
      </p>
    </section>
  );
}

function InvitationProblem({ problem }: { problem: TProblem }) {
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
