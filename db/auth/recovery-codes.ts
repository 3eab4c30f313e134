import { randomInt } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { RecoveryCode } from './recovery-code.entity';
import { hashToken } from './session-token';

export const recoveryCodeCount = 10;

/** Letters and digits that cannot be mistaken for each other (no 0/O, 1/I/L). */
const alphabet = 'abcdefghjkmnpqrstuvwxyz23456789';

/** A recovery code as shown: two groups of five, e.g. `k7m2p-xq9rt` (about 49 bits). */
function newRecoveryCode(): string {
  const pick = () => Array.from({ length: 5 }, () => alphabet[randomInt(alphabet.length)]).join('');
  return `${pick()}-${pick()}`;
}

/** What is hashed: lower-case, without spaces or dashes, so `K7M2P XQ9RT` matches `k7m2p-xq9rt`. */
export function normalizeRecoveryCode(input: string): string {
  return input.toLowerCase().replace(/[\s-]+/g, '');
}

/** Whether text has the shape of a recovery code (10 letters and digits, dash or space optional). */
export function looksLikeRecoveryCode(input: string): boolean {
  return /^[a-z0-9]{10}$/.test(normalizeRecoveryCode(input));
}

export function hashRecoveryCode(code: string): string {
  return hashToken(`recovery:${normalizeRecoveryCode(code)}`);
}

/**
 * Replaces a user's recovery codes with ten new ones and returns them (the only time they exist in
 * plain text). Codes from before, used or not, stop working.
 */
export async function issueRecoveryCodes(em: EntityManager, userId: string): Promise<string[]> {
  await em.nativeDelete(RecoveryCode, { user: userId });
  const codes = Array.from({ length: recoveryCodeCount }, newRecoveryCode);
  for (const code of codes) em.create(RecoveryCode, { user: userId, codeHash: hashRecoveryCode(code) });
  await em.flush();
  return codes;
}

/** How many of a user's recovery codes are still unused. */
export function countUnusedRecoveryCodes(em: EntityManager, userId: string): Promise<number> {
  return em.count(RecoveryCode, { user: userId, usedAt: null });
}
