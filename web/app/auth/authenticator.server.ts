import { Authenticator } from 'remix-auth';
import { FormStrategy } from 'remix-auth-form';
import { z } from 'zod';
import { forSystem } from '../../../db/tenancy/tenant-context';
import { Membership } from '../../../db/users/membership.entity';
import { User } from '../../../db/users/user.entity';
import { hashPassword, needsRehash, verifyPassword } from '../../../lib/passwords';
import { fieldErrorsOf, type TFieldErrors } from '../forms/validation.server';
import { orm } from '../services.server';

export const ZSignInForm = z.object({
  email: z.string().trim().toLowerCase().pipe(z.email('Enter your email address, for example name@firm.com')),
  password: z.string().min(1, 'Enter your password').max(1000, 'This password is too long'),
});

/** Who passed the password check: the person and the firm they sign in to. */
export interface TPasswordVerified {
  userId: string;
  organizationId: string;
}

/**
 * Sign-in failed: a field is missing or malformed, or the credentials are wrong (no detail given).
 * `account` is set when the email belongs to a staff member (for the audit trail and throttling).
 */
export class SignInError extends Error {
  override name = 'SignInError';
  constructor(
    readonly fieldErrors: TFieldErrors,
    readonly formError?: string,
    readonly account?: { userId: string; organizationId: string },
    readonly reason: 'invalid_form' | 'unknown_email' | 'wrong_password' | 'deactivated' = 'invalid_form',
  ) {
    super(formError ?? 'invalid sign-in form');
  }
}

export const wrongCredentialsMessage = 'Email or password is incorrect.';
export const deactivatedMessage =
  'Your access to this firm has been turned off. Ask an owner or admin of your firm if this is a mistake.';

let dummyHash: Promise<string> | undefined;

/**
 * Checks an email and password. Unknown emails take as long as wrong passwords (a dummy hash is
 * verified), so timing does not reveal who has an account. A password hashed with older parameters
 * is hashed again with today's once it is verified.
 */
async function verifyStaffCredentials(form: FormData): Promise<TPasswordVerified> {
  const parsed = ZSignInForm.safeParse({
    email: form.get('email') ?? '',
    password: form.get('password') ?? '',
  });
  if (!parsed.success) throw new SignInError(fieldErrorsOf(parsed.error));
  const { email, password } = parsed.data;

  // Before sign-in the firm is unknown: the user and membership lookups span firms.
  const em = forSystem(await orm(), 'sign-in: find the user and their firm');
  const user = await em.findOne(User, { email }, { populate: ['passwordHash'] });
  dummyHash ??= hashPassword('not-a-real-password');
  const passwordOk = await verifyPassword(password, user?.passwordHash ?? (await dummyHash));
  // Until organization switching exists, a person signs in to the firm they joined first.
  const membership = user
    ? await em.findOne(Membership, { user: user.id }, { orderBy: { createdAt: 'asc' } })
    : null;
  if (!user || !membership) throw new SignInError({}, wrongCredentialsMessage, undefined, 'unknown_email');
  const account = { userId: user.id, organizationId: membership.organization.id };
  if (!passwordOk) throw new SignInError({}, wrongCredentialsMessage, account, 'wrong_password');
  if (membership.deactivatedAt) throw new SignInError({}, deactivatedMessage, account, 'deactivated');

  if (needsRehash(user.passwordHash)) {
    user.passwordHash = await hashPassword(password);
    await em.flush();
  }
  return account;
}

let instance: Authenticator<TPasswordVerified> | undefined;

/** remix-auth with the email + password form strategy, registered as "form". */
export function authenticator(): Authenticator<TPasswordVerified> {
  if (!instance) {
    instance = new Authenticator<TPasswordVerified>();
    instance.use(new FormStrategy(({ form }) => verifyStaffCredentials(form)), 'form');
  }
  return instance;
}
