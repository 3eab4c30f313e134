import { redirect } from '@remix-run/node';
import type { ActionFunctionArgs } from '@remix-run/node';
import { endSession } from '../auth/session.server';
import { verifyCsrf } from '../http/csrf.server';
import { isAppError } from '../../../lib/errors';

/** Ends this browser's staff session (the row is revoked, so the old cookie opens nothing) and clears the cookie. */
export async function action({ request, context }: ActionFunctionArgs) {
  // A forged sign-out is a nuisance, not a breach, but it is still refused like every other post.
  try {
    await verifyCsrf(request);
  } catch (error) {
    if (!isAppError(error)) throw error;
    return new Response(error.userMessage, { status: error.httpStatus });
  }
  const setCookie = await endSession(request, context, 'staff', 'signed_out');
  return redirect('/login?reason=signed_out', { headers: { 'Set-Cookie': setCookie } });
}

/** Signing out is a POST (a link must not sign anyone out); a GET just goes home. */
export function loader() {
  return redirect('/app');
}
