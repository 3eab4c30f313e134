import { createContext, useContext, type ReactNode } from 'react';

/**
 * The CSP nonce of this response (web/server.ts makes one per request). Only the server knows it;
 * in the browser it is empty, which is fine because scripts are hydrated, not re-inserted.
 */
const NonceContext = createContext('');

export function NonceProvider({ value, children }: { value: string; children: ReactNode }) {
  return <NonceContext.Provider value={value}>{children}</NonceContext.Provider>;
}

export function useNonce(): string {
  return useContext(NonceContext);
}
