/**
 * The Temporal payload keys from configuration, in the same style as the field-encryption keyring
 * (lib/crypto/keyring-config.ts) but with keys of their own: a leaked field key does not open
 * Temporal's histories, and the other way round. In production the variables come from Azure Key
 * Vault; `npm run dev` and the test setup generate random keys with `generatePayloadKeys()`. Keys
 * never live in the repository.
 *
 *   TEMPORAL_PAYLOAD_KEYS        keyId:base64key pairs, comma-separated (old keys stay while histories
 *                                encrypted with them are kept)
 *   TEMPORAL_PAYLOAD_ACTIVE_KEY  the key ID that encrypts new payloads
 *
 * Every process that talks to Temporal (web, worker, scripts) needs the same keys.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { decodeKey, KEY_BYTES } from '../crypto/field-encryption';
import {
  activeKeyIdSchema,
  formatKeyList,
  keyListRecord,
  keyListSchema,
  splitKeyList,
} from '../crypto/key-list';
import { parseEnv } from '../env';
import type { TPayloadKeysConfig } from './payload-codec';

/** The field-encryption keys in the same environment, which the payload keys must not repeat. */
function fieldKeysIn(source: Record<string, string | undefined>): Buffer[] {
  const keys = splitKeyList(source.FIELD_ENCRYPTION_KEYS ?? '').map(({ key }) => decodeKey(key));
  const hashKey = decodeKey(source.FIELD_HASH_KEY?.trim() ?? '');
  return [...keys, hashKey].filter((key): key is Buffer => key !== undefined);
}

/** The two variables, to spread into a process's env schema (web, worker). */
export const payloadKeysEnvShape = {
  TEMPORAL_PAYLOAD_KEYS: keyListSchema('Temporal payload keys'),
  TEMPORAL_PAYLOAD_ACTIVE_KEY: activeKeyIdSchema('Temporal payloads'),
};

/**
 * The checks across variables, for `.superRefine(checkPayloadKeys(source))`: the active key is listed,
 * and no payload key is also a field-encryption key of the same environment.
 */
export function checkPayloadKeys(source: Record<string, string | undefined>) {
  const fieldKeys = fieldKeysIn(source);
  return (env: Partial<TPayloadKeysEnv>, ctx: z.RefinementCtx): void => {
    if (env.TEMPORAL_PAYLOAD_KEYS === undefined || env.TEMPORAL_PAYLOAD_ACTIVE_KEY === undefined) return;
    const entries = splitKeyList(env.TEMPORAL_PAYLOAD_KEYS);
    if (!entries.some(({ keyId }) => keyId === env.TEMPORAL_PAYLOAD_ACTIVE_KEY)) {
      ctx.addIssue({
        code: 'custom',
        path: ['TEMPORAL_PAYLOAD_ACTIVE_KEY'],
        message: `key "${env.TEMPORAL_PAYLOAD_ACTIVE_KEY}" is not listed in TEMPORAL_PAYLOAD_KEYS`,
      });
    }
    for (const { keyId, key } of entries) {
      const bytes = decodeKey(key);
      if (bytes && fieldKeys.some((fieldKey) => fieldKey.equals(bytes))) {
        ctx.addIssue({
          code: 'custom',
          path: ['TEMPORAL_PAYLOAD_KEYS'],
          message: `key "${keyId}" is also a field-encryption key: Temporal payloads need keys of their own`,
        });
      }
    }
  };
}

/** A type, not an interface, so that it passes as an env record (`Record<string, string | undefined>`). */
export type TPayloadKeysEnv = {
  TEMPORAL_PAYLOAD_KEYS: string;
  TEMPORAL_PAYLOAD_ACTIVE_KEY: string;
};

/** Reads the payload keys; throws an EnvError naming every bad variable (never key material). */
export function payloadKeysFromEnv(
  source: Record<string, string | undefined> = process.env,
  processName = 'Temporal payload encryption',
): TPayloadKeysConfig {
  const env = parseEnv(
    processName,
    z.object(payloadKeysEnvShape).superRefine(checkPayloadKeys(source)),
    source,
  );
  return {
    activeKeyId: env.TEMPORAL_PAYLOAD_ACTIVE_KEY,
    keys: keyListRecord(env.TEMPORAL_PAYLOAD_KEYS),
  };
}

/**
 * New random payload keys, for a developer machine or a test run; the caller keeps them
 * (.data/ in development, the run's environment in tests). Production keys come from Key Vault.
 */
export function generatePayloadKeys(activeKeyId = 'local1'): TPayloadKeysConfig {
  return { activeKeyId, keys: { [activeKeyId]: randomBytes(KEY_BYTES).toString('base64') } };
}

/** The environment variables that configure payload keys (for .data/dev.env or process.env). */
export function payloadKeysEnv(config: TPayloadKeysConfig): TPayloadKeysEnv {
  return {
    TEMPORAL_PAYLOAD_KEYS: formatKeyList(config.keys),
    TEMPORAL_PAYLOAD_ACTIVE_KEY: config.activeKeyId,
  };
}
