/**
 * The codec endpoint for the Temporal UI (Temporal's "remote codec" protocol): `POST /codec/decode`
 * and `POST /codec/encode` take `{ payloads: [{ metadata: { name: base64 }, data: base64 }] }` and
 * answer the same shape, run through this process's payload codec (lib/temporal/payload-codec.ts).
 * With it the UI shows workflow inputs, signals and activity results that Temporal stores encrypted.
 *
 * Who may call it:
 * - a browser on the Temporal UI's origin only (TEMPORAL_UI_ORIGIN, else TEMPORAL_UI_URL's origin): the
 *   Origin header must equal it exactly, and only that origin gets CORS headers (codec-cors.server.ts);
 * - a signed-in staff member (the staff session cookie: turn on "Include cross-origin credentials" in
 *   the UI's codec settings) with `temporal.decode` (owners and admins); anyone else signed in gets the
 *   same 404 as a missing page, a request without a session 401.
 *
 * CSRF: the UI posts JSON cross-origin with `fetch` and cannot read or send this app's CSRF token, so
 * these routes do not go through staffRoute's token check. What stands in for it: a cross-origin JSON
 * POST needs a CORS preflight, which web/server.ts grants only to the UI's origin; the Origin header,
 * which browsers set and pages cannot forge, must be that origin; and the body must be JSON (a plain
 * HTML form cannot send it).
 *
 * Every request that reaches the codec is audited (`temporal.payloads_decoded` / `_encoded`) with the
 * counts and key IDs, never payload contents.
 *
 * The limit: payloads carry no firm marker, so the codec cannot tell one firm's workflow data from
 * another's. An installation that serves several firms must treat this permission (and access to the
 * Temporal UI itself) as operator access to every firm's workflows.
 */
import type { ActionFunctionArgs } from '@remix-run/node';
import type { Payload } from '@temporalio/common';
import { JSONToPayload, payloadToJSON } from '@temporalio/common/lib/proto-utils';
import { z } from 'zod';
import { recordAuditEvent } from '../../../db/audit/record-audit-event';
import { forTenant } from '../../../db/tenancy/tenant-context';
import { KEY_ID_PATTERN } from '../../../lib/crypto/field-encryption';
import {
  isEncryptedPayload,
  KEY_ID_METADATA_KEY,
  PayloadCodecError,
} from '../../../lib/temporal/payload-codec';
import { requireStaff, type TStaff } from '../auth/guards.server';
import { can } from '../auth/permissions.server';
import { webEnv } from '../env.server';
import { RedirectError } from '../http/redirect.server';
import { handleRouteErrors, requestActor } from '../http/route.server';
import { orm, payloadCodec } from '../services.server';
import { temporalUiOrigin } from './codec-cors.server';

export type TCodecOperation = 'decode' | 'encode';

/** The most payloads one request may carry (the UI sends one event's payloads, or a page of them). */
const MAX_PAYLOADS = 1000;
/** The largest body accepted: Temporal's own payload limit is 2 MB per payload, a page of them fits. */
const MAX_BODY_BYTES = 8 * 1024 * 1024;

const ZBase64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64');
const ZCodecRequest = z.object({
  payloads: z
    .array(
      z.object({
        metadata: z.record(z.string(), ZBase64).nullish(),
        data: ZBase64.nullish(),
      }),
    )
    .max(MAX_PAYLOADS, `at most ${MAX_PAYLOADS} payloads per request`),
});

function answer(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return Response.json(body, { status, headers: { 'Cache-Control': 'no-store', ...headers } });
}

/** The signed-in staff member, or null when the request has no complete staff session. */
async function signedInStaff(request: Request): Promise<TStaff | null> {
  try {
    return await requireStaff(request);
  } catch (error) {
    // requireStaff sends a page visitor to sign-in; an API caller gets a 401 instead.
    if (error instanceof RedirectError) return null;
    throw error;
  }
}

async function readPayloads(request: Request): Promise<{ payloads: Payload[] } | { error: string }> {
  if (!(request.headers.get('content-type') ?? '').toLowerCase().startsWith('application/json')) {
    return { error: 'Send the payloads as JSON (Content-Type: application/json).' };
  }
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > MAX_BODY_BYTES) return { error: 'The request is too large.' };
  const text = await request.text();
  if (Buffer.byteLength(text) > MAX_BODY_BYTES) return { error: 'The request is too large.' };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { error: 'The body is not valid JSON.' };
  }
  const parsed = ZCodecRequest.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      error:
        `Expected { payloads: [{ metadata, data }] }: ${issue?.path.join('.') ?? ''} ${issue?.message ?? ''}`.trim(),
    };
  }
  try {
    return { payloads: parsed.data.payloads.map((payload) => JSONToPayload(payload)) };
  } catch {
    return { error: 'Expected { payloads: [{ metadata, data }] } with base64 metadata values and data.' };
  }
}

function keyIdsOf(payloads: Payload[]): string[] {
  const ids = payloads
    .filter(isEncryptedPayload)
    .map((payload) => new TextDecoder().decode(payload.metadata?.[KEY_ID_METADATA_KEY] ?? new Uint8Array()))
    // Only well-formed key IDs go into the audit trail, never whatever text a request carried.
    .map((keyId) => (KEY_ID_PATTERN.test(keyId) ? keyId : '(malformed)'));
  return [...new Set(ids)].sort();
}

/** The action of /codec/decode and /codec/encode. */
export function codecAction({ request, context }: ActionFunctionArgs, operation: TCodecOperation) {
  return handleRouteErrors(context, async () => {
    if (request.method !== 'POST') {
      return answer(405, { message: 'The codec endpoint takes POST only.' }, { Allow: 'POST' });
    }
    const env = webEnv();
    const uiOrigin = temporalUiOrigin(env);
    if (request.headers.get('origin') !== uiOrigin) {
      return answer(403, {
        message: 'The codec endpoint answers the Temporal UI only (its origin is TEMPORAL_UI_ORIGIN).',
      });
    }
    // The CORS headers for the UI's origin are on the response already (codecCors in web/server.ts).

    const staff = await signedInStaff(request);
    if (!staff) {
      return answer(401, {
        message:
          'Sign in to CPA Platform in this browser, and turn on "Include cross-origin credentials" in the Temporal UI\'s codec settings.',
      });
    }
    if (!can(staff.role, 'temporal.decode')) return answer(404, { message: 'This page could not be found.' });

    const namespace = request.headers.get('x-namespace') ?? env.TEMPORAL_NAMESPACE;
    if (namespace !== env.TEMPORAL_NAMESPACE) {
      return answer(400, { message: `This codec serves the namespace "${env.TEMPORAL_NAMESPACE}" only.` });
    }
    const read = await readPayloads(request);
    if ('error' in read) return answer(400, { message: read.error });

    const codec = payloadCodec();
    const { payloads } = read;
    let result: Payload[] | undefined;
    let failure: PayloadCodecError | undefined;
    try {
      result = operation === 'decode' ? await codec.decode(payloads) : await codec.encode(payloads);
    } catch (error) {
      if (!(error instanceof PayloadCodecError)) throw error;
      failure = error;
    }

    const em = forTenant(await orm(), staff.organizationId);
    await em.transactional((tx) => {
      recordAuditEvent(tx, {
        organizationId: staff.organizationId,
        actor: requestActor({ type: 'user', id: staff.userId }, request, context),
        action: operation === 'decode' ? 'temporal.payloads_decoded' : 'temporal.payloads_encoded',
        target: { type: 'temporal_namespace', id: namespace },
        details: {
          payloads: payloads.length,
          encrypted: payloads.filter(isEncryptedPayload).length,
          keyIds: operation === 'decode' ? keyIdsOf(payloads) : [codec.activeKeyId],
          outcome: failure ? failure.code : 'ok',
        },
      });
      return Promise.resolve();
    });

    if (failure || !result) {
      return answer(422, { message: failure?.message ?? 'The payloads could not be processed.' });
    }
    return answer(200, { payloads: result.map((payload) => payloadToJSON(payload)) });
  });
}

/** A GET of the codec endpoint: it takes POST only. */
export function codecLoader(): Response {
  return answer(405, { message: 'The codec endpoint takes POST only.' }, { Allow: 'POST' });
}
