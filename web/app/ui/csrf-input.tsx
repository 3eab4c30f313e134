import { useRouteLoaderData } from '@remix-run/react';

/** The root loader's data this component reads (see web/app/root.tsx). */
export interface TRootData {
  csrfToken: string;
}

/** This browser's CSRF form token, for fetch() calls that send it as the X-CSRF-Token header. */
export function useCsrfToken(): string {
  return useRouteLoaderData<TRootData>('root')?.csrfToken ?? '';
}

/** The hidden CSRF field every POST form carries (checked by the route wrappers). */
export function CsrfInput() {
  return <input type="hidden" name="csrf" value={useCsrfToken()} />;
}
