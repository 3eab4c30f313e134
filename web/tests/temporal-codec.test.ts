/**
 * Temporal payload encryption end to end: the web app starts onboarding and the client's profile is
 * signalled with the product's data converter; Temporal's raw history (read by a client without the
 * codec) holds only ciphertext; the codec endpoint for the Temporal UI decodes it for an owner on the
 * UI's origin, audits every request, and refuses everyone else.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Client as TemporalClient } from '@temporalio/client';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import {
  historyFromJSON,
  JSONToPayload,
  payloadToJSON,
  type History,
} from '@temporalio/common/lib/proto-utils';
import proto from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditEvent } from '../../db/audit/audit-event.entity';
import { Contact } from '../../db/clients/contact.entity';
import type { Orm } from '../../db/orm';
import { User } from '../../db/users/user.entity';
import { demoLogins } from '../../db/seed/demo-logins';
import { forSystem } from '../../db/tenancy/tenant-context';
import { fetchDecodedHistory } from '../../lib/temporal/data-converter';
import { ENCRYPTED_ENCODING, KEY_ID_METADATA_KEY } from '../../lib/temporal/payload-codec';
import { connectRawClient, namespace } from '../../tests/support/temporal';
import {
  onboardingWorkflowId,
  profileSubmittedSignal,
  type TClientProfile,
} from '../../workflows/onboarding/client-onboarding.contracts';
import { parseWebEnv } from '../app/env.server';
import { temporalUiOrigin } from '../app/temporal/codec-cors.server';
import type { WebServer } from '../server';
import { HttpSession, locationOf, signInStaff } from './support/http-session';
import { startTestPlatform, type TestPlatform } from './support/test-platform';

const owner = demoLogins.find((login) => login.role === 'owner')!;
const preparer = demoLogins.find((login) => login.role === 'preparer')!;
const text = (bytes: Uint8Array | null | undefined) => new TextDecoder().decode(bytes ?? new Uint8Array());

const profile: TClientProfile = {
  legalName: 'Avery Quinn Marlowe',
  phone: '6175550142',
  addressLine1: '77 Lantern Row',
  city: 'Cambridge',
  state: 'MA',
  postalCode: '02139',
  preferredContact: 'phone',
};
const contactEmail = `codec-${randomUUID().slice(0, 8)}@client.example`;

let platform: TestPlatform;
let orm: Orm;
let web: WebServer;
let temporal: TemporalClient;
let raw: { client: TemporalClient; close: () => Promise<void> };
let ownerSession: HttpSession;
let uiOrigin: string;
let workflowId: string;
/** The profile signal's payload as Temporal stores it. */
let storedSignal: Payload;

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The payloads of the history's inputs and results (what the codec must have encrypted). */
function dataPayloads(history: History): { where: string; payload: Payload }[] {
  const found: { where: string; payload: Payload }[] = [];
  for (const event of history.events ?? []) {
    const groups: [string, Payload[] | null | undefined][] = [
      ['workflow input', event.workflowExecutionStartedEventAttributes?.input?.payloads],
      ['signal input', event.workflowExecutionSignaledEventAttributes?.input?.payloads],
      ['activity input', event.activityTaskScheduledEventAttributes?.input?.payloads],
      ['activity result', event.activityTaskCompletedEventAttributes?.result?.payloads],
    ];
    for (const [where, payloads] of groups)
      for (const payload of payloads ?? []) found.push({ where, payload });
  }
  return found;
}

function historyBytes(history: History): Buffer {
  return Buffer.from(proto.temporal.api.history.v1.History.encode(history).finish());
}

async function signalledHistory(client: TemporalClient): Promise<History> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    const signalled = history.events?.some((e) => e.workflowExecutionSignaledEventAttributes);
    const ranAfter = history.events?.some((e) => e.activityTaskCompletedEventAttributes);
    if (signalled && ranAfter) return history;
    if (Date.now() > deadline) throw new Error('timed out waiting for the signal in the history');
    await sleep(300);
  }
}

function codecPost(
  session: HttpSession,
  operation: 'decode' | 'encode',
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return session.fetch(`/codec/${operation}`, {
    method: 'POST',
    body: typeof body === 'string' ? body : JSON.stringify(body),
    headers: { 'Content-Type': 'application/json', Origin: uiOrigin, 'X-Namespace': namespace(), ...headers },
  });
}

async function codecAudits(action: string): Promise<{ actorId: string | null; details: unknown }[]> {
  const rows = await forSystem(orm, 'test assertions').find(
    AuditEvent,
    { organization: platform.demoFirmId, action },
    { orderBy: { occurredAt: 'asc' } },
  );
  return rows.map((row) => ({ actorId: row.actorId ?? null, details: row.details }));
}

beforeAll(async () => {
  platform = await startTestPlatform({ name: 'temporal codec' });
  ({ orm, web, temporal } = platform);
  raw = await connectRawClient();
  uiOrigin = temporalUiOrigin(web.env);
  ownerSession = new HttpSession(web.url);
  expect(locationOf(await signInStaff(ownerSession, owner))).toBe('/app');

  // The web app creates the client and starts onboarding with its own Temporal client.
  const { html } = await ownerSession.page('/app/clients/new');
  const clientId = /name="clientId" value="([0-9a-f-]{36})"/.exec(html)?.[1];
  if (!clientId) throw new Error('the new-client form has no clientId');
  const created = await ownerSession.post('/app/clients/new', {
    clientId,
    kind: 'individual',
    displayName: 'Avery Marlowe',
    contactName: 'Avery Marlowe',
    contactEmail,
  });
  expect(created.status).toBe(302);
  workflowId = onboardingWorkflowId(clientId);
  // The workflow's first activity creates the client and its contact.
  const deadline = Date.now() + 60_000;
  let contact = await forSystem(orm, 'test assertions').findOne(Contact, { client: clientId });
  while (!contact) {
    if (Date.now() > deadline) throw new Error('the onboarding workflow never created the contact');
    await sleep(300);
    contact = await forSystem(orm, 'test assertions').findOne(Contact, { client: clientId });
  }
  await temporal.workflow.getHandle(workflowId).signal(profileSubmittedSignal, {
    contactId: contact.id,
    profile,
    submittedAt: new Date().toISOString(),
  });
}, 180_000);

afterAll(async () => {
  await raw?.close();
  await platform?.stop();
});

describe('Temporal payload encryption', () => {
  it('stores the workflow input, the profile signal and activity results only as ciphertext', async () => {
    const history = await signalledHistory(raw.client);
    const payloads = dataPayloads(history);
    const where = new Set(payloads.map((p) => p.where));
    expect(where).toEqual(new Set(['workflow input', 'signal input', 'activity input', 'activity result']));
    const activeKeyId = web.env.TEMPORAL_PAYLOAD_ACTIVE_KEY;
    for (const { where: place, payload } of payloads) {
      expect(text(payload.metadata?.encoding), place).toBe(ENCRYPTED_ENCODING);
      expect(text(payload.metadata?.[KEY_ID_METADATA_KEY]), place).toBe(activeKeyId);
    }

    const stored = historyBytes(history).toString('latin1');
    for (const secret of [profile.phone, profile.legalName, profile.addressLine1, contactEmail]) {
      expect(stored).not.toContain(secret);
    }
    // The same history read with the product's codec holds them: the check above could have failed.
    const decoded = historyBytes(await fetchDecodedHistory(temporal, workflowId)).toString('latin1');
    expect(decoded).toContain(profile.phone);
    expect(decoded).toContain(contactEmail);

    storedSignal = history.events!.find((e) => e.workflowExecutionSignaledEventAttributes)!
      .workflowExecutionSignaledEventAttributes!.input!.payloads![0]!;
  });

  it('exports the history decoded with npm run histories:export, in the form the replay tests read', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'cpa-history-'));
    try {
      const out = path.join(dir, 'onboarding.json');
      const script = fileURLToPath(new URL('../../scripts/export-history.ts', import.meta.url));
      const { stderr } = await run(process.execPath, ['--import', 'tsx', script, workflowId, '--out', out], {
        env: process.env,
      });
      expect(stderr).toMatch(/^wrote \d+ events of onboarding:/);
      const exported = await readFile(out, 'utf8');
      expect(exported).not.toContain(ENCRYPTED_ENCODING);
      const history = historyFromJSON(JSON.parse(exported) as unknown);
      const signal = history.events!.find((e) => e.workflowExecutionSignaledEventAttributes)!;
      const payload = signal.workflowExecutionSignaledEventAttributes!.input!.payloads![0]!;
      expect(defaultPayloadConverter.fromPayload(payload)).toMatchObject({
        profile: { phone: profile.phone },
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('the codec endpoint for the Temporal UI', () => {
  it('decodes for a signed-in owner on the UI origin, with CORS headers, and audits the request without its contents', async () => {
    const before = (await codecAudits('temporal.payloads_decoded')).length;
    const plainPayload = defaultPayloadConverter.toPayload({ note: 'not encrypted' });
    const response = await codecPost(ownerSession, 'decode', {
      payloads: [payloadToJSON(storedSignal), payloadToJSON(plainPayload)],
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe(uiOrigin);
    expect(response.headers.get('access-control-allow-credentials')).toBe('true');
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = (await response.json()) as { payloads: Parameters<typeof JSONToPayload>[0][] };
    expect(body.payloads).toHaveLength(2);
    const [signal, plain] = body.payloads.map((p) => defaultPayloadConverter.fromPayload(JSONToPayload(p)));
    expect(signal).toMatchObject({ profile: { phone: profile.phone, legalName: profile.legalName } });
    expect(plain).toEqual({ note: 'not encrypted' });

    const audits = await codecAudits('temporal.payloads_decoded');
    expect(audits).toHaveLength(before + 1);
    const ownerUser = await forSystem(orm, 'test assertions').findOneOrFail(User, { email: owner.email });
    expect(audits.at(-1)).toEqual({
      actorId: ownerUser.id,
      details: {
        payloads: 2,
        encrypted: 1,
        keyIds: [web.env.TEMPORAL_PAYLOAD_ACTIVE_KEY],
        outcome: 'ok',
      },
    });
    expect(JSON.stringify(audits.at(-1))).not.toContain(profile.phone);
  });

  it('encodes what the UI sends with the active key, so the product decodes it', async () => {
    const response = await codecPost(ownerSession, 'encode', {
      payloads: [payloadToJSON(defaultPayloadConverter.toPayload({ reason: 'typed in the UI' }))],
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { payloads: Parameters<typeof JSONToPayload>[0][] };
    const encoded = JSONToPayload(body.payloads[0]!);
    expect(text(encoded.metadata?.encoding)).toBe(ENCRYPTED_ENCODING);
    const decoded = await codecPost(ownerSession, 'decode', { payloads: [payloadToJSON(encoded)] });
    const [back] = ((await decoded.json()) as { payloads: Parameters<typeof JSONToPayload>[0][] }).payloads;
    expect(defaultPayloadConverter.fromPayload(JSONToPayload(back!))).toEqual({ reason: 'typed in the UI' });
    expect(await codecAudits('temporal.payloads_encoded')).toHaveLength(1);
  });

  it('answers the browser preflight for the Temporal UI origin only', async () => {
    const preflight = (origin: string) =>
      fetch(new URL('/codec/decode', web.url), {
        method: 'OPTIONS',
        headers: {
          Origin: origin,
          'Access-Control-Request-Method': 'POST',
          'Access-Control-Request-Headers': 'content-type,x-namespace',
        },
      });
    const allowed = await preflight(uiOrigin);
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(uiOrigin);
    expect(allowed.headers.get('access-control-allow-credentials')).toBe('true');
    expect(allowed.headers.get('access-control-allow-methods')).toBe('POST');
    expect(allowed.headers.get('access-control-allow-headers')).toContain('X-Namespace');

    const refused = await preflight('https://elsewhere.example');
    expect(refused.status).toBe(403);
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('refuses another origin, no origin, a visitor without a session and a role without the permission, and audits none of them', async () => {
    const before = (await codecAudits('temporal.payloads_decoded')).length;
    const body = { payloads: [payloadToJSON(storedSignal)] };

    const otherOrigin = await codecPost(ownerSession, 'decode', body, {
      Origin: 'https://elsewhere.example',
    });
    expect(otherOrigin.status).toBe(403);
    expect(otherOrigin.headers.get('access-control-allow-origin')).toBeNull();

    const noOrigin = await ownerSession.fetch('/codec/decode', {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'Content-Type': 'application/json' },
    });
    expect(noOrigin.status).toBe(403);
    expect(await noOrigin.text()).not.toContain(profile.phone);

    const anonymous = await codecPost(new HttpSession(web.url), 'decode', body);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('access-control-allow-origin')).toBe(uiOrigin);
    expect(((await anonymous.json()) as { message: string }).message).toContain('Sign in');

    const preparerSession = new HttpSession(web.url);
    await signInStaff(preparerSession, preparer);
    const forbidden = await codecPost(preparerSession, 'decode', body);
    expect(forbidden.status).toBe(404);
    expect(await forbidden.text()).not.toContain(profile.phone);

    const get = await ownerSession.get('/codec/decode');
    expect(get.status).toBe(405);

    expect(await codecAudits('temporal.payloads_decoded')).toHaveLength(before);
  });

  it('answers bad requests with a readable 400, and a tampered payload with a 422 that is still audited', async () => {
    const notJson = await codecPost(ownerSession, 'decode', 'payloads=1', {
      'Content-Type': 'application/x-www-form-urlencoded',
    });
    expect(notJson.status).toBe(400);
    const malformed = await codecPost(ownerSession, 'decode', { payloads: [{ data: 'not base64!' }] });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { message: string }).message).toContain('must be base64');

    const before = (await codecAudits('temporal.payloads_decoded')).length;
    const data = Buffer.from(storedSignal.data!);
    data[data.length - 1] = data[data.length - 1]! ^ 0xff;
    const tampered = await codecPost(ownerSession, 'decode', {
      payloads: [payloadToJSON({ ...storedSignal, data: new Uint8Array(data) })],
    });
    expect(tampered.status).toBe(422);
    expect(((await tampered.json()) as { message: string }).message).toContain('failed authentication');
    const audits = await codecAudits('temporal.payloads_decoded');
    expect(audits).toHaveLength(before + 1);
    expect(audits.at(-1)?.details).toMatchObject({ outcome: 'authentication_failed' });
  });
});

describe('the web configuration of Temporal payload encryption', () => {
  it('refuses to start without payload keys, naming both variables', () => {
    const { TEMPORAL_PAYLOAD_KEYS: _keys, TEMPORAL_PAYLOAD_ACTIVE_KEY: _active, ...rest } = web.env;
    const source = Object.fromEntries(
      Object.entries(rest)
        .filter(([, value]) => value !== undefined)
        .map(([name, value]) => [name, String(value)]),
    );
    expect(() => parseWebEnv(source)).toThrow(/TEMPORAL_PAYLOAD_KEYS: must list the Temporal payload keys/);
    expect(() =>
      parseWebEnv({ ...source, TEMPORAL_PAYLOAD_KEYS: 't1:short', TEMPORAL_PAYLOAD_ACTIVE_KEY: 't1' }),
    ).toThrow(/TEMPORAL_PAYLOAD_KEYS: key "t1" is not base64 of 32 random bytes/);
  });
});
