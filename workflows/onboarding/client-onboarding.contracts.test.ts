import { describe, expect, it } from 'vitest';
import { ZClientProfile } from './client-onboarding.contracts';

const valid = {
  legalName: '  Jordan Avery Lee ',
  preferredName: '',
  phone: '(617) 555-0123',
  addressLine1: '12 Harbor Street',
  addressLine2: '',
  city: 'Boston',
  state: 'ma',
  postalCode: '02110-1234',
  preferredContact: 'phone',
};

describe('client profile schema', () => {
  it('normalises a valid profile: trims, upper-cases the state, strips phone punctuation, drops empty optionals', () => {
    expect(ZClientProfile.parse(valid)).toEqual({
      legalName: 'Jordan Avery Lee',
      phone: '6175550123',
      addressLine1: '12 Harbor Street',
      city: 'Boston',
      state: 'MA',
      postalCode: '02110-1234',
      preferredContact: 'phone',
    });
  });

  it('names every bad field with a message a client understands', () => {
    const result = ZClientProfile.safeParse({
      legalName: 'J',
      phone: '12345',
      addressLine1: '',
      city: '',
      state: 'ZZ',
      postalCode: 'ABCDE',
      preferredContact: 'fax',
    });
    expect(result.success).toBe(false);
    const byField = Object.fromEntries(result.error!.issues.map((i) => [i.path.join('.'), i.message]));
    expect(byField).toEqual({
      legalName: 'Enter your full legal name',
      phone: 'Enter a 10-digit US phone number, for example (555) 123-4567',
      addressLine1: 'Enter your street address',
      city: 'Enter your city',
      state: 'Choose a US state',
      postalCode: 'Enter a 5-digit ZIP code, for example 02139',
      preferredContact: 'Choose how we should contact you',
    });
  });

  it('rejects over-long optional fields instead of truncating them', () => {
    const result = ZClientProfile.safeParse({ ...valid, preferredName: 'x'.repeat(101) });
    expect(result.success).toBe(false);
    expect(result.error!.issues[0]?.path).toEqual(['preferredName']);
  });
});
