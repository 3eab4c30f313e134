/**
 * Encryption of Temporal payloads (workflow inputs, signals, updates, activity arguments and results,
 * memos) with AES-256-GCM, so Temporal's history holds no client data in the clear. The codec runs in
 * every client and worker (lib/temporal/data-converter.ts) and behind the web app's codec endpoint
 * for the Temporal UI (web/app/routes/codec.*.ts).
 *
 * An encrypted payload keeps the original one (metadata and data, serialized as a Temporal `Payload`
 * protobuf) inside its data, and says in its own metadata how to read it:
 *
 *   metadata  encoding: binary/encrypted, encryption-key-id: <keyId>
 *   data      nonce (12 random bytes) | ciphertext | GCM tag (16 bytes)
 *
 * The authenticated data binds the format and the key ID, so a payload whose key ID was changed does
 * not decrypt. Keys rotate: encoding uses the active key, decoding any configured key. A payload that
 * is not encrypted (histories recorded before encryption, the committed test histories) is decoded
 * to itself.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import type { Payload, PayloadCodec } from '@temporalio/common';
import proto from '@temporalio/proto';
import { decodeKey, KEY_BYTES, KEY_ID_PATTERN } from '../crypto/field-encryption';

// A CommonJS package: its default export works the same under Node, tsx and Vite's server build.
const { temporal } = proto;

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA_KEY = 'encryption-key-id';
const ALGORITHM = 'aes-256-gcm';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const FORMAT = 'cpa-temporal-payload:v1';

export type TPayloadCodecErrorCode = 'invalid_keys' | 'unknown_key' | 'malformed' | 'authentication_failed';

/** A failure to encrypt or decrypt a payload. Messages name key IDs, never key material or contents. */
export class PayloadCodecError extends Error {
  override name = 'PayloadCodecError';
  readonly code: TPayloadCodecErrorCode;
  readonly keyId: string | undefined;

  constructor(code: TPayloadCodecErrorCode, message: string, keyId?: string) {
    super(message);
    this.code = code;
    this.keyId = keyId;
  }
}

/** The payload keys as configuration holds them: base64 of 32 random bytes, by key ID. */
export interface TPayloadKeysConfig {
  /** The key that encrypts new payloads. */
  activeKeyId: string;
  /** Every key that may still have encrypted a payload in a history that is kept. */
  keys: Record<string, string>;
}

const utf8 = new TextEncoder();
const text = new TextDecoder();

function metadataText(payload: Payload, key: string): string | undefined {
  const value = payload.metadata?.[key];
  return value ? text.decode(value) : undefined;
}

/** True when the payload is one this codec (or another with the same format) encrypted. */
export function isEncryptedPayload(payload: Payload): boolean {
  return metadataText(payload, 'encoding') === ENCRYPTED_ENCODING;
}

function additionalData(keyId: string): Buffer {
  return Buffer.from(`${FORMAT}:${keyId}`, 'utf8');
}

/**
 * The payload codec. Build it with `createPayloadCodec`; printing it shows its key IDs only.
 */
export class EncryptionPayloadCodec implements PayloadCodec {
  readonly activeKeyId: string;
  readonly keyIds: readonly string[];
  readonly #keys: ReadonlyMap<string, Buffer>;

  constructor(config: TPayloadKeysConfig) {
    const invalid = (message: string) => new PayloadCodecError('invalid_keys', message);
    const keys = new Map<string, Buffer>();
    for (const [keyId, base64] of Object.entries(config.keys)) {
      if (!KEY_ID_PATTERN.test(keyId)) {
        throw invalid(`payload key ID "${keyId}" must be 1-64 letters, digits, "_" or "-"`);
      }
      const key = decodeKey(base64);
      if (!key) throw invalid(`payload key "${keyId}" is not base64 of ${KEY_BYTES} bytes`);
      keys.set(keyId, key);
    }
    if (!keys.has(config.activeKeyId)) {
      throw invalid(`the active payload key "${config.activeKeyId}" is not among the payload keys`);
    }
    this.activeKeyId = config.activeKeyId;
    this.keyIds = Object.freeze([...keys.keys()]);
    this.#keys = keys;
  }

  encode(payloads: Payload[]): Promise<Payload[]> {
    return Promise.resolve().then(() => payloads.map((payload) => this.encryptOne(payload)));
  }

  decode(payloads: Payload[]): Promise<Payload[]> {
    return Promise.resolve().then(() => payloads.map((payload) => this.decryptOne(payload)));
  }

  /** Encrypts one payload under the active key. */
  encryptOne(payload: Payload): Payload {
    const keyId = this.activeKeyId;
    const key = this.#keys.get(keyId);
    if (!key) throw new PayloadCodecError('unknown_key', `no payload key "${keyId}"`, keyId);
    const plaintext = temporal.api.common.v1.Payload.encode(payload).finish();
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv(ALGORITHM, key, nonce, { authTagLength: TAG_BYTES });
    cipher.setAAD(additionalData(keyId));
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return {
      metadata: {
        encoding: utf8.encode(ENCRYPTED_ENCODING),
        [KEY_ID_METADATA_KEY]: utf8.encode(keyId),
      },
      data: new Uint8Array(Buffer.concat([nonce, ciphertext, cipher.getAuthTag()])),
    };
  }

  /** Decrypts one payload with the key it names; a payload that is not encrypted is returned as it is. */
  decryptOne(payload: Payload): Payload {
    if (!isEncryptedPayload(payload)) return payload;
    const keyId = metadataText(payload, KEY_ID_METADATA_KEY);
    if (!keyId || !KEY_ID_PATTERN.test(keyId)) {
      throw new PayloadCodecError('malformed', `an encrypted payload has no valid ${KEY_ID_METADATA_KEY}`);
    }
    const key = this.#keys.get(keyId);
    if (!key) {
      throw new PayloadCodecError(
        'unknown_key',
        `a payload was encrypted with key "${keyId}", which is not among the configured payload keys (${this.keyIds.join(', ')}): add it to TEMPORAL_PAYLOAD_KEYS`,
        keyId,
      );
    }
    const data = Buffer.from(payload.data ?? new Uint8Array());
    if (data.length < NONCE_BYTES + TAG_BYTES) {
      throw new PayloadCodecError('malformed', `an encrypted payload (key "${keyId}") is too short`, keyId);
    }
    const nonce = data.subarray(0, NONCE_BYTES);
    const tag = data.subarray(data.length - TAG_BYTES);
    const ciphertext = data.subarray(NONCE_BYTES, data.length - TAG_BYTES);
    const decipher = createDecipheriv(ALGORITHM, key, nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(additionalData(keyId));
    decipher.setAuthTag(tag);
    let plaintext: Buffer;
    try {
      plaintext = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
    } catch {
      throw new PayloadCodecError(
        'authentication_failed',
        `an encrypted payload failed authentication (key "${keyId}"): it was altered, or encrypted with another key of the same ID`,
        keyId,
      );
    }
    const inner = temporal.api.common.v1.Payload.decode(plaintext);
    return { metadata: { ...inner.metadata }, data: inner.data };
  }

  toJSON(): { activeKeyId: string; keyIds: readonly string[] } {
    return { activeKeyId: this.activeKeyId, keyIds: this.keyIds };
  }

  [inspect.custom](): string {
    return `EncryptionPayloadCodec ${inspect(this.toJSON())}`;
  }
}

/** Checks the keys and returns the codec; errors name key IDs, never key material. */
export function createPayloadCodec(config: TPayloadKeysConfig): EncryptionPayloadCodec {
  return new EncryptionPayloadCodec(config);
}
