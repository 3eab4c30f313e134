import { Authenticator } from 'remix-auth';
import { forSystem } from '../../../db/tenancy/tenant-context';
import { FormStrategy } from 'remix-auth-form';
import { z } from 'zod';
import { Membership } from '../../../db/users/membership.entity';
import { User } from '../../../db/users/user.entity';
import { hashPassword, verifyPassword } from '../../../lib/passwords';
import { fieldErrorsOf, type TFieldErrors } from '../forms/validation.server';
import { orm } from '../services.server';
import type { TStaffSessionData } from './session.server';

export const ZSignInForm = z.object({
  email: z.string().trim().toLowerCase().pipe(z.email('Enter your email address, for example name@firm.com')),
  password: z.string().min(1, 'Enter your password'),
});

/** Sign-in failed: either a field is missing or malformed, or the credentials are wrong (no detail given). */
export class SignInError extends Error {
  override name = 'SignInError';
  constructor(
    readonly fieldErrors: TFieldErrors,
    readonly formError?: string,
  ) {
    super(formError ?? 'invalid sign-in form');
  }
}

export const wrongCredentialsMessage = 'Email or password is incorrect.';

let dummyHash: Promise<string> | undefined;

/**
 * Checks an email and password and returns the staff identity for the session. Unknown emails take
 * as long as wrong passwords (a dummy hash is verified), so timing does not reveal who has an account.
 */
async function verifyStaffCredentials(form: FormData): Promise<TStaffSessionData> {
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
  if (!user || !passwordOk) throw new SignInError({}, wrongCredentialsMessage);

  // Until organization switching exists, a person signs in to the firm they joined first.
  const membership = await em.findOne(Membership, { user: user.id }, { orderBy: { createdAt: 'asc' } });
  if (!membership) throw new SignInError({}, wrongCredentialsMessage);

  user.lastSignInAt = new Date();
  await em.flush();
  return { userId: user.id, organizationId: membership.organization.id, role: membership.role };
}

let instance: Authenticator<TStaffSessionData> | undefined;

/** remix-auth with the email + password form strategy, registered as "form". */
export function authenticator(): Authenticator<TStaffSessionData> {
  if (!instance) {
    instance = new Authenticator<TStaffSessionData>();
    instance.use(new FormStrategy(({ form }) => verifyStaffCredentials(form)), 'form');
  }
  return instance;
}
