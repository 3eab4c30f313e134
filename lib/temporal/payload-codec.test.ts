import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import type { History } from '@temporalio/common/lib/proto-utils';
import { describe, expect, it } from 'vitest';
import { EnvError } from '../env';
import { decodeHistoryPayloads } from './data-converter';
import {
  createPayloadCodec,
  ENCRYPTED_ENCODING,
  isEncryptedPayload,
  KEY_ID_METADATA_KEY,
  PayloadCodecError,
  type EncryptionPayloadCodec,
} from './payload-codec';
import { generatePayloadKeys, payloadKeysEnv, payloadKeysFromEnv } from './payload-keys';

const newKey = () => randomBytes(32).toString('base64');
const text = (bytes: Uint8Array | null | undefined) => new TextDecoder().decode(bytes ?? new Uint8Array());

const profile = { legalName: 'Jordan Avery Lee', phone: '+1 555 0100 2233', address: '12 Harbor Way' };
const plain = (): Payload => defaultPayloadConverter.toPayload(profile);

async function encodeOne(codec: EncryptionPayloadCodec, payload: Payload): Promise<Payload> {
  const [encoded] = await codec.encode([payload]);
  return encoded!;
}

async function decodeOne(codec: EncryptionPayloadCodec, payload: Payload): Promise<Payload> {
  const [decoded] = await codec.decode([payload]);
  return decoded!;
}

async function codecError(codec: EncryptionPayloadCodec, payload: Payload): Promise<PayloadCodecError> {
  const error: unknown = await codec.decode([payload]).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (error instanceof PayloadCodecError) return error;
  throw new Error(`expected a PayloadCodecError, got ${String(error)}`);
}

function envError(source: Record<string, string | undefined>): EnvError {
  try {
    payloadKeysFromEnv(source);
  } catch (error) {
    if (error instanceof EnvError) return error;
    throw error;
  }
  throw new Error('expected an EnvError');
}

describe('the Temporal payload codec', () => {
  it('encrypts a payload under the active key and decrypts it back to the same payload', async () => {
    const codec = createPayloadCodec(generatePayloadKeys('k1'));
    const encoded = await encodeOne(codec, plain());

    expect(text(encoded.metadata?.encoding)).toBe(ENCRYPTED_ENCODING);
    expect(text(encoded.metadata?.[KEY_ID_METADATA_KEY])).toBe('k1');
    expect(Object.keys(encoded.metadata ?? {}).sort()).toEqual(['encoding', KEY_ID_METADATA_KEY]);
    expect(isEncryptedPayload(encoded)).toBe(true);
    const raw = Buffer.from(encoded.data!).toString('latin1');
    for (const value of [...Object.values(profile), 'json/plain']) expect(raw).not.toContain(value);

    const decoded = await decodeOne(codec, encoded);
    expect(text(decoded.metadata?.encoding)).toBe('json/plain');
    expect(defaultPayloadConverter.fromPayload(decoded)).toEqual(profile);
  });

  it('uses a new random nonce for every payload, so equal inputs encrypt differently', async () => {
    const codec = createPayloadCodec(generatePayloadKeys());
    const [a, b] = await codec.encode([plain(), plain()]);
    expect(Buffer.from(a!.data!).equals(Buffer.from(b!.data!))).toBe(false);
    expect(Buffer.from(a!.data!).subarray(0, 12).equals(Buffer.from(b!.data!).subarray(0, 12))).toBe(false);
  });

  it('refuses a payload whose ciphertext was altered', async () => {
    const codec = createPayloadCodec(generatePayloadKeys('k1'));
    const encoded = await encodeOne(codec, plain());
    const data = Buffer.from(encoded.data!);
    data[20] = data[20]! ^ 0x01;
    const error = await codecError(codec, { ...encoded, data: new Uint8Array(data) });
    expect(error.code).toBe('authentication_failed');
    expect(error.message).toContain('failed authentication (key "k1")');
  });

  it('refuses a payload relabelled with another configured key ID', async () => {
    const k1 = newKey();
    const codec = createPayloadCodec({ activeKeyId: 'k1', keys: { k1, k2: k1 } });
    const encoded = await encodeOne(codec, plain());
    const relabelled = {
      ...encoded,
      metadata: { ...encoded.metadata, [KEY_ID_METADATA_KEY]: new TextEncoder().encode('k2') },
    };
    expect((await codecError(codec, relabelled)).code).toBe('authentication_failed');
  });

  it('refuses a payload encrypted with a key it does not have, naming the key', async () => {
    const writer = createPayloadCodec(generatePayloadKeys('retired-2025'));
    const reader = createPayloadCodec(generatePayloadKeys('current-2026'));
    const error = await codecError(reader, await encodeOne(writer, plain()));
    expect(error.code).toBe('unknown_key');
    expect(error.keyId).toBe('retired-2025');
    expect(error.message).toBe(
      'a payload was encrypted with key "retired-2025", which is not among the configured payload keys (current-2026): add it to TEMPORAL_PAYLOAD_KEYS',
    );
  });

  it('passes a payload that is not encrypted through unchanged', async () => {
    const codec = createPayloadCodec(generatePayloadKeys());
    const payload = plain();
    const binary = defaultPayloadConverter.toPayload(new Uint8Array([1, 2, 3]));
    const [decodedJson, decodedBinary] = await codec.decode([payload, binary]);
    expect(decodedJson).toBe(payload);
    expect(decodedBinary).toBe(binary);
  });

  it('rotates: the new key encodes, the old key still decodes, and a process with only the old key cannot read new payloads', async () => {
    const old = newKey();
    const before = createPayloadCodec({ activeKeyId: 'k2025', keys: { k2025: old } });
    const after = createPayloadCodec({ activeKeyId: 'k2026', keys: { k2025: old, k2026: newKey() } });

    const written = await encodeOne(before, plain());
    expect(defaultPayloadConverter.fromPayload(await decodeOne(after, written))).toEqual(profile);

    const rewritten = await encodeOne(after, plain());
    expect(text(rewritten.metadata?.[KEY_ID_METADATA_KEY])).toBe('k2026');
    expect((await codecError(before, rewritten)).code).toBe('unknown_key');
  });

  it('shows key IDs, never key material, when printed or serialized', () => {
    const config = generatePayloadKeys('k1');
    const codec = createPayloadCodec(config);
    const key = config.keys.k1!;
    expect(inspect(codec)).toContain("activeKeyId: 'k1'");
    expect(inspect(codec)).not.toContain(key);
    expect(JSON.stringify(codec)).toBe('{"activeKeyId":"k1","keyIds":["k1"]}');
  });

  it('refuses keys of the wrong length and an active key that is not among the keys', () => {
    expect(() => createPayloadCodec({ activeKeyId: 'k1', keys: { k1: 'c2hvcnQ=' } })).toThrow(
      'payload key "k1" is not base64 of 32 bytes',
    );
    expect(() => createPayloadCodec({ activeKeyId: 'k9', keys: { k1: newKey() } })).toThrow(
      'the active payload key "k9" is not among the payload keys',
    );
  });
});

describe('the Temporal payload keys configuration', () => {
  it('reads keyId:key pairs and the active key, and writes them back the same way', () => {
    const [a, b] = [newKey(), newKey()];
    const config = payloadKeysFromEnv({
      TEMPORAL_PAYLOAD_KEYS: ` t-2025:${a} , t-2026:${b}`,
      TEMPORAL_PAYLOAD_ACTIVE_KEY: 't-2026',
    });
    expect(config).toEqual({ activeKeyId: 't-2026', keys: { 't-2025': a, 't-2026': b } });
    expect(payloadKeysFromEnv(payloadKeysEnv(config))).toEqual(config);
  });

  it('fails at startup naming each missing variable', () => {
    const error = envError({});
    expect(error.message).toContain('TEMPORAL_PAYLOAD_KEYS: must list the Temporal payload keys');
    expect(error.message).toContain('TEMPORAL_PAYLOAD_ACTIVE_KEY: must name the key ID');
  });

  it('names every malformed key and never prints key material', () => {
    const [good, short] = [newKey(), randomBytes(16).toString('base64')];
    const error = envError({
      TEMPORAL_PAYLOAD_KEYS: `t1:${good},t2:${short},${good},t1:${newKey()}`,
      TEMPORAL_PAYLOAD_ACTIVE_KEY: 't3',
    });
    expect(error.message).toContain('TEMPORAL_PAYLOAD_KEYS: key "t2" is not base64 of 32 random bytes');
    expect(error.message).toContain('TEMPORAL_PAYLOAD_KEYS: entry 3 needs a key ID');
    expect(error.message).toContain('TEMPORAL_PAYLOAD_KEYS: key "t1" is listed twice');
    expect(error.message).toContain(
      'TEMPORAL_PAYLOAD_ACTIVE_KEY: key "t3" is not listed in TEMPORAL_PAYLOAD_KEYS',
    );
    expect(error.message).not.toContain(good);
    expect(error.message).not.toContain(short);
  });

  it('refuses a payload key that is also a field-encryption key', () => {
    const [fieldKey, hashKey] = [newKey(), newKey()];
    const error = envError({
      FIELD_ENCRYPTION_KEYS: `f1:${fieldKey}`,
      FIELD_HASH_KEY: hashKey,
      TEMPORAL_PAYLOAD_KEYS: `t1:${fieldKey},t2:${hashKey},t3:${newKey()}`,
      TEMPORAL_PAYLOAD_ACTIVE_KEY: 't3',
    });
    expect(error.message).toContain('key "t1" is also a field-encryption key');
    expect(error.message).toContain('key "t2" is also a field-encryption key');
  });

  it('generates a random key per call', () => {
    expect(generatePayloadKeys().keys.local1).not.toBe(generatePayloadKeys().keys.local1);
  });
});

describe('decoding a fetched history', () => {
  it('decodes every encrypted payload wherever it sits and leaves plain ones as they are', async () => {
    const codec = createPayloadCodec(generatePayloadKeys());
    const [input, signal] = await codec.encode([plain(), defaultPayloadConverter.toPayload('signal body')]);
    const searchAttribute = defaultPayloadConverter.toPayload(['engagement-1']);
    const history = {
      events: [
        {
          eventId: 1,
          workflowExecutionStartedEventAttributes: {
            input: { payloads: [input] },
            searchAttributes: { indexedFields: { CpaEngagementId: searchAttribute } },
          },
        },
        { eventId: 2, workflowExecutionSignaledEventAttributes: { input: { payloads: [signal] } } },
      ],
    } as unknown as History;

    await decodeHistoryPayloads(history, [codec]);
    const events = history.events!;
    const started = events[0]!.workflowExecutionStartedEventAttributes!;
    expect(defaultPayloadConverter.fromPayload(started.input!.payloads![0]!)).toEqual(profile);
    expect(started.searchAttributes!.indexedFields!.CpaEngagementId).toBe(searchAttribute);
    const signalled = events[1]!.workflowExecutionSignaledEventAttributes!.input!.payloads![0]!;
    expect(defaultPayloadConverter.fromPayload(signalled)).toBe('signal body');
  });
});
