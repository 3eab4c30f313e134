import { redirect } from '@remix-run/node';
import type { ActionFunctionArgs } from '@remix-run/node';
import { getStaffSession, staffSessionStorage } from '../auth/session.server';

export async function action({ request }: ActionFunctionArgs) {
  const session = await getStaffSession(request);
  return redirect('/login', {
    headers: { 'Set-Cookie': await staffSessionStorage().destroySession(session) },
  });
}

/** Signing out is a POST (a link must not sign anyone out); a GET just goes home. */
export function loader() {
  return redirect('/app');
}
