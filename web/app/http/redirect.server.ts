/**
 * "Send the browser elsewhere", thrown from deep inside a loader or action (e.g. by requireStaff).
 * An Error, so it is an ordinary exception to TypeScript and lint; route.server.ts turns it into
 * the redirect response.
 */
export class RedirectError extends Error {
  override name = 'RedirectError';
  constructor(
    readonly location: string,
    readonly headers: HeadersInit = {},
  ) {
    super(`redirect to ${location}`);
  }
}
