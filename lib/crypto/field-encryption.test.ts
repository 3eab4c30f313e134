import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  createKeyring,
  decryptField,
  encryptField,
  FieldEncryptionError,
  keyedHash,
  maskLast4,
  needsReEncryption,
  storedKeyId,
  type TKeyringConfig,
} from './field-encryption';
import { SensitiveString } from './sensitive-string';

const newKey = () => randomBytes(32).toString('base64');
const configA: TKeyringConfig = { activeKeyId: 'k-a', keys: { 'k-a': newKey() }, hashKey: newKey() };
const keyringA = createKeyring(configA);
/** After rotation: key B added and active, A kept for values not yet re-encrypted; same hash key. */
const keyringAB = createKeyring({
  ...configA,
  activeKeyId: 'k-b',
  keys: { ...configA.keys, 'k-b': newKey() },
});

const ssn = '123-45-6789';

/** Replaces one base64url part (3 = IV, 4 = ciphertext, 5 = tag) with the same bytes, one bit flipped. */
function flipBit(stored: string, part: 3 | 4 | 5): string {
  const parts = stored.split(':');
  const bytes = Buffer.from(parts[part] ?? '', 'base64url');
  bytes[0] = (bytes[0] ?? 0) ^ 0x01;
  parts[part] = bytes.toString('base64url');
  return parts.join(':');
}

function failure(action: () => unknown): FieldEncryptionError {
  try {
    action();
  } catch (error) {
    if (error instanceof FieldEncryptionError) return error;
    throw error;
  }
  throw new Error('expected a FieldEncryptionError');
}

describe('encryptField and decryptField', () => {
  it('round-trip a value, as enc:v1:<keyId>:<iv>:<ciphertext>:<tag> with a fresh IV each time', () => {
    const first = encryptField(ssn, keyringA, 'client.tax_id');
    const second = encryptField(ssn, keyringA, 'client.tax_id');
    expect(first).toMatch(/^enc:v1:k-a:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]+:[A-Za-z0-9_-]{22}$/);
    expect(first).not.toBe(second);
    expect(first).not.toContain('6789');
    expect(decryptField(first, keyringA, 'client.tax_id').reveal()).toBe(ssn);
    expect(decryptField(second, keyringA, 'client.tax_id').reveal()).toBe(ssn);
  });

  it('round-trip empty and non-ASCII values, and accept a SensitiveString', () => {
    for (const value of ['', 'Zoë Müller 🧾', 'x'.repeat(5000)]) {
      expect(decryptField(encryptField(value, keyringA), keyringA).reveal()).toBe(value);
    }
    const wrapped = new SensitiveString(ssn);
    expect(decryptField(encryptField(wrapped, keyringA), keyringA).equals(ssn)).toBe(true);
  });

  it('reject a value decrypted under another context, so a value copied to another column fails', () => {
    const stored = encryptField(ssn, keyringA, 'client.tax_id');
    for (const context of ['contact.tax_id', undefined]) {
      const error = failure(() => decryptField(stored, keyringA, context));
      expect(error.code).toBe('authentication_failed');
      expect(error.message).toContain('ciphertext failed authentication');
    }
  });

  it('reject a tampered ciphertext, IV or tag', () => {
    const stored = encryptField(ssn, keyringA, 'client.tax_id');
    for (const part of [3, 4, 5] as const) {
      const error = failure(() => decryptField(flipBit(stored, part), keyringA, 'client.tax_id'));
      expect(error.code).toBe('authentication_failed');
      expect(error.message).toContain('ciphertext failed authentication');
    }
  });

  it('reject a value whose key ID was changed to another key of the keyring', () => {
    const stored = encryptField(ssn, keyringA, 'client.tax_id');
    const relabelled = stored.replace('enc:v1:k-a:', 'enc:v1:k-b:');
    expect(failure(() => decryptField(relabelled, keyringAB, 'client.tax_id')).code).toBe(
      'authentication_failed',
    );
  });

  it('name an unknown key ID, but neither the value nor the stored ciphertext', () => {
    const stored = encryptField(ssn, keyringAB, 'client.tax_id');
    const error = failure(() => decryptField(stored, keyringA, 'client.tax_id'));
    expect(error.code).toBe('unknown_key');
    expect(error.keyId).toBe('k-b');
    expect(error.message).toContain('"k-b"');
    const everything = `${error.message} ${error.stack ?? ''} ${inspect(error)}`;
    expect(everything).not.toContain('6789');
    expect(everything).not.toContain(stored.split(':')[4]);
  });

  it('reject values that are not in the format, without echoing them', () => {
    for (const value of [ssn, 'enc:v2:k-a:a:b:c', 'enc:v1:k-a:AAAA:AAAA:AAAA', 'enc:v1:k a:x:y:z']) {
      const error = failure(() => decryptField(value, keyringA));
      expect(error.code).toBe('malformed');
      expect(error.message).not.toContain(value);
    }
  });
});

describe('rotation helpers', () => {
  it('tell which values are under a key other than the active one', () => {
    const underA = encryptField(ssn, keyringA);
    const underB = encryptField(ssn, keyringAB);
    expect(storedKeyId(underA)).toBe('k-a');
    expect(needsReEncryption(underA, keyringA)).toBe(false);
    expect(needsReEncryption(underA, keyringAB)).toBe(true);
    expect(needsReEncryption(underB, keyringAB)).toBe(false);
    expect(decryptField(underA, keyringAB).reveal()).toBe(ssn);
  });
});

describe('keyedHash', () => {
  it('is a stable HMAC-SHA-256 across rotation of the encryption keys, and ignores formatting', () => {
    const hash = keyedHash(ssn, keyringA, 'client.tax_id');
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(keyedHash(ssn, keyringAB, 'client.tax_id')).toBe(hash);
    expect(keyedHash(' 123 45 6789 ', keyringA, 'client.tax_id')).toBe(hash);
    expect(keyedHash(new SensitiveString('123456789'), keyringA, 'client.tax_id')).toBe(hash);
  });

  it('differs by purpose, by value and by hash key', () => {
    const hash = keyedHash(ssn, keyringA, 'client.tax_id');
    expect(keyedHash(ssn, keyringA, 'bank.account_number')).not.toBe(hash);
    expect(keyedHash('123-45-6780', keyringA, 'client.tax_id')).not.toBe(hash);
    const otherHashKey = createKeyring({ ...configA, hashKey: newKey() });
    expect(keyedHash(ssn, otherHashKey, 'client.tax_id')).not.toBe(hash);
  });

  it('rejects a purpose that is not a plain name', () => {
    expect(failure(() => keyedHash(ssn, keyringA, '')).code).toBe('invalid_input');
    expect(failure(() => keyedHash(ssn, keyringA, 'Tax ID')).code).toBe('invalid_input');
  });
});

describe('maskLast4', () => {
  it('keeps separators and shows the last four', () => {
    expect(maskLast4(ssn)).toBe('•••-••-6789');
    expect(maskLast4('12-3456789')).toBe('••-•••6789');
    expect(maskLast4('000123456789')).toBe('••••••••6789');
    expect(maskLast4(new SensitiveString(ssn))).toBe('•••-••-6789');
  });

  it('never shows more than half of a short value', () => {
    expect(maskLast4('12345')).toBe('•••45');
    expect(maskLast4('1234')).toBe('••34');
    expect(maskLast4('7')).toBe('•');
    expect(maskLast4('')).toBe('');
  });
});

describe('SensitiveString', () => {
  afterEach(() => vi.restoreAllMocks());

  it('prints as [redacted] everywhere it could leak, and reveals only on purpose', () => {
    const value = new SensitiveString(ssn);
    const holder = { name: 'Ada', taxId: value, nested: [{ value }] };
    const lines: string[] = [];
    for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
        lines.push(
          args.map((arg) => (typeof arg === 'string' ? arg : inspect(arg, { depth: 10 }))).join(' '),
        );
      });
    }
    console.log(holder);
    console.error('failed for', value);
    /* eslint-disable @typescript-eslint/restrict-template-expressions, @typescript-eslint/restrict-plus-operands --
       the mistakes the lint rules catch at compile time must also be harmless at run time */
    console.info(`value ${value}`);
    const rendered = [
      ...lines,
      String(value),
      `${value}`,
      'x' + value,
      /* eslint-enable @typescript-eslint/restrict-template-expressions, @typescript-eslint/restrict-plus-operands */
      JSON.stringify(holder),
      inspect(holder, { depth: 10, showHidden: true }),
    ];
    for (const text of rendered) {
      expect(text).not.toContain('6789');
      expect(text).toContain('[redacted]');
    }
    expect(value.reveal()).toBe(ssn);
  });

  it('compares values', () => {
    const value = new SensitiveString(ssn);
    expect(value.equals(ssn)).toBe(true);
    expect(value.equals(new SensitiveString(ssn))).toBe(true);
    expect(value.equals('123-45-6780')).toBe(false);
  });
});

describe('createKeyring', () => {
  it('rejects bad configuration naming the key, never the key material', () => {
    const shortKey = randomBytes(16).toString('base64');
    const cases: [TKeyringConfig, string][] = [
      [{ ...configA, keys: { 'k-a': shortKey } }, 'key "k-a" is not base64 of 32 bytes'],
      [{ ...configA, activeKeyId: 'k-z' }, 'the active key "k-z" is not among the keys'],
      [{ ...configA, keys: { 'k:a': newKey() }, activeKeyId: 'k:a' }, 'key ID "k:a"'],
      [{ ...configA, hashKey: configA.keys['k-a'] ?? '' }, 'separate key'],
    ];
    for (const [config, message] of cases) {
      const error = failure(() => createKeyring(config));
      expect(error.code).toBe('invalid_keyring');
      expect(error.message).toContain(message);
      for (const key of [...Object.values(config.keys), config.hashKey]) {
        expect(error.message).not.toContain(key);
      }
    }
  });

  it('prints and serializes its key IDs only', () => {
    const shown = [inspect(keyringAB, { showHidden: true, depth: 10 }), JSON.stringify(keyringAB)];
    for (const text of shown) {
      expect(text).toContain('k-b');
      for (const key of [...Object.values(configA.keys), configA.hashKey]) expect(text).not.toContain(key);
    }
  });
});
