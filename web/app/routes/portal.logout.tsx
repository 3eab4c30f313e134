import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node';
import { endSession } from '../auth/session.server';
import { RedirectError } from '../http/redirect.server';
import { publicRoute } from '../http/route.server';

/** Signs the portal session out (the session row is revoked, the cookie cleared). */
export async function action(args: ActionFunctionArgs) {
  return publicRoute(args, async () => {
    const setCookie = await endSession(args.request, args.context, 'portal', 'signed_out');
    throw new RedirectError('/portal/login?signedOut=1', { 'Set-Cookie': setCookie });
  });
}

/** Signing out is a POST (a link must not sign anyone out); a GET goes to the portal home. */
export async function loader(args: LoaderFunctionArgs) {
  return publicRoute(args, () => {
    throw new RedirectError('/portal');
  });
}
