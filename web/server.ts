/**
 * The web process: Express serving the Remix app. In development Vite runs as middleware (no build
 * needed, HMR on the same port); in production it serves web/build. Run directly with
 * `tsx web/server.ts`, or start in-process with `startWebServer` (tests do, on port 0).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRequestHandler } from '@remix-run/express';
import type { ServerBuild } from '@remix-run/node';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { ViteDevServer } from 'vite';
import { setFieldKeyring } from '../db/shared/field-keyring';
import { loadKeyring } from '../lib/crypto/keyring-config';
import { EnvError } from '../lib/env';
import { configureWebEnv, parseWebEnv, type TWebEnv } from './app/env.server';
import { blobStorage, closeServices } from './app/services.server';
import { csrfForRequest } from './app/http/csrf.server';
import { codecCors, isTemporalUiCodecRequest } from './app/temporal/codec-cors.server';
import { framedDocumentSecurityPolicy } from './app/http/framed-documents';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const viteConfigFile = fileURLToPath(new URL('./vite.config.ts', import.meta.url));
const clientBuildDir = fileURLToPath(new URL('./build/client', import.meta.url));
const serverBuildFile = fileURLToPath(new URL('./build/server/index.js', import.meta.url));

export interface StartWebServerOptions {
  /** 0 picks a free port. */
  port: number;
  /** Interface to listen on; all interfaces unless given. */
  host?: string;
  /** `development`: Vite middleware, no build. `production`: serves web/build (run `npm run build` first). */
  mode: 'development' | 'production';
  /** Variables that override process.env for this server (tests pass their stack's URLs here). */
  env?: Record<string, string | undefined>;
}

export interface WebServer {
  url: string;
  env: TWebEnv;
  /** Stops accepting requests, ends live streams, lets other requests finish, closes every connection pool. */
  close(): Promise<void>;
}

type Locals = { requestId: string; cspNonce: string; csrfToken: string };

/** A request ID from the load balancer when it looks like one, else a new one. */
function requestIdOf(req: Request): string {
  const incoming = req.get('x-request-id');
  return incoming && /^[\w.:-]{8,100}$/.test(incoming) ? incoming : randomUUID();
}

/**
 * `storageOrigin` is where browsers upload documents directly (short-lived SAS URLs): the one
 * origin besides this site that pages may connect to.
 */
function contentSecurityPolicy(nonce: string, development: boolean, storageOrigin: string): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}'`,
    // Vite injects <style> tags for its error overlay in development only.
    development ? "style-src 'self' 'unsafe-inline'" : "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    development ? `connect-src 'self' ${storageOrigin} ws: wss:` : `connect-src 'self' ${storageOrigin}`,
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "object-src 'none'",
  ].join('; ');
}

/** Request ID, CSP nonce and security headers on every response. */
function securityHeaders(env: TWebEnv, development: boolean) {
  const storageOrigin = blobStorage().browserOrigin;
  return (req: Request, res: Response<unknown, Locals>, next: NextFunction) => {
    res.locals.requestId = requestIdOf(req);
    res.locals.cspNonce = randomBytes(16).toString('base64');
    res.setHeader('X-Request-Id', res.locals.requestId);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'strict-origin-when-cross-origin');
    // A document shown in this site's own frames (the email preview) brings its own, stricter policy.
    const framed = framedDocumentSecurityPolicy(req.path);
    res.setHeader('X-Frame-Options', framed ? 'SAMEORIGIN' : 'DENY');
    res.setHeader(
      'Content-Security-Policy',
      framed ?? contentSecurityPolicy(res.locals.cspNonce, development, storageOrigin),
    );
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    res.setHeader('Permissions-Policy', 'camera=(), microphone=(), geolocation=(), payment=()');
    // Outside development (where the app runs on plain http://localhost) browsers must only use HTTPS.
    if (env.NODE_ENV !== 'development')
      res.setHeader('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
    next();
  };
}

/**
 * Refuses form posts from other sites (CSRF). Browsers send Origin on every POST; a request whose
 * Origin is neither this host nor PUBLIC_URL is rejected before it reaches an action.
 */
/** Gives each browser its CSRF cookie and puts the matching form token in res.locals (see csrf.server). */
function csrfCookie(env: TWebEnv) {
  const options = { secret: env.SESSION_SECRET, secure: env.NODE_ENV !== 'development' };
  return (req: Request, res: Response<unknown, Locals>, next: NextFunction) => {
    const { token, setCookie } = csrfForRequest(req.headers.cookie, options);
    res.locals.csrfToken = token;
    if (setCookie) res.append('Set-Cookie', setCookie);
    next();
  };
}

function sameOriginMutations(env: TWebEnv) {
  const publicOrigin = new URL(env.PUBLIC_URL).origin;
  return (req: Request, res: Response, next: NextFunction) => {
    if (['GET', 'HEAD', 'OPTIONS'].includes(req.method)) return next();
    const origin = req.get('origin');
    // The Temporal UI's codec calls come from its own origin, which the codec route checks exactly.
    if (isTemporalUiCodecRequest(req.path, origin, env)) return next();
    const crossSite = req.get('sec-fetch-site') === 'cross-site';
    let sameOrigin = true;
    if (origin) {
      try {
        sameOrigin = origin === publicOrigin || new URL(origin).host === req.get('host');
      } catch {
        sameOrigin = false;
      }
    }
    if (crossSite || !sameOrigin) {
      res.status(403).type('text/plain').send('This form was sent from another site and was refused.');
      return;
    }
    next();
  };
}

/** Last resort for errors outside Remix's own handling: logged with the request ID, never shown. */
function errorHandler(error: unknown, _req: Request, res: Response<unknown, Locals>, next: NextFunction) {
  console.error(`[${res.locals.requestId}] unhandled error`, error);
  if (res.headersSent) return next(error);
  res
    .status(500)
    .type('text/plain')
    .send(`Something went wrong on our side. Please try again. (Reference: ${res.locals.requestId})`);
}

function listen(server: Server, port: number, host: string | undefined): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

export async function startWebServer(options: StartWebServerOptions): Promise<WebServer> {
  const env = parseWebEnv({ ...process.env, ...options.env });
  if (options.mode === 'production' && env.NODE_ENV !== 'production') {
    throw new EnvError(
      'web: production mode needs NODE_ENV=production (it serves the built app with secure cookies).',
    );
  }
  configureWebEnv(env);
  setFieldKeyring(loadKeyring({ ...process.env, ...options.env }, 'web'));
  const development = options.mode === 'development';

  const app = express();
  app.disable('x-powered-by');
  const server = createServer(app);

  // Live streams (Server-Sent Events) never end by themselves: shutdown ends them first.
  const streams = new Set<Socket>();
  app.use((req, res, next) => {
    if (req.get('accept')?.includes('text/event-stream')) {
      streams.add(req.socket);
      res.once('close', () => streams.delete(req.socket));
    }
    next();
  });
  app.use(securityHeaders(env, development));
  app.use(codecCors(env));
  app.use(sameOriginMutations(env));
  app.use(csrfCookie(env));

  let vite: ViteDevServer | undefined;
  let build: ServerBuild | (() => Promise<ServerBuild>);
  if (development) {
    const { createServer: createViteServer } = await import('vite');
    vite = await createViteServer({
      configFile: viteConfigFile,
      root: repoRoot,
      appType: 'custom',
      server: { middlewareMode: true, hmr: { server } },
    });
    app.use(vite.middlewares);
    const devServer = vite;
    build = () => devServer.ssrLoadModule('virtual:remix/server-build') as Promise<ServerBuild>;
  } else {
    app.use('/assets', express.static(`${clientBuildDir}/assets`, { immutable: true, maxAge: '1y' }));
    app.use(express.static(clientBuildDir, { maxAge: '1h' }));
    build = (await import(pathToFileURL(serverBuildFile).href)) as ServerBuild;
  }

  const handleRemix = createRequestHandler({
    build,
    mode: options.mode,
    getLoadContext: (req: IncomingMessage, res: ServerResponse) => {
      const { requestId, cspNonce, csrfToken } = (res as Response<unknown, Locals>).locals;
      // Express's req.ip honours the `trust proxy` setting; the socket address otherwise.
      const clientIp = (req as express.Request).ip ?? req.socket.remoteAddress ?? null;
      return { requestId, cspNonce, csrfToken, clientIp };
    },
  });
  // The Remix handler passes its own failures to next(), so its promise never rejects.
  app.all('*', (req, res, next) => void handleRemix(req, res, next));
  app.use(errorHandler);

  const address = await listen(server, options.port, options.host);
  const shownHost =
    !options.host || options.host === '0.0.0.0' || options.host === '::' ? 'localhost' : options.host;
  const url = `http://${shownHost}:${address.port}`;

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of streams) socket.destroy();
      server.closeIdleConnections();
      const forceAfter = setTimeout(() => server.closeAllConnections(), 10_000);
      await stopped;
      clearTimeout(forceAfter);
      await vite?.close();
      await closeServices();
    })();
    return closing;
  };
  return { url, env, close };
}

async function main(): Promise<void> {
  const mode = process.env.NODE_ENV === 'production' ? 'production' : 'development';
  const port = Number(process.env.PORT ?? 3000);
  const web = await startWebServer({ port, mode });
  console.log(`web ready at ${web.url} (${mode})`);

  let signals = 0;
  const shutdown = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals > 1) {
      console.log(`${signal} again: exiting now`);
      process.exit(1);
    }
    console.log(`${signal}: shutting down`);
    web.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('shutdown failed', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error instanceof EnvError ? error.message : error);
    process.exit(1);
  });
}
