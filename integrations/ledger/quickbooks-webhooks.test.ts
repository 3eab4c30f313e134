/**
 * Webhook signature checks and both payload formats, and the ledger configuration that chooses
 * between the local sandbox and Intuit.
 */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseEnv } from '../../lib/env';
import { checkLedgerEnv, ledgerConfigFromEnv, ledgerEnvFields, localSandboxApp } from './ledger-env';
import { isLedgerError } from './ledger-errors';
import {
  legacyEventId,
  parseQuickbooksWebhook,
  signIntuitPayload,
  verifyIntuitSignature,
} from './quickbooks/webhooks';

const token = 'verifier-token-for-tests';

describe('intuit-signature', () => {
  const body = '[{"id":"1"}]';
  const signature = createHmac('sha256', token).update(body).digest('base64');

  it('accepts base64(HMAC-SHA256(verifier token, raw body))', () => {
    expect(signIntuitPayload(body, token)).toBe(signature);
    expect(verifyIntuitSignature(body, signature, token)).toBe(true);
  });

  it('refuses a changed body, another token, a missing or malformed header', () => {
    expect(verifyIntuitSignature(`${body} `, signature, token)).toBe(false);
    expect(verifyIntuitSignature(body, signature, 'another-token')).toBe(false);
    expect(verifyIntuitSignature(body, null, token)).toBe(false);
    expect(verifyIntuitSignature(body, 'not base64 at all!', token)).toBe(false);
    expect(verifyIntuitSignature(body, signature.slice(0, 20), token)).toBe(false);
  });
});

describe('webhook payloads', () => {
  it('reads the CloudEvents array: one change per event, entity names as the API spells them', () => {
    const changes = parseQuickbooksWebhook(
      JSON.stringify([
        {
          specversion: '1.0',
          id: '88cd52aa-33b6-4351-9aa4-47572edbd068',
          source: 'intuit.abc',
          type: 'qbo.journalentry.updated.v1',
          datacontenttype: 'application/json',
          time: '2026-10-10T21:31:25.179Z',
          intuitentityid: '1234',
          intuitaccountid: '310687',
          data: {},
        },
        {
          specversion: '1.0',
          id: 'e2',
          type: 'qbo.customer.merged.v1',
          time: '2026-10-11T10:00:00Z',
          intuitentityid: '123',
          intuitaccountid: '310687',
          data: { deletedid: '27' },
        },
      ]),
    );
    expect(changes).toEqual([
      {
        eventId: '88cd52aa-33b6-4351-9aa4-47572edbd068',
        format: 'cloudevents',
        realmId: '310687',
        entity: 'JournalEntry',
        entityId: '1234',
        operation: 'Update',
        occurredAt: new Date('2026-10-10T21:31:25.179Z'),
      },
      {
        eventId: 'e2',
        format: 'cloudevents',
        realmId: '310687',
        entity: 'Customer',
        entityId: '123',
        operation: 'Merge',
        occurredAt: new Date('2026-10-11T10:00:00Z'),
        deletedId: '27',
      },
    ]);
  });

  it('reads the legacy format and derives the same event ID for a redelivery of the same change', () => {
    const body = JSON.stringify({
      eventNotifications: [
        {
          realmId: '310687',
          dataChangeEvent: {
            entities: [
              { id: '1234', operation: 'Create', name: 'Purchase', lastUpdated: '2026-09-08T20:52:31.657Z' },
              { id: '55', operation: 'Delete', name: 'Deposit', lastUpdated: '2026-09-08T20:53:00.000Z' },
            ],
          },
        },
      ],
    });
    const first = parseQuickbooksWebhook(body);
    const again = parseQuickbooksWebhook(body);
    expect(first.map((c) => c.eventId)).toEqual(again.map((c) => c.eventId));
    expect(first[0]).toEqual({
      eventId: legacyEventId({
        realmId: '310687',
        entity: 'Purchase',
        id: '1234',
        operation: 'Create',
        lastUpdated: '2026-09-08T20:52:31.657Z',
      }),
      format: 'legacy',
      realmId: '310687',
      entity: 'Purchase',
      entityId: '1234',
      operation: 'Create',
      occurredAt: new Date('2026-09-08T20:52:31.657Z'),
    });
    expect(first[1]?.eventId).not.toBe(first[0]?.eventId);
  });

  it('refuses bodies in neither format with a validation error', () => {
    for (const body of [
      'not json',
      '{"hello":1}',
      '[{"id":"x","type":"qbo.invoice.created.v1"}]',
      '[{"id":"x","type":"bad","intuitentityid":"1","intuitaccountid":"2"}]',
    ]) {
      let caught: unknown;
      try {
        parseQuickbooksWebhook(body);
      } catch (error) {
        caught = error;
      }
      expect(isLedgerError(caught, 'validation')).toBe(true);
    }
  });
});

describe('ledger configuration', () => {
  const schema = (nodeEnv: string) => z.object(ledgerEnvFields(nodeEnv)).superRefine(checkLedgerEnv);

  it('uses the local sandbox by default in development and tests', () => {
    const env = parseEnv('test', schema('test'), {});
    const config = ledgerConfigFromEnv(env, 'http://localhost:3000');
    expect(config).toMatchObject({
      mode: 'local',
      clientId: localSandboxApp.clientId,
      apiBaseUrl: 'http://127.0.0.1:8090',
      oauthEndpoints: {
        authorize: 'http://127.0.0.1:8090/connect/oauth2',
        token: 'http://127.0.0.1:8090/oauth2/v1/tokens/bearer',
        revoke: 'http://127.0.0.1:8090/v2/oauth2/tokens/revoke',
      },
      redirectUri: 'http://localhost:3000/oauth/quickbooks/callback',
    });
  });

  it('offers no ledger in production unless LEDGER_PROVIDER says which', () => {
    expect(ledgerConfigFromEnv(parseEnv('web', schema('production'), {}))).toBeNull();
  });

  it('fails fast naming every Intuit credential missing for LEDGER_PROVIDER=quickbooks', () => {
    expect(() =>
      parseEnv('web', schema('production'), { LEDGER_PROVIDER: 'quickbooks', INTUIT_CLIENT_ID: 'abc' }),
    ).toThrow(/INTUIT_CLIENT_SECRET: is required[\s\S]*INTUIT_WEBHOOK_VERIFIER_TOKEN: is required/);
    expect(() => parseEnv('web', schema('production'), { LEDGER_PROVIDER: 'xero' })).toThrow(
      /LEDGER_PROVIDER: must be local/,
    );
  });

  it('talks to Intuit production with credentials, overridable URLs for a proxy', () => {
    const env = parseEnv('web', schema('production'), {
      LEDGER_PROVIDER: 'quickbooks',
      INTUIT_CLIENT_ID: 'id',
      INTUIT_CLIENT_SECRET: 'secret',
      INTUIT_WEBHOOK_VERIFIER_TOKEN: 'verifier',
      QUICKBOOKS_API_BASE: 'https://proxy.example.com/qbo/',
    });
    const config = ledgerConfigFromEnv(env, 'https://app.example.com');
    expect(config).toMatchObject({
      mode: 'production',
      environment: 'production',
      apiBaseUrl: 'https://proxy.example.com/qbo',
      oauthEndpoints: { token: 'https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer' },
      redirectUri: 'https://app.example.com/oauth/quickbooks/callback',
    });
    expect(String(config?.clientSecret)).toBe('[redacted]');
  });
});
