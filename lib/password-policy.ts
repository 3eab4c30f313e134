/**
 * The rules a new password must meet (NIST SP 800-63B style): long enough, not absurdly long, not on a
 * list of passwords that leaked and are tried first, not built from the person's email or the firm's
 * name, not one character repeated or a keyboard run. No composition rules ("one symbol"): they push
 * people to `Password1!`, which the list refuses anyway.
 *
 * The list (lib/data/common-passwords.txt, one lower-case password a line) holds well-known leaked
 * passwords and the patterns they follow (word + year, keyboard walks, names + digits); it is
 * compared case-insensitively. It is imported as text through Vite, so the web app and tests use it.
 */
import commonPasswordsText from './data/common-passwords.txt?raw';
import { passwordMaxLength, passwordMinLength } from './password-length';

export { passwordMaxLength, passwordMinLength } from './password-length';

let commonPasswords: ReadonlySet<string> | undefined;

function isCommonPassword(lowered: string): boolean {
  commonPasswords ??= new Set(
    commonPasswordsText
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean),
  );
  return commonPasswords.has(lowered);
}

export interface TPasswordContext {
  /** The account's email: its local part (and each longer piece of it) may not be in the password. */
  email?: string;
  /** The firm's name: it may not be in the password. */
  firmName?: string;
  /** The person's name: no part of four letters or more may be in the password. */
  personName?: string;
}

export type TPasswordCheck = { ok: true } | { ok: false; message: string };

const keyboardRuns = ['1234567890', 'qwertyuiop', 'asdfghjkl', 'zxcvbnm', 'abcdefghijklmnopqrstuvwxyz'];

/** Whether a password is one or two characters repeated, or walks one of the rows above (either way, wrapping). */
function isTrivial(lowered: string): boolean {
  if (new Set(lowered).size <= 2) return true;
  return keyboardRuns.some((run) => {
    const repeated = run.repeat(Math.ceil(lowered.length / run.length) + 1);
    const reversed = [...repeated].reverse().join('');
    return repeated.includes(lowered) || reversed.includes(lowered);
  });
}

/** Letters and digits only, lower-case: "Harborview CPA, LLC" → "harborviewcpallc". */
function compact(value: string): string {
  return value.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');
}

/** The pieces of an email local part or a name worth refusing: the whole, and each piece of 4+ letters. */
function personalPieces(value: string): string[] {
  const pieces = value
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((piece) => piece.length >= 4);
  const whole = compact(value);
  return whole.length >= 3 ? [whole, ...pieces] : pieces;
}

/** Checks a new password; the message says what to change, in words a person can act on. */
export function checkPasswordPolicy(password: string, context: TPasswordContext = {}): TPasswordCheck {
  const length = [...password].length;
  if (length < passwordMinLength) {
    return {
      ok: false,
      message: `Use at least ${passwordMinLength} characters. A few unrelated words make a strong password that is easy to remember.`,
    };
  }
  if (length > passwordMaxLength) {
    return { ok: false, message: `Use at most ${passwordMaxLength} characters.` };
  }
  const lowered = password.normalize('NFKC').toLowerCase();
  if (isCommonPassword(lowered) || isCommonPassword(compact(password))) {
    return {
      ok: false,
      message: 'This password is on lists of leaked passwords that attackers try first. Choose another.',
    };
  }
  if (isTrivial(lowered)) {
    return {
      ok: false,
      message: 'This password is too easy to guess: avoid repeated characters and keyboard runs.',
    };
  }
  const squeezed = compact(password);
  const localPart = context.email?.split('@')[0] ?? '';
  if (localPart && personalPieces(localPart).some((piece) => squeezed.includes(compact(piece)))) {
    return { ok: false, message: 'Do not use your email address, or part of it, in your password.' };
  }
  if (
    context.personName &&
    personalPieces(context.personName).some((piece) => piece.length >= 4 && squeezed.includes(piece))
  ) {
    return { ok: false, message: 'Do not use your name in your password.' };
  }
  if (context.firmName) {
    const firm = compact(context.firmName);
    const firmWords = context.firmName
      .toLowerCase()
      .split(/[^\p{L}\p{N}]+/u)
      .filter((word) => word.length >= 5);
    if ((firm.length >= 4 && squeezed.includes(firm)) || firmWords.some((word) => squeezed.includes(word))) {
      return { ok: false, message: 'Do not use the firm’s name in your password.' };
    }
  }
  return { ok: true };
}
