/**
 * The data converter of every Temporal client and worker of the product: Temporal's default payload
 * converter (JSON) followed by the encryption codec (payload-codec.ts), keyed from the process's
 * environment (payload-keys.ts). Workflow code never sees it: codecs run outside the workflow sandbox.
 */
import type { Client } from '@temporalio/client';
import type { DataConverter, Payload, PayloadCodec } from '@temporalio/common';
import type { History } from '@temporalio/common/lib/proto-utils';
import { createPayloadCodec, type EncryptionPayloadCodec } from './payload-codec';
import { payloadKeysFromEnv } from './payload-keys';

/** A data converter that encrypts every payload with the given codec. */
export function createDataConverter(codec: PayloadCodec): DataConverter {
  return { payloadCodecs: [codec] };
}

/** The payload codec from TEMPORAL_PAYLOAD_KEYS / TEMPORAL_PAYLOAD_ACTIVE_KEY; a clear error when they are bad. */
export function payloadCodecFromEnv(
  source: Record<string, string | undefined> = process.env,
  processName?: string,
): EncryptionPayloadCodec {
  return createPayloadCodec(payloadKeysFromEnv(source, processName));
}

/** The data converter of this process, from its environment (see payloadCodecFromEnv). */
export function dataConverterFromEnv(
  source: Record<string, string | undefined> = process.env,
  processName?: string,
): DataConverter {
  return createDataConverter(payloadCodecFromEnv(source, processName));
}

function isPayload(value: object): value is Payload {
  const metadata = (value as { metadata?: unknown }).metadata;
  return (
    typeof metadata === 'object' &&
    metadata !== null &&
    (metadata as Record<string, unknown>).encoding instanceof Uint8Array
  );
}

/** Every payload in a history (event attributes, headers, memos, failures), wherever it sits. */
function collectPayloads(value: unknown, found: Payload[]): void {
  if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value)) return;
  if (Array.isArray(value)) {
    for (const item of value) collectPayloads(item, found);
    return;
  }
  if (isPayload(value)) {
    found.push(value);
    return;
  }
  for (const child of Object.values(value)) collectPayloads(child, found);
}

/**
 * Decodes every payload of a history in place (in the reverse order of the codecs, as Temporal does)
 * and returns it: what the committed test histories and `npm run histories:export` store, so that
 * they stay readable with any key. Payloads that are not encoded stay as they are.
 */
export async function decodeHistoryPayloads(
  history: History,
  codecs: readonly PayloadCodec[],
): Promise<History> {
  const payloads: Payload[] = [];
  collectPayloads(history, payloads);
  let decoded = payloads.map((payload) => ({ ...payload }));
  for (const codec of [...codecs].reverse()) decoded = await codec.decode(decoded);
  payloads.forEach((payload, index) => {
    const plain = decoded[index]!;
    payload.metadata = plain.metadata ?? {};
    payload.data = plain.data ?? new Uint8Array();
  });
  return history;
}

/** A workflow run's history as the client fetches it, with every payload decoded by the client's codecs. */
export async function fetchDecodedHistory(
  client: Client,
  workflowId: string,
  runId?: string,
): Promise<History> {
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  return decodeHistoryPayloads(history, client.options.loadedDataConverter.payloadCodecs);
}
