/**
 * A column encrypted at the field level: `taxId: p.type(EncryptedStringType).nullable()`.
 *
 * The entity holds a SensitiveString (prints as `[redacted]`); the `text` column holds
 * `enc:v1:<keyId>:…` under the process keyring's active key (db/shared/field-keyring.ts). The
 * authenticated context is `<table>.<column>`, so a value copied into another column does not decrypt
 * (renaming either means re-encrypting the column). Encrypted columns cannot be searched by value:
 * store a `keyedHash` in a column beside it and query that.
 */
import { Type, type TransformContext } from '@mikro-orm/core';
import {
  decryptField,
  FieldEncryptionError,
  encryptField,
  isEncryptedField,
  storedKeyId,
} from '../../lib/crypto/field-encryption';
import { isSensitiveString, type SensitiveString } from '../../lib/crypto/sensitive-string';
import { fieldKeyring } from './field-keyring';

/** The authenticated context of a column's values: `<table>.<column>`. */
export function encryptionContext(tableName: string, columnName: string): string {
  return `${tableName}.${columnName}`;
}

/**
 * The stored form each SensitiveString was read as or last written as, per context. It lets an
 * unchanged value produce the same stored string on every flush, so change detection sees no change
 * (a new encryption would differ: the IV is random). SensitiveString is immutable, so this is sound.
 */
const storedForms = new WeakMap<SensitiveString, Map<string, string>>();

function remember(value: SensitiveString, context: string, stored: string): void {
  const forms = storedForms.get(value) ?? new Map<string, string>();
  forms.set(context, stored);
  storedForms.set(value, forms);
}

export class EncryptedStringType extends Type<SensitiveString | null, string | null> {
  /** `<table>.<column>` of the property this instance maps (MikroORM makes one instance per property). */
  get context(): string {
    const table = this.meta?.tableName;
    const column = this.prop?.fieldNames?.[0];
    if (!table || !column || (this.prop?.fieldNames?.length ?? 0) > 1) {
      throw new FieldEncryptionError(
        'invalid_input',
        `EncryptedStringType maps one column of an entity table (${this.meta?.className ?? '?'}.${this.prop?.name ?? '?'})`,
      );
    }
    return encryptionContext(table, column);
  }

  /** Also receives what MikroORM has already converted, and whatever untyped code assigns: checked here. */
  override convertToDatabaseValue(
    input: SensitiveString | null,
    _platform: unknown,
    transform?: TransformContext,
  ): string | null {
    const value: unknown = input;
    if (value === null || value === undefined) return null;
    // An already stored form passes through: MikroORM converts some values twice.
    if (isEncryptedField(value)) return value;
    if (!isSensitiveString(value)) {
      throw new FieldEncryptionError(
        'invalid_input',
        `${this.where()} takes a SensitiveString (new SensitiveString(value)), not a plain value`,
      );
    }
    if (transform?.mode === 'query') {
      throw new FieldEncryptionError(
        'invalid_input',
        `${this.where()} is encrypted and cannot be searched by value: query a keyedHash column instead`,
      );
    }
    const keyring = fieldKeyring();
    const context = this.context;
    const known = storedForms.get(value)?.get(context);
    if (known !== undefined && keyring.keyIds.includes(storedKeyId(known))) return known;
    const stored = encryptField(value, keyring, context);
    remember(value, context, stored);
    return stored;
  }

  override convertToJSValue(input: string | null): SensitiveString | null {
    const value: unknown = input;
    if (value === null || value === undefined) return null;
    if (isSensitiveString(value)) return value;
    if (typeof value !== 'string') {
      throw new FieldEncryptionError('malformed', `${this.where()} holds a ${typeof value}, not text`);
    }
    const context = this.context;
    const plain = decryptField(value, fieldKeyring(), context);
    remember(plain, context, value);
    return plain;
  }

  /**
   * Two stored forms are equal when they decrypt to the same value: a value assigned anew with the same
   * content, or re-encrypted under another key, is not a change.
   */
  override compareValues(a: string | null, b: string | null): boolean {
    if (a === b) return true;
    if (typeof a !== 'string' || typeof b !== 'string') return false;
    try {
      const keyring = fieldKeyring();
      const context = this.context;
      return decryptField(a, keyring, context).equals(decryptField(b, keyring, context));
    } catch {
      return false;
    }
  }

  override compareAsType(): string {
    return 'string';
  }

  /** Hydrated values are compared as the stored string the database returned: no conversion needed. */
  override ensureComparable(): boolean {
    return false;
  }

  override getColumnType(): string {
    return 'text';
  }

  private where(): string {
    return `${this.meta?.className ?? '?'}.${this.prop?.name ?? '?'}`;
  }
}
