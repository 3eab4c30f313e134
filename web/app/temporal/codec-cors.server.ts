/**
 * Cross-origin access to the codec endpoint (/codec/decode, /codec/encode) for the Temporal UI, which
 * runs on its own origin (TEMPORAL_UI_ORIGIN, else the origin of TEMPORAL_UI_URL) and calls the
 * endpoint from the browser with `fetch`. Only that origin gets CORS headers, which web/server.ts sets
 * here for every answer of the endpoint; it also answers the browser's preflight here (Remix routes do
 * not take OPTIONS) and lets the UI's POSTs past its same-origin check, which the route then repeats
 * exactly (codec-endpoint.server.ts).
 */
import type { NextFunction, Request, Response } from 'express';

/** The paths of the Temporal UI's remote codec protocol under this app. */
export const codecPaths = ['/codec/decode', '/codec/encode'] as const;

export function isCodecPath(path: string): boolean {
  return (codecPaths as readonly string[]).includes(path.replace(/\/+$/, ''));
}

/** The one origin allowed to call the codec endpoint from a browser. */
export function temporalUiOrigin(env: { TEMPORAL_UI_ORIGIN?: string; TEMPORAL_UI_URL: string }): string {
  return new URL(env.TEMPORAL_UI_ORIGIN ?? env.TEMPORAL_UI_URL).origin;
}

/** The CORS headers of an answer to the Temporal UI (with credentials: the staff session cookie). */
export function codecCorsHeaders(origin: string): Record<string, string> {
  return {
    'Access-Control-Allow-Origin': origin,
    'Access-Control-Allow-Credentials': 'true',
    Vary: 'Origin',
  };
}

/** Whether a request is the Temporal UI calling the codec endpoint (exempt from the same-origin check). */
export function isTemporalUiCodecRequest(
  path: string,
  origin: string | undefined,
  env: { TEMPORAL_UI_ORIGIN?: string; TEMPORAL_UI_URL: string },
): boolean {
  return isCodecPath(path) && origin !== undefined && origin === temporalUiOrigin(env);
}

/**
 * CORS for the codec endpoint, before anything else answers: the Temporal UI's origin gets its CORS
 * headers on every answer (set here once, so a development server's own CORS handling cannot repeat
 * them), and its preflight (POST with JSON, the UI's X-Namespace header, an Authorization header when
 * the UI passes one) is answered 204. A preflight from any other origin is refused (403, no CORS
 * headers); its POST gets no CORS headers, and the route refuses it.
 */
export function codecCors(env: { TEMPORAL_UI_ORIGIN?: string; TEMPORAL_UI_URL: string }) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (!isCodecPath(req.path)) {
      next();
      return;
    }
    const allowed = isTemporalUiCodecRequest(req.path, req.get('origin'), env);
    if (allowed) res.set(codecCorsHeaders(temporalUiOrigin(env)));
    if (req.method !== 'OPTIONS') {
      next();
      return;
    }
    if (!allowed) {
      res.status(403).type('text/plain').send('The codec endpoint answers the Temporal UI only.');
      return;
    }
    res.set({
      'Access-Control-Allow-Methods': 'POST',
      'Access-Control-Allow-Headers': 'Content-Type, Authorization, X-Namespace',
      'Access-Control-Max-Age': '600',
    });
    res.status(204).end();
  };
}
