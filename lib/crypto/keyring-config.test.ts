import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { EnvError } from '../env';
import { decryptField, encryptField } from './field-encryption';
import { generateKeyring, keyringConfigFromEnv, keyringEnv, loadKeyring } from './keyring-config';

const newKey = () => randomBytes(32).toString('base64');

function envError(source: Record<string, string | undefined>): EnvError {
  try {
    keyringConfigFromEnv(source);
  } catch (error) {
    if (error instanceof EnvError) return error;
    throw error;
  }
  throw new Error('expected an EnvError');
}

describe('keyring configuration', () => {
  it('reads keyId:key pairs, the active key and the hash key', () => {
    const [a, b, hash] = [newKey(), newKey(), newKey()];
    const config = keyringConfigFromEnv({
      FIELD_ENCRYPTION_KEYS: ` k-2025:${a} , k-2026:${b}`,
      FIELD_ENCRYPTION_ACTIVE_KEY: 'k-2026',
      FIELD_HASH_KEY: hash,
    });
    expect(config).toEqual({ activeKeyId: 'k-2026', keys: { 'k-2025': a, 'k-2026': b }, hashKey: hash });
  });

  it('names every bad variable and never prints key material', () => {
    const [good, short] = [newKey(), randomBytes(16).toString('base64')];
    const error = envError({
      FIELD_ENCRYPTION_KEYS: `k1:${good},k2:${short},${good}`,
      FIELD_ENCRYPTION_ACTIVE_KEY: 'k1',
      FIELD_HASH_KEY: 'not-a-key',
    });
    expect(error.message).toContain('FIELD_ENCRYPTION_KEYS: key "k2" is not base64 of 32 random bytes');
    expect(error.message).toContain('FIELD_ENCRYPTION_KEYS: entry 3 needs a key ID');
    expect(error.message).toContain('FIELD_HASH_KEY: must be base64 of 32 random bytes');
    expect(error.message).toContain('openssl rand -base64 32');
    for (const secret of [good, short, 'not-a-key']) expect(error.message).not.toContain(secret);
  });

  it('names missing variables, an active key that is not listed, and a reused hash key', () => {
    const missing = envError({});
    for (const name of ['FIELD_ENCRYPTION_KEYS', 'FIELD_ENCRYPTION_ACTIVE_KEY', 'FIELD_HASH_KEY']) {
      expect(missing.message).toContain(`${name}:`);
    }
    const key = newKey();
    const inconsistent = envError({
      FIELD_ENCRYPTION_KEYS: `k1:${key}`,
      FIELD_ENCRYPTION_ACTIVE_KEY: 'k2',
      FIELD_HASH_KEY: key,
    });
    expect(inconsistent.message).toContain('FIELD_ENCRYPTION_ACTIVE_KEY: key "k2" is not listed');
    expect(inconsistent.message).toContain('FIELD_HASH_KEY: must be a separate key');
    expect(inconsistent.message).not.toContain(key);
  });

  it('generates a random keyring whose variables load back', () => {
    const config = generateKeyring();
    expect(generateKeyring().keys).not.toEqual(config.keys);
    const keyring = loadKeyring(keyringEnv(config));
    expect(keyring.activeKeyId).toBe('local1');
    const stored = encryptField('987654321', keyring, 'client.tax_id');
    expect(decryptField(stored, loadKeyring(keyringEnv(config)), 'client.tax_id').reveal()).toBe('987654321');
  });
});
