/**
 * Time-based one-time passwords (RFC 6238): HMAC-SHA1, 6 digits, 30-second steps, the format every
 * authenticator app reads from an `otpauth://` URI. Codes of the current step and one step either side
 * are accepted (clock drift). A verified code reports its step, so the caller can refuse that step, and
 * every earlier one, next time: a code that was seen once cannot be replayed.
 */
import { randomBytes } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';

export const totpPeriodSeconds = 30;
export const totpDigits = 6;
/** Steps accepted either side of the current one. */
export const totpWindow = 1;

/** A new random shared secret (160 bits, the size RFC 4226 recommends), base32 as apps expect. */
export function generateTotpSecret(): string {
  return new Secret({ buffer: new Uint8Array(randomBytes(20)).buffer }).base32;
}

function totpFor(secretBase32: string, label = 'account', issuer = 'CPA Platform'): TOTP {
  return new TOTP({
    issuer,
    label,
    algorithm: 'SHA1',
    digits: totpDigits,
    period: totpPeriodSeconds,
    secret: Secret.fromBase32(secretBase32),
  });
}

/** The 30-second step a moment falls in. */
export function totpStep(at: Date = new Date()): number {
  return Math.floor(at.getTime() / 1000 / totpPeriodSeconds);
}

/** The code for a secret at a moment (tests and the demo seed's documentation compute codes with it). */
export function totpCode(secretBase32: string, at: Date = new Date()): string {
  return totpFor(secretBase32).generate({ timestamp: at.getTime() });
}

/** The `otpauth://totp/...` URI an authenticator app scans (as a QR code) to add the account. */
export function totpUri(secretBase32: string, input: { issuer: string; accountName: string }): string {
  return totpFor(secretBase32, input.accountName, input.issuer).toString();
}

/** A secret grouped in fours for typing it into an app by hand. */
export function formatTotpSecret(secretBase32: string): string {
  return secretBase32.replace(/(.{4})(?=.)/g, '$1 ');
}

/** Whether text looks like a TOTP code at all (6 digits, spaces allowed: "123 456"). */
export function looksLikeTotpCode(input: string): boolean {
  return /^\d{6}$/.test(input.replace(/\s+/g, ''));
}

export type TTotpVerification =
  { ok: true; step: number } | { ok: false; reason: 'malformed' | 'wrong' | 'replayed' };

/**
 * Checks a code against a secret at `at`, within ±1 step. `lastUsedStep` is the step of the last code
 * this account had accepted: a code of that step or an earlier one is refused as replayed.
 */
export function verifyTotp(
  secretBase32: string,
  code: string,
  input: { lastUsedStep?: number | null; at?: Date } = {},
): TTotpVerification {
  const token = code.replace(/\s+/g, '');
  if (!/^\d{6}$/.test(token)) return { ok: false, reason: 'malformed' };
  const at = input.at ?? new Date();
  const delta = totpFor(secretBase32).validate({ token, timestamp: at.getTime(), window: totpWindow });
  if (delta === null) return { ok: false, reason: 'wrong' };
  const step = totpStep(at) + delta;
  if (input.lastUsedStep !== null && input.lastUsedStep !== undefined && step <= input.lastUsedStep) {
    return { ok: false, reason: 'replayed' };
  }
  return { ok: true, step };
}
