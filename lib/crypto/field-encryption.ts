/**
 * Field-level encryption of sensitive values (tax IDs, bank account numbers, OAuth tokens) with
 * AES-256-GCM. A stored value names the key that encrypted it, so keys can rotate:
 *
 *   enc:v1:<keyId>:<iv>:<ciphertext>:<tag>      (iv 12 bytes, tag 16 bytes, all base64url)
 *
 * The authenticated data binds the format, the key ID and an optional context (the column, such as
 * `client.tax_id`), so a value copied into another column does not decrypt. Lookups use a keyed hash
 * (HMAC-SHA-256 under a separate key that does not rotate with the encryption keys); display uses a
 * mask that shows at most the last four characters.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { isSensitiveString, SensitiveString } from './sensitive-string';

const PREFIX = 'enc';
const VERSION = 'v1';
const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;
export const KEY_BYTES = 32;
/** Key IDs appear in every stored value: letters, digits, `_` and `-` only. */
export const KEY_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
const PURPOSE_PATTERN = /^[a-z0-9][a-z0-9_.:-]{0,63}$/;
const BASE64URL_PATTERN = /^[A-Za-z0-9_-]*$/;

export type TFieldEncryptionErrorCode =
  'invalid_keyring' | 'unknown_key' | 'malformed' | 'authentication_failed' | 'invalid_input';

/** A failure to encrypt, decrypt or hash a field. Messages name keys and contexts, never values. */
export class FieldEncryptionError extends Error {
  override name = 'FieldEncryptionError';
  readonly code: TFieldEncryptionErrorCode;
  readonly keyId: string | undefined;

  constructor(code: TFieldEncryptionErrorCode, message: string, keyId?: string) {
    super(message);
    this.code = code;
    this.keyId = keyId;
  }
}

/** The keyring as configuration holds it: keys as base64 of 32 random bytes. */
export interface TKeyringConfig {
  /** The key that encrypts new values. */
  activeKeyId: string;
  /** Every key that may still have encrypted a stored value, by key ID. */
  keys: Record<string, string>;
  /** The HMAC key of `keyedHash`; separate from the encryption keys and not rotated with them. */
  hashKey: string;
}

interface KeyMaterial {
  keys: ReadonlyMap<string, Buffer>;
  hashKey: Buffer;
}

/** Held on the keyring under a registered symbol so that every copy of this module can read it. */
const material = Symbol.for('cpa.crypto.keyringMaterial');

/**
 * Validated keys, ready for use. Printing or serializing a keyring shows its key IDs only.
 */
export interface Keyring {
  readonly activeKeyId: string;
  readonly keyIds: readonly string[];
}

/** Decodes standard base64 of exactly 32 bytes; undefined for anything else. */
export function decodeKey(base64: string): Buffer | undefined {
  const bytes = Buffer.from(base64, 'base64');
  return bytes.length === KEY_BYTES && bytes.toString('base64') === base64 ? bytes : undefined;
}

/** Checks a keyring configuration and returns the keyring; errors name key IDs, never key material. */
export function createKeyring(config: TKeyringConfig): Keyring {
  const invalid = (message: string) => new FieldEncryptionError('invalid_keyring', message);
  const keys = new Map<string, Buffer>();
  for (const [keyId, base64] of Object.entries(config.keys)) {
    if (!KEY_ID_PATTERN.test(keyId)) {
      throw invalid(`key ID "${keyId}" must be 1-64 letters, digits, "_" or "-"`);
    }
    const key = decodeKey(base64);
    if (!key) throw invalid(`key "${keyId}" is not base64 of ${KEY_BYTES} bytes`);
    keys.set(keyId, key);
  }
  if (!keys.has(config.activeKeyId)) {
    throw invalid(`the active key "${config.activeKeyId}" is not among the keys`);
  }
  const hashKey = decodeKey(config.hashKey);
  if (!hashKey) throw invalid(`the hash key is not base64 of ${KEY_BYTES} bytes`);
  if ([...keys.values()].some((key) => key.equals(hashKey))) {
    throw invalid('the hash key must be a separate key, not one of the encryption keys');
  }

  const summary = { activeKeyId: config.activeKeyId, keyIds: Object.freeze([...keys.keys()]) };
  const keyring = { ...summary };
  Object.defineProperties(keyring, {
    [material]: { value: { keys, hashKey } satisfies KeyMaterial },
    toJSON: { value: () => summary },
    [inspect.custom]: { value: () => `Keyring ${inspect(summary)}` },
  });
  return Object.freeze(keyring);
}

function keyMaterial(keyring: Keyring): KeyMaterial {
  const held = (keyring as unknown as Record<symbol, KeyMaterial | undefined>)[material];
  if (!held) throw new FieldEncryptionError('invalid_keyring', 'not a keyring: build one with createKeyring');
  return held;
}

function additionalData(keyId: string, context: string | undefined): Buffer {
  return Buffer.from(`${PREFIX}:${VERSION}:${keyId}:${context ?? ''}`, 'utf8');
}

function describeContext(context: string | undefined): string {
  return context ? ` for ${context}` : '';
}

/** Encrypts under the active key. `context` (e.g. `client.tax_id`) must be given again to decrypt. */
export function encryptField(
  plaintext: string | SensitiveString,
  keyring: Keyring,
  context?: string,
): string {
  const keyId = keyring.activeKeyId;
  const key = keyMaterial(keyring).keys.get(keyId);
  if (!key) throw new FieldEncryptionError('unknown_key', `no key "${keyId}" in the keyring`, keyId);
  const text = isSensitiveString(plaintext) ? plaintext.reveal() : plaintext;
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(additionalData(keyId, context));
  const ciphertext = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
  return [
    PREFIX,
    VERSION,
    keyId,
    iv.toString('base64url'),
    ciphertext.toString('base64url'),
    cipher.getAuthTag().toString('base64url'),
  ].join(':');
}

interface ParsedField {
  keyId: string;
  iv: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
}

function parseField(stored: string): ParsedField {
  const malformed = (why: string) =>
    new FieldEncryptionError('malformed', `not an encrypted field value (${why})`);
  const parts = stored.split(':');
  if (parts.length !== 6) throw malformed('expected enc:v1:<keyId>:<iv>:<ciphertext>:<tag>');
  const [prefix, version, keyId = '', iv = '', ciphertext = '', tag = ''] = parts;
  if (prefix !== PREFIX) throw malformed(`prefix is not "${PREFIX}"`);
  if (version !== VERSION) throw malformed('unsupported format version');
  if (!KEY_ID_PATTERN.test(keyId)) throw malformed('invalid key ID');
  if (![iv, ciphertext, tag].every((part) => BASE64URL_PATTERN.test(part))) throw malformed('not base64url');
  const parsed = {
    keyId,
    iv: Buffer.from(iv, 'base64url'),
    ciphertext: Buffer.from(ciphertext, 'base64url'),
    tag: Buffer.from(tag, 'base64url'),
  };
  if (parsed.iv.length !== IV_BYTES) throw malformed(`IV is not ${IV_BYTES} bytes`);
  if (parsed.tag.length !== TAG_BYTES) throw malformed(`tag is not ${TAG_BYTES} bytes`);
  return parsed;
}

/** How every value stored under `keyId` begins (to select values by key in SQL). */
export function encryptedFieldPrefix(keyId: string): string {
  return `${PREFIX}:${VERSION}:${keyId}:`;
}

/** True when the value has the shape of an encrypted field (it may still fail to decrypt). */
export function isEncryptedField(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith(`${PREFIX}:${VERSION}:`);
}

/** The ID of the key that encrypted a stored value. */
export function storedKeyId(stored: string): string {
  return parseField(stored).keyId;
}

/** Decrypts a stored value; the result prints as `[redacted]` until revealed. */
export function decryptField(stored: string, keyring: Keyring, context?: string): SensitiveString {
  const { keyId, iv, ciphertext, tag } = parseField(stored);
  const key = keyMaterial(keyring).keys.get(keyId);
  if (!key) {
    throw new FieldEncryptionError(
      'unknown_key',
      `value${describeContext(context)} was encrypted with key "${keyId}", which is not in the keyring`,
      keyId,
    );
  }
  const decipher = createDecipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(additionalData(keyId, context));
  decipher.setAuthTag(tag);
  try {
    const plaintext = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
    return new SensitiveString(plaintext.toString('utf8'));
  } catch {
    throw new FieldEncryptionError(
      'authentication_failed',
      `ciphertext failed authentication${describeContext(context)} (key "${keyId}"): tampered, or stored under another context`,
      keyId,
    );
  }
}

/** True when a stored value is under a key other than the active one (re-encryption moves it). */
export function needsReEncryption(stored: string, keyring: Keyring): boolean {
  return storedKeyId(stored) !== keyring.activeKeyId;
}

/**
 * The normal form that keyed hashes and masks compare: Unicode NFKC, lower case, and only letters and
 * digits, so `123-45-6789` and `123 45 6789` are the same tax ID.
 */
export function normalizeIdentifier(value: string): string {
  return value
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]/gu, '');
}

/**
 * HMAC-SHA-256 (hex) of the normalised value for lookups (`client.tax_id_hash = keyedHash(...)`).
 * `purpose` (e.g. `client.tax_id`) separates the hashes of different kinds of values. The hash key
 * does not rotate with the encryption keys, so hashes stay valid across re-encryption.
 */
export function keyedHash(value: string | SensitiveString, keyring: Keyring, purpose: string): string {
  if (!PURPOSE_PATTERN.test(purpose)) {
    throw new FieldEncryptionError(
      'invalid_input',
      `hash purpose "${purpose}" must be lower-case letters, digits and _ . : -`,
    );
  }
  const text = normalizeIdentifier(isSensitiveString(value) ? value.reveal() : value);
  return createHmac('sha256', keyMaterial(keyring).hashKey)
    .update(purpose, 'utf8')
    .update('\0')
    .update(text, 'utf8')
    .digest('hex');
}

const MASK = '•';
const isSignificant = (char: string) => /[\p{L}\p{N}]/u.test(char);

/**
 * A display form that keeps separators and shows the last four letters or digits, never more than half
 * of them: `123-45-6789` → `•••-••-6789`, `12-3456789` → `••-•••6789`, `1234` → `••34`.
 */
export function maskLast4(value: string | SensitiveString): string {
  const chars = [...(isSensitiveString(value) ? value.reveal() : value)];
  const significant = chars.filter(isSignificant).length;
  let hidden = significant - Math.min(4, Math.floor(significant / 2));
  return chars
    .map((char) => {
      if (!isSignificant(char) || hidden === 0) return char;
      hidden -= 1;
      return MASK;
    })
    .join('');
}
