/**
 * The demo firm's logins, for local development only (`npm run dev` seeds them; README lists them).
 * Never seeded when NODE_ENV is production.
 */
import { createHmac } from 'node:crypto';
import { Secret } from 'otpauth';

export const demoFirm = { name: 'Harborview CPA', slug: 'harborview' } as const;

export const demoStaffPassword = 'harborview-demo-2026';

/**
 * The authenticator (TOTP) secret of a demo staff member, derived from their email so that it is the
 * same on every machine and can be printed next to the demo logins (README, the dev login page).
 * DEMO ONLY: real staff get a random secret when they set up their authenticator.
 */
export function demoTotpSecret(email: string): string {
  const bytes = createHmac('sha1', 'cpa-platform demo authenticator (never used outside the demo)')
    .update(email.toLowerCase())
    .digest();
  return new Secret({ buffer: new Uint8Array(bytes).buffer }).base32;
}

const staffLogin = (role: string, email: string) => ({
  role,
  email,
  password: demoStaffPassword,
  totpSecret: demoTotpSecret(email),
});

export const demoLogins: {
  role: string;
  email: string;
  password: string;
  /** The demo staff member's authenticator secret (base32): add it to an app, or compute codes from it. */
  totpSecret?: string;
  note?: string;
}[] = [
  staffLogin('owner', 'olivia.owner@harborview.test'),
  staffLogin('admin', 'adam.admin@harborview.test'),
  staffLogin('manager', 'maya.manager@harborview.test'),
  staffLogin('preparer', 'pete.preparer@harborview.test'),
  staffLogin('reviewer', 'rita.reviewer@harborview.test'),
  {
    role: 'client (portal)',
    email: 'ava.client@example.test',
    password: '(no password: open the link)',
    note: '/portal/invite/demo-ava-portal-link-2026',
  },
];

/** The fixed portal token of the demo client contact (development only). */
export const demoPortalToken = 'demo-ava-portal-link-2026';
