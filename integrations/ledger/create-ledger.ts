/**
 * The QuickBooks adapter of the ledger port: OAuth through intuit-oauth, the REST client, webhook
 * verification. The same code serves Intuit and the local sandbox; the configuration (ledger-env.ts)
 * says where to go.
 */
import type { Ledger } from './ledger';
import type { TLedgerConfig } from './ledger-env';
import { createQuickbooksOAuth } from './quickbooks/oauth';
import { createQuickbooksApi, type TQuickbooksApiOptions } from './quickbooks/rest-client';
import { parseQuickbooksWebhook, verifyIntuitSignature } from './quickbooks/webhooks';

export function createLedger(
  config: TLedgerConfig,
  apiOptions: Omit<TQuickbooksApiOptions, 'baseUrl'> = {},
): Ledger {
  const oauth = createQuickbooksOAuth({
    clientId: config.clientId,
    clientSecret: config.clientSecret,
    environment: config.environment,
    redirectUri: config.redirectUri,
    endpoints: config.oauthEndpoints,
  });
  const api = createQuickbooksApi({ ...apiOptions, baseUrl: config.apiBaseUrl });
  return {
    provider: 'quickbooks',
    mode: config.mode,
    authorizationUrl: (state) => oauth.authorizationUrl(state),
    exchangeCode: (callbackUrl) => oauth.exchangeCode(callbackUrl),
    refreshTokens: (refreshToken) => oauth.refresh(refreshToken),
    revokeToken: (token) => oauth.revoke(token),
    company: (realmId, tokens) => api.company(realmId, tokens),
    verifyWebhook: (rawBody, signature) =>
      verifyIntuitSignature(rawBody, signature, config.webhookVerifierToken.reveal()),
    parseWebhook: (rawBody) => parseQuickbooksWebhook(rawBody),
  };
}
