/** How long a new password must be, and may be (lib/password-policy.ts checks the rest). */
export const passwordMinLength = 12;
export const passwordMaxLength = 128;
