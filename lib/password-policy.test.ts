import { describe, expect, it } from 'vitest';
import { checkPasswordPolicy, passwordMaxLength } from './password-policy';

const refused = (password: string, context = {}) => {
  const result = checkPasswordPolicy(password, context);
  return result.ok ? null : result.message;
};

describe('password policy', () => {
  it('accepts a long passphrase that is not on any list', () => {
    expect(checkPasswordPolicy('copper kettle marches north')).toEqual({ ok: true });
    expect(checkPasswordPolicy('Tangerine-Ledger-47-Owl')).toEqual({ ok: true });
  });

  it('refuses passwords shorter than 12 characters, counting characters rather than bytes', () => {
    expect(refused('short-pass1')).toMatch(/at least 12 characters/);
    expect(refused('ééééééééééé')).toMatch(/at least 12 characters/);
  });

  it('refuses passwords longer than the maximum', () => {
    expect(refused('x'.repeat(passwordMaxLength + 1))).toMatch(/at most 128/);
  });

  it('refuses leaked and pattern passwords from the shipped list, whatever their case', () => {
    for (const password of [
      'password1234',
      'PASSWORD1234',
      'Qwertyuiop123',
      'iloveyou2024',
      'Welcome2026!',
      'P@ssw0rd1234',
      'Football2024!',
    ]) {
      expect(refused(password), password).toMatch(/leaked passwords/);
    }
  });

  it('refuses repeated characters and keyboard runs', () => {
    expect(refused('aaaaaaaaaaaaaa')).toMatch(/too easy to guess/);
    expect(refused('abababababababab')).toMatch(/too easy to guess/);
    expect(refused('nmzxcvbnmzxcv')).toMatch(/too easy to guess/);
    expect(refused('0987654321098')).toMatch(/too easy to guess/);
  });

  it('refuses passwords containing the email local part or a longer piece of it', () => {
    const context = { email: 'olivia.owner@harborview.test' };
    expect(refused('my-olivia.owner-key', context)).toMatch(/email address/);
    expect(refused('purple-OLIVIA-garden', context)).toMatch(/email address/);
    expect(checkPasswordPolicy('purple-giraffe-garden', context)).toEqual({ ok: true });
  });

  it('refuses passwords containing the firm name, with or without spaces and in any case', () => {
    const context = { firmName: 'Harborview CPA' };
    expect(refused('harborview-demo-2026', context)).toMatch(/firm’s name/);
    expect(refused('MyHarborViewCpaKey', context)).toMatch(/firm’s name/);
    expect(checkPasswordPolicy('lantern-orchard-basin', context)).toEqual({ ok: true });
  });

  it('refuses passwords containing the person’s name', () => {
    expect(refused('lena-brooks-secret', { personName: 'Lena Brooks' })).toMatch(/your name/);
  });
});
