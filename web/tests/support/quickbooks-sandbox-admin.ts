/**
 * The test stack's QuickBooks sandbox (infra/local/quickbooks-sandbox), driven over its admin HTTP
 * API: each test file makes its own companies, so files running at the same time never meet.
 */
import { inject } from 'vitest';

export function sandboxUrl(): string {
  const url = inject('stackEnv').QUICKBOOKS_SANDBOX_URL;
  if (!url) throw new Error('QUICKBOOKS_SANDBOX_URL is not set: is the test stack running?');
  return url;
}

async function admin<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${sandboxUrl()}/admin/${path}`, {
    method,
    headers: { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok)
    throw new Error(`sandbox admin ${method} ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

export const sandboxAdmin = {
  createRealm: (companyName: string, months = 2) =>
    admin<{ id: string; companyName: string }>('POST', 'realms', { companyName, months }),
  setRealmWebhook: (realmId: string, url: string | null, format: 'cloudevents' | 'legacy' = 'cloudevents') =>
    admin('PUT', `realms/${realmId}/webhook`, url ? { url, format } : {}),
  entity: (realmId: string, entity: string, id: string) =>
    admin<Record<string, unknown> | null>('GET', `realms/${realmId}/entities/${entity}/${id}`),
  edit: (realmId: string, entity: string, id: string, patch: Record<string, unknown>) =>
    admin<Record<string, unknown>>('POST', `realms/${realmId}/entities/${entity}/${id}`, { patch }),
  expireAccessTokens: (realmId: string) => admin('POST', 'tokens/expire', { realmId }),
  revokeGrants: (realmId: string) => admin('POST', 'tokens/revoke', { realmId }),
  flushWebhooks: () => admin('POST', 'webhooks/flush'),
  deliveries: () =>
    admin<
      { url: string; format: string; body: string; delivered: boolean; lastResult: number | string | null }[]
    >('GET', 'webhooks/deliveries'),
};

/** Approves the sandbox's consent page for `realmId`, as a person clicking "Connect" would; returns the redirect. */
export async function approveInSandbox(
  authorizeUrl: string,
  realmId: string,
  decision: 'approve' | 'deny' = 'approve',
) {
  const page = await fetch(authorizeUrl);
  const html = await page.text();
  if (page.status !== 200) throw new Error(`the sandbox consent page answered ${page.status}: ${html}`);
  const hidden: Record<string, string> = {};
  for (const match of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    hidden[match[1] ?? ''] = (match[2] ?? '')
      .replace(/&amp;/g, '&')
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'");
  }
  const response = await fetch(`${sandboxUrl()}/connect/oauth2`, {
    method: 'POST',
    redirect: 'manual',
    body: new URLSearchParams({ ...hidden, realmId, decision }),
  });
  const location = response.headers.get('location');
  if (response.status !== 302 || !location)
    throw new Error(`the sandbox consent answered ${response.status}`);
  return { page: html, location };
}
