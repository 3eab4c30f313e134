import { timingSafeEqual } from 'node:crypto';
import { inspect } from 'node:util';

/** What every accidental rendering of a sensitive value prints. */
export const REDACTED = '[redacted]';

/**
 * Marks an object as a SensitiveString across module graphs (Vite's SSR loader and tsx load this file
 * separately, so `instanceof` alone would miss values made by the other copy).
 */
const brand = Symbol.for('cpa.crypto.SensitiveString');

/**
 * A decrypted value (tax ID, bank account number, OAuth token) that never prints itself:
 * `String(x)`, template literals, `JSON.stringify`, `console.log` and `util.inspect` all give
 * `[redacted]`. Read the value on purpose with `reveal()`.
 */
export class SensitiveString {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
    Object.defineProperty(this, brand, { value: true });
  }

  /** The plaintext. Call it only where the value is needed: to send it, mask it or hash it. */
  reveal(): string {
    return this.#value;
  }

  /** Constant-time comparison with another value. */
  equals(other: SensitiveString | string): boolean {
    const a = Buffer.from(this.#value, 'utf8');
    const b = Buffer.from(typeof other === 'string' ? other : other.reveal(), 'utf8');
    return a.length === b.length && timingSafeEqual(a, b);
  }

  /** The value is immutable, so a copy is the value itself (MikroORM clones entity data through this). */
  clone(): this {
    return this;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [Symbol.toPrimitive](): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }
}

/** True for a SensitiveString, also one made by another copy of this module. */
export function isSensitiveString(value: unknown): value is SensitiveString {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[brand] === true;
}
