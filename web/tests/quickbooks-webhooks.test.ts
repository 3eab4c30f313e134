/**
 * POST /webhooks/quickbooks over HTTP: signature on the raw body, both payload formats, dedupe per
 * event ID, 200 at once, then the running close of the change's month gets `ledgerChangedSignal`
 * (or the event is kept as "stored, no running close"). Includes the stack's QuickBooks sandbox
 * delivering its own signed webhooks when a transaction changes.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { systemActor } from '../../db/audit/actor';
import { Client } from '../../db/clients/client.entity';
import { connectLedgerCompany } from '../../db/integrations/connect-ledger-company';
import { WebhookEvent } from '../../db/webhooks/webhook-event.entity';
import { forSystem, forTenant } from '../../db/tenancy/tenant-context';
import { createLedger } from '../../integrations/ledger/create-ledger';
import { ledgerConfigFromEnv, ledgerEnvFields, localSandboxApp } from '../../integrations/ledger/ledger-env';
import { legacyEventId, signIntuitPayload } from '../../integrations/ledger/quickbooks/webhooks';
import { closeWorkflowIdFor, type TLedgerChanged } from '../../workflows/shared/ledger.contracts';
import { approveInSandbox, sandboxAdmin, sandboxUrl } from './support/quickbooks-sandbox-admin';
import { startTestPlatform, type TestPlatform } from './support/test-platform';
import { decodedHistoryOf } from '../../tests/support/temporal';

let platform: TestPlatform;
let client: { id: string };
let realmId: string;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function post(
  body: string,
  signature: string | null = signIntuitPayload(body, localSandboxApp.webhookVerifierToken),
) {
  return fetch(`${platform.web.url}/webhooks/quickbooks`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      ...(signature === null ? {} : { 'intuit-signature': signature }),
    },
    body,
  });
}

function cloudEvent(overrides: Record<string, unknown> = {}) {
  return {
    specversion: '1.0',
    id: `evt-${randomUUID()}`,
    source: 'intuit.test',
    type: 'qbo.purchase.updated.v1',
    datacontenttype: 'application/json',
    time: new Date().toISOString(),
    intuitentityid: '1',
    intuitaccountid: realmId,
    data: {},
    ...overrides,
  };
}

async function events(eventId: string) {
  return forSystem(platform.orm, 'test assertions').find(WebhookEvent, {
    provider: 'quickbooks',
    providerEventId: eventId,
  });
}

async function settled(eventId: string) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const [event] = await events(eventId);
    if (event && event.status !== 'received') return event;
    if (Date.now() > deadline)
      throw new Error(`event ${eventId} was not handled in time (${event?.status ?? 'missing'})`);
    await sleep(150);
  }
}

/** A purchase of the realm dated in an earlier month than now, with its month. */
async function earlierPurchase(): Promise<{ id: string; period: string }> {
  const thisMonth = new Date().toISOString().slice(0, 7);
  for (let id = 1; id < 200; id++) {
    const entity = await sandboxAdmin.entity(realmId, 'Purchase', String(id)).catch(() => null);
    if (entity && typeof entity.TxnDate === 'string' && entity.TxnDate.slice(0, 7) < thisMonth) {
      return { id: String(id), period: entity.TxnDate.slice(0, 7) };
    }
  }
  throw new Error('no earlier purchase in the sandbox company');
}

beforeAll(async () => {
  platform = await startTestPlatform({
    name: 'quickbooks webhooks',
    reminders: { intervalsSeconds: [86_400], followUpAfterSeconds: 86_400 },
  });
  const realm = await sandboxAdmin.createRealm(`Webhook Co ${randomBytes(3).toString('hex')}`, 3);
  realmId = realm.id;
  const [first] = await forSystem(platform.orm, 'test assertions').find(
    Client,
    { organization: platform.demoFirmId },
    { fields: ['id'], orderBy: { displayName: 'desc' }, limit: 1 },
  );
  client = { id: first!.id };
  const env = z.object(ledgerEnvFields('test')).parse({ QUICKBOOKS_SANDBOX_URL: sandboxUrl() });
  const ledger = createLedger(ledgerConfigFromEnv(env, platform.web.env.PUBLIC_URL)!);
  const { location } = await approveInSandbox(ledger.authorizationUrl('test-state'), realmId);
  const grant = await ledger.exchangeCode(location);
  await connectLedgerCompany(forTenant(platform.orm, platform.demoFirmId), {
    organizationId: platform.demoFirmId,
    clientId: client.id,
    provider: 'quickbooks',
    realmId,
    companyName: realm.companyName,
    tokens: grant,
    actor: systemActor,
  });
}, 120_000);

afterAll(async () => {
  await sandboxAdmin.setRealmWebhook(realmId, null).catch(() => undefined);
  await platform?.stop();
});

describe('QuickBooks webhooks', () => {
  it('refuses a bad or missing signature with 401 and stores nothing', async () => {
    const event = cloudEvent();
    const body = JSON.stringify([event]);
    const forged = await post(body, signIntuitPayload(body, 'not-the-verifier-token'));
    expect(forged.status).toBe(401);
    expect((await post(body, null)).status).toBe(401);
    expect(
      (await post(`${body} `, signIntuitPayload(body, localSandboxApp.webhookVerifierToken))).status,
    ).toBe(401);
    expect(await events(event.id)).toEqual([]);
  });

  it('answers a signed body in neither format with 400', async () => {
    const response = await post(JSON.stringify({ hello: 'world' }));
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('not in a known format');
  });

  it('stores a CloudEvents change once, answers 200, and keeps it as "stored, no running close" for its transaction’s month', async () => {
    const purchase = await earlierPurchase();
    const event = cloudEvent({ intuitentityid: purchase.id });
    const body = JSON.stringify([event]);
    const first = await post(body);
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ received: 1, stored: 1, duplicates: 0 });
    const again = await post(body);
    expect(await again.json()).toEqual({ received: 1, stored: 0, duplicates: 1 });

    const stored = await settled(event.id);
    expect(await events(event.id)).toHaveLength(1);
    expect(stored).toMatchObject({ status: 'ignored', type: 'Purchase.Update' });
    expect(stored.organization?.id).toBe(platform.demoFirmId);
    expect(stored.error).toBe(
      `Stored, no running close for ${purchase.period} (${closeWorkflowIdFor(client.id, purchase.period)}; month from the transaction date).`,
    );
    expect(stored.payload).toMatchObject({
      format: 'cloudevents',
      realmId,
      entity: 'Purchase',
      entityId: purchase.id,
    });
  });

  it('signals the running close of that month with ledgerChangedSignal', async () => {
    const purchase = await earlierPurchase();
    const workflowId = closeWorkflowIdFor(client.id, purchase.period);
    // A close that is running: nothing polls this task queue, so it stays open and records signals.
    const handle = await platform.temporal.workflow.start('ledgerTestCloseWorkflow', {
      taskQueue: `quickbooks-webhook-test-${randomBytes(4).toString('hex')}`,
      workflowId,
      args: [],
    });
    try {
      const event = cloudEvent({ intuitentityid: purchase.id, type: 'qbo.purchase.created.v1' });
      expect((await post(JSON.stringify([event]))).status).toBe(200);
      const stored = await settled(event.id);
      expect(stored).toMatchObject({
        status: 'processed',
        error: `Signalled ${workflowId} (month from the transaction date).`,
      });

      const history = await decodedHistoryOf(handle);
      const signalled = (history.events ?? []).filter((e) => e.workflowExecutionSignaledEventAttributes);
      expect(signalled.map((e) => e.workflowExecutionSignaledEventAttributes?.signalName)).toEqual([
        'ledgerChanged',
      ]);
      const payload = signalled[0]!.workflowExecutionSignaledEventAttributes!.input!.payloads![0]!;
      const signal = JSON.parse(Buffer.from(payload.data!).toString('utf8')) as TLedgerChanged;
      expect(signal).toEqual({
        eventId: event.id,
        clientId: client.id,
        realmId,
        entity: 'Purchase',
        entityId: purchase.id,
        operation: 'Create',
        occurredAt: new Date(event.time).toISOString(),
        period: purchase.period,
      });
    } finally {
      await handle.terminate('test over');
    }
  });

  it('reads the legacy format, one event per entity with a derived ID, and dedupes its redelivery', async () => {
    const lastUpdated = new Date(Date.UTC(2026, 0, 15, 12)).toISOString();
    const body = JSON.stringify({
      eventNotifications: [
        {
          realmId,
          dataChangeEvent: {
            entities: [
              { name: 'Deposit', id: '9999', operation: 'Delete', lastUpdated },
              { name: 'Account', id: '3', operation: 'Update', lastUpdated },
            ],
          },
        },
      ],
    });
    expect(await (await post(body)).json()).toEqual({ received: 2, stored: 2, duplicates: 0 });
    expect(await (await post(body)).json()).toEqual({ received: 2, stored: 0, duplicates: 2 });
    const deleted = await settled(
      legacyEventId({ realmId, entity: 'Deposit', id: '9999', operation: 'Delete', lastUpdated }),
    );
    expect(deleted).toMatchObject({ status: 'ignored', type: 'Deposit.Delete' });
    // A deleted transaction cannot be read: its month is the change's month in the firm's time zone.
    expect(deleted.error).toContain('month from the change date');
    expect(deleted.error).toMatch(/no running close for 2026-01/);
  });

  it('keeps a change of a company no client is connected to as ignored', async () => {
    const event = cloudEvent({ intuitaccountid: '9341000000099999' });
    expect((await post(JSON.stringify([event]))).status).toBe(200);
    expect(await settled(event.id)).toMatchObject({
      status: 'ignored',
      error: 'No client is connected to this QuickBooks company.',
    });
  });

  it('receives the signed webhooks the QuickBooks sandbox sends when a transaction is edited there', async () => {
    const purchase = await earlierPurchase();
    await sandboxAdmin.setRealmWebhook(realmId, `${platform.web.url}/webhooks/quickbooks`, 'legacy');
    await sandboxAdmin.edit(realmId, 'Purchase', purchase.id, { PrivateNote: 'fixed in QuickBooks' });
    await sandboxAdmin.flushWebhooks();
    const delivered = (await sandboxAdmin.deliveries()).filter((d) => d.url.startsWith(platform.web.url));
    expect(delivered.at(-1)).toMatchObject({ delivered: true, lastResult: 200, format: 'legacy' });
    const legacy = JSON.parse(delivered.at(-1)!.body) as {
      eventNotifications: { dataChangeEvent: { entities: { lastUpdated: string }[] } }[];
    };
    const change = legacy.eventNotifications[0]!.dataChangeEvent.entities[0]!;
    const eventId = legacyEventId({
      realmId,
      entity: 'Purchase',
      id: purchase.id,
      operation: 'Update',
      lastUpdated: change.lastUpdated,
    });
    expect(await settled(eventId)).toMatchObject({ status: 'ignored', type: 'Purchase.Update' });
  });
});
