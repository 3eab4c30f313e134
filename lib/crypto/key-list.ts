/**
 * The `keyId:base64key,keyId:base64key` lists that configure every keyring of the platform (field
 * encryption, Temporal payloads): how they split, and the checks that explain a bad one without ever
 * echoing key material.
 */
import { z } from 'zod';
import { decodeKey, KEY_BYTES, KEY_ID_PATTERN } from './field-encryption';

/** What a key must look like, for messages. */
export const generateKeyHint = `base64 of ${KEY_BYTES} random bytes (generate one: openssl rand -base64 ${KEY_BYTES})`;

/** Splits `id:key,id:key` into entries; an entry without a colon has an empty key ID. */
export function splitKeyList(list: string): { keyId: string; key: string }[] {
  return list
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map((entry) => {
      const colon = entry.indexOf(':');
      return colon < 0
        ? { keyId: '', key: entry }
        : { keyId: entry.slice(0, colon).trim(), key: entry.slice(colon + 1).trim() };
    });
}

/** The key list as `{ keyId: base64key }` (after the schema below accepted it). */
export function keyListRecord(list: string): Record<string, string> {
  return Object.fromEntries(splitKeyList(list).map(({ keyId, key }) => [keyId, key]));
}

/** A key list variable: at least one entry, valid and unique key IDs, every key 32 bytes of base64. */
export function keyListSchema(whatKeys: string) {
  return z
    .string({ error: `must list the ${whatKeys} as keyId:base64key pairs, comma-separated` })
    .superRefine((list, ctx) => {
      const entries = splitKeyList(list);
      if (entries.length === 0) {
        ctx.addIssue({ code: 'custom', message: 'must list at least one keyId:base64key pair' });
      }
      const seen = new Set<string>();
      entries.forEach(({ keyId, key }, index) => {
        const which = KEY_ID_PATTERN.test(keyId) ? `key "${keyId}"` : `entry ${index + 1}`;
        if (!KEY_ID_PATTERN.test(keyId)) {
          ctx.addIssue({
            code: 'custom',
            message: `${which} needs a key ID of 1-64 letters, digits, "_" or "-" before a colon`,
          });
        } else if (seen.has(keyId)) {
          ctx.addIssue({ code: 'custom', message: `${which} is listed twice` });
        }
        seen.add(keyId);
        if (!decodeKey(key)) ctx.addIssue({ code: 'custom', message: `${which} is not ${generateKeyHint}` });
      });
    });
}

/** The variable that names the active key ID (`what` says what it encrypts). */
export function activeKeyIdSchema(what: string) {
  return z
    .string({ error: `must name the key ID that encrypts new ${what}` })
    .trim()
    .regex(KEY_ID_PATTERN, 'must be a key ID: 1-64 letters, digits, "_" or "-"');
}

/** `id:key,…` from `{ id: key }`, the inverse of `keyListRecord`. */
export function formatKeyList(keys: Record<string, string>): string {
  return Object.entries(keys)
    .map(([keyId, key]) => `${keyId}:${key}`)
    .join(',');
}
