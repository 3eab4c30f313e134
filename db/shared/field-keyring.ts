/**
 * The keyring that encrypted columns (EncryptedStringType) use in this process. MikroORM constructs
 * custom types itself, so the keyring cannot be passed in: each process sets it once at boot, before
 * the first query, from its configuration (`setFieldKeyring(loadKeyring())`).
 *
 * It is held on globalThis so that every module graph of the process (tsx, Vite's SSR loader, vitest)
 * sees the same keyring.
 */
import type { Keyring } from '../../lib/crypto/field-encryption';

const holderKey = Symbol.for('cpa.db.fieldKeyring');
type Holder = { [holderKey]?: Keyring };

export class FieldKeyringNotSetError extends Error {
  override name = 'FieldKeyringNotSetError';
  constructor() {
    super(
      'encrypted columns need the field-encryption keyring: call setFieldKeyring(loadKeyring()) at process start (FIELD_ENCRYPTION_KEYS, FIELD_ENCRYPTION_ACTIVE_KEY, FIELD_HASH_KEY; see .env.example)',
    );
  }
}

/** Sets the keyring of this process (again: replaces it; `undefined`: clears it). */
export function setFieldKeyring(keyring: Keyring | undefined): void {
  (globalThis as Holder)[holderKey] = keyring;
}

/** The keyring of this process; throws FieldKeyringNotSetError when none was set. */
export function fieldKeyring(): Keyring {
  const keyring = (globalThis as Holder)[holderKey];
  if (!keyring) throw new FieldKeyringNotSetError();
  return keyring;
}
