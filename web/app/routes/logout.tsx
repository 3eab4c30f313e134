import { redirect } from '@remix-run/node';
import type { ActionFunctionArgs } from '@remix-run/node';
import { getStaffSession, staffSessionStorage } from '../auth/session.server';
import { verifyCsrf } from '../http/csrf.server';
import { isAppError } from '../../../lib/errors';

export async function action({ request }: ActionFunctionArgs) {
  // A forged sign-out is a nuisance, not a breach, but it is still refused like every other post.
  try {
    await verifyCsrf(request);
  } catch (error) {
    if (!isAppError(error)) throw error;
    return new Response(error.userMessage, { status: error.httpStatus });
  }
  const session = await getStaffSession(request);
  return redirect('/login', {
    headers: { 'Set-Cookie': await staffSessionStorage().destroySession(session) },
  });
}

/** Signing out is a POST (a link must not sign anyone out); a GET just goes home. */
export function loader() {
  return redirect('/app');
}
