import { redirect } from '@remix-run/node';

/** The site root sends staff to their app; /app sends anyone not signed in to /login. */
export function loader() {
  return redirect('/app');
}
