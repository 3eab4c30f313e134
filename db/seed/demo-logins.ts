/**
 * The demo firm's logins, for local development only (`npm run dev` seeds them; README lists them).
 * Never seeded when NODE_ENV is production.
 */
export const demoFirm = { name: 'Harborview CPA', slug: 'harborview' } as const;

export const demoStaffPassword = 'harborview-demo-2026';

export const demoLogins: { role: string; email: string; password: string; note?: string }[] = [
  { role: 'owner', email: 'olivia.owner@harborview.test', password: demoStaffPassword },
  { role: 'admin', email: 'adam.admin@harborview.test', password: demoStaffPassword },
  { role: 'manager', email: 'maya.manager@harborview.test', password: demoStaffPassword },
  { role: 'preparer', email: 'pete.preparer@harborview.test', password: demoStaffPassword },
  { role: 'reviewer', email: 'rita.reviewer@harborview.test', password: demoStaffPassword },
  {
    role: 'client (portal)',
    email: 'ava.client@example.test',
    password: '(no password: open the link)',
    note: '/portal/invite/demo-ava-portal-link-2026',
  },
];

/** The fixed portal token of the demo client contact (development only). */
export const demoPortalToken = 'demo-ava-portal-link-2026';
