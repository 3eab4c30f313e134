import { vitePlugin as remix } from '@remix-run/dev';
import { defineConfig } from 'vite';

/**
 * Server-only packages with native code, gRPC or dynamic requires. They stay plain `import`s of
 * node_modules in the server build and are never pre-bundled for the browser.
 */
const serverOnlyPackages = [
  '@temporalio/client',
  '@temporalio/common',
  '@temporalio/proto',
  '@temporalio/workflow',
  '@grpc/grpc-js',
  '@grpc/proto-loader',
  'protobufjs',
  '@mikro-orm/core',
  '@mikro-orm/sql',
  '@mikro-orm/postgresql',
  '@mikro-orm/migrations',
  'ioredis',
  '@azure/storage-blob',
];

declare module '@remix-run/node' {
  // Types loaders and actions for single fetch (https://remix.run/docs/en/main/guides/single-fetch).
  interface Future {
    v3_singleFetch: true;
  }
  /** What web/server.ts hands every loader and action. */
  interface AppLoadContext {
    requestId: string;
    cspNonce: string;
    /** This browser's CSRF form token (see web/app/http/csrf.server.ts). */
    csrfToken: string;
    /** The client's IP address, for the audit trail. */
    clientIp: string | null;
  }
}

/**
 * Packages that route modules use only in loaders and actions. Remix strips that code from the
 * browser build, so they must not be pre-bundled for the browser either.
 */
const loaderOnlyPackages = ['@remix-run/node', 'remix-auth', 'remix-auth-form', 'zod', 'isbot'];

export default defineConfig({
  publicDir: 'web/public',
  cacheDir: 'node_modules/.vite/web',
  plugins: [
    remix({
      appDirectory: 'web/app',
      buildDirectory: 'web/build',
      future: {
        v3_fetcherPersist: true,
        v3_relativeSplatPath: true,
        v3_throwAbortReason: true,
        v3_singleFetch: true,
        v3_lazyRouteDiscovery: true,
        v3_routeConfig: true,
      },
    }),
  ],
  ssr: { external: serverOnlyPackages },
  optimizeDeps: { exclude: [...serverOnlyPackages, ...loaderOnlyPackages] },
  server: {
    watch: {
      ignored: ['**/.data/**', '**/.cache/**', '**/.tools/**', '**/screenshots/**', '**/coverage/**'],
    },
  },
});
