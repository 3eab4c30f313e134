/**
 * The field-encryption keyring from configuration. In production the variables come from Azure Key
 * Vault (Key Vault references in the app's settings, or the secrets store CSI driver); locally the dev
 * stack and the test setup generate random keys with `generateKeyring()` and pass them in the same
 * variables. Keys never live in the repository.
 *
 *   FIELD_ENCRYPTION_KEYS        keyId:base64key pairs, comma-separated (old keys stay until rotated out)
 *   FIELD_ENCRYPTION_ACTIVE_KEY  the key ID that encrypts new values
 *   FIELD_HASH_KEY               base64 HMAC key for lookup hashes (separate, not rotated)
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { parseEnv } from '../env';
import { createKeyring, decodeKey, KEY_BYTES, type Keyring, type TKeyringConfig } from './field-encryption';
import {
  activeKeyIdSchema,
  formatKeyList,
  generateKeyHint,
  keyListRecord,
  keyListSchema,
  splitKeyList,
} from './key-list';

/** The three variables; checks name variables and key IDs, never key material. */
export const ZKeyringEnv = z
  .object({
    FIELD_ENCRYPTION_KEYS: keyListSchema('encryption keys'),
    FIELD_ENCRYPTION_ACTIVE_KEY: activeKeyIdSchema('values'),
    FIELD_HASH_KEY: z
      .string({ error: `must be ${generateKeyHint}` })
      .trim()
      .refine((key) => decodeKey(key) !== undefined, `must be ${generateKeyHint}`),
  })
  .superRefine((env, ctx) => {
    const entries = splitKeyList(env.FIELD_ENCRYPTION_KEYS);
    if (!entries.some(({ keyId }) => keyId === env.FIELD_ENCRYPTION_ACTIVE_KEY)) {
      ctx.addIssue({
        code: 'custom',
        path: ['FIELD_ENCRYPTION_ACTIVE_KEY'],
        message: `key "${env.FIELD_ENCRYPTION_ACTIVE_KEY}" is not listed in FIELD_ENCRYPTION_KEYS`,
      });
    }
    const hashKey = decodeKey(env.FIELD_HASH_KEY);
    if (hashKey && entries.some(({ key }) => decodeKey(key)?.equals(hashKey))) {
      ctx.addIssue({
        code: 'custom',
        path: ['FIELD_HASH_KEY'],
        message: 'must be a separate key, not one of FIELD_ENCRYPTION_KEYS',
      });
    }
  });
export type TKeyringEnv = z.infer<typeof ZKeyringEnv>;

/** Reads the keyring configuration; throws an EnvError naming every bad variable. */
export function keyringConfigFromEnv(
  source: Record<string, string | undefined> = process.env,
  processName = 'field encryption',
): TKeyringConfig {
  const env = parseEnv(processName, ZKeyringEnv, source);
  return {
    activeKeyId: env.FIELD_ENCRYPTION_ACTIVE_KEY,
    keys: keyListRecord(env.FIELD_ENCRYPTION_KEYS),
    hashKey: env.FIELD_HASH_KEY,
  };
}

/** The keyring of this process from its environment. */
export function loadKeyring(
  source: Record<string, string | undefined> = process.env,
  processName?: string,
): Keyring {
  return createKeyring(keyringConfigFromEnv(source, processName));
}

/**
 * A new keyring with random keys, for a developer machine or a test run; the caller persists it
 * (development) or keeps it for the run (tests). Production keys come from Key Vault instead.
 */
export function generateKeyring(activeKeyId = 'local1'): TKeyringConfig {
  const key = () => randomBytes(KEY_BYTES).toString('base64');
  return { activeKeyId, keys: { [activeKeyId]: key() }, hashKey: key() };
}

/** The environment variables that configure a keyring (to write to .data/dev.env or process.env). */
export function keyringEnv(config: TKeyringConfig): TKeyringEnv {
  return {
    FIELD_ENCRYPTION_KEYS: formatKeyList(config.keys),
    FIELD_ENCRYPTION_ACTIVE_KEY: config.activeKeyId,
    FIELD_HASH_KEY: config.hashKey,
  };
}
