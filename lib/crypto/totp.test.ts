import { describe, expect, it } from 'vitest';
import {
  formatTotpSecret,
  generateTotpSecret,
  looksLikeTotpCode,
  totpCode,
  totpStep,
  totpUri,
  verifyTotp,
} from './totp';

/** The RFC 6238 appendix B secret for SHA-1: ASCII "12345678901234567890", here in base32. */
const rfcSecret = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
const at = (seconds: number) => new Date(seconds * 1000);

describe('TOTP', () => {
  it('computes the RFC 6238 SHA-1 test vectors (their last six digits)', () => {
    expect(totpCode(rfcSecret, at(59))).toBe('287082');
    expect(totpCode(rfcSecret, at(1111111109))).toBe('081804');
    expect(totpCode(rfcSecret, at(1111111111))).toBe('050471');
    expect(totpCode(rfcSecret, at(1234567890))).toBe('005924');
    expect(totpCode(rfcSecret, at(2000000000))).toBe('279037');
    expect(totpCode(rfcSecret, at(20000000000))).toBe('353130');
  });

  it('accepts the current step and one step either side, and reports the step that matched', () => {
    const now = at(1_800_000_015);
    const step = totpStep(now);
    for (const offset of [-1, 0, 1]) {
      const code = totpCode(rfcSecret, at((step + offset) * 30 + 1));
      expect(verifyTotp(rfcSecret, code, { at: now })).toEqual({ ok: true, step: step + offset });
    }
    for (const offset of [-2, 2]) {
      const code = totpCode(rfcSecret, at((step + offset) * 30 + 1));
      expect(verifyTotp(rfcSecret, code, { at: now })).toEqual({ ok: false, reason: 'wrong' });
    }
  });

  it('refuses a code of a step already used, or of an earlier one, as replayed', () => {
    const now = at(1_800_000_015);
    const step = totpStep(now);
    const code = totpCode(rfcSecret, now);
    expect(verifyTotp(rfcSecret, code, { at: now, lastUsedStep: step - 1 })).toEqual({ ok: true, step });
    expect(verifyTotp(rfcSecret, code, { at: now, lastUsedStep: step })).toEqual({
      ok: false,
      reason: 'replayed',
    });
    const previous = totpCode(rfcSecret, at(now.getTime() / 1000 - 30));
    expect(verifyTotp(rfcSecret, previous, { at: now, lastUsedStep: step })).toEqual({
      ok: false,
      reason: 'replayed',
    });
  });

  it('refuses malformed codes without checking them, and allows spaces inside a code', () => {
    const now = at(1_800_000_015);
    expect(verifyTotp(rfcSecret, '12345', { at: now })).toEqual({ ok: false, reason: 'malformed' });
    expect(verifyTotp(rfcSecret, 'abcdef', { at: now })).toEqual({ ok: false, reason: 'malformed' });
    const code = totpCode(rfcSecret, now);
    expect(verifyTotp(rfcSecret, `${code.slice(0, 3)} ${code.slice(3)}`, { at: now }).ok).toBe(true);
    expect(looksLikeTotpCode('123 456')).toBe(true);
    expect(looksLikeTotpCode('abcde-12345')).toBe(false);
  });

  it('generates a different 160-bit base32 secret each time, usable by authenticator apps', () => {
    const a = generateTotpSecret();
    const b = generateTotpSecret();
    expect(a).toMatch(/^[A-Z2-7]{32}$/);
    expect(a).not.toBe(b);
    const uri = totpUri(a, { issuer: 'Harborview CPA', accountName: 'olivia@harborview.test' });
    expect(uri).toMatch(/^otpauth:\/\/totp\/Harborview%20CPA:olivia%40harborview\.test\?/);
    expect(uri).toContain(`secret=${a}`);
    expect(uri).toContain('issuer=Harborview%20CPA');
    expect(formatTotpSecret('ABCDEFGHIJ')).toBe('ABCD EFGH IJ');
  });
});
