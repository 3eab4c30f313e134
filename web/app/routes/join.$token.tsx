import { data } from '@remix-run/node';
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { z } from 'zod';
import { acceptStaffInvitation, findUsableStaffInvitation } from '../../../db/auth/staff-invitations';
import { isAppError } from '../../../lib/errors';
import { passwordMinLength } from '../../../lib/password-length';
import { formText } from '../auth/form-text.server';
import { mfaEnrolPath } from '../auth/paths';
import { startSession } from '../auth/session.server';
import { signInActor } from '../auth/staff-sign-in.server';
import { fieldErrorsOf, type TFieldErrors } from '../forms/validation.server';
import { RedirectError } from '../http/redirect.server';
import { publicRoute } from '../http/route.server';
import { AuthErrorBoundary, AuthPage } from '../ui/auth-page';
import { FormError, TextField } from '../ui/components';
import { CsrfInput } from '../ui/csrf-input';

export const meta: MetaFunction = () => [
  { title: 'Join your firm · CPA Platform' },
  { name: 'robots', content: 'noindex' },
];

const roleNames: Record<string, string> = {
  owner: 'Owner',
  admin: 'Admin',
  manager: 'Manager',
  preparer: 'Preparer',
  reviewer: 'Reviewer',
};

const ZJoinForm = z
  .object({
    name: z
      .string()
      .trim()
      .min(1, 'Enter your name as colleagues know it')
      .max(200, 'Use at most 200 characters'),
    password: z.string().min(1, 'Choose a password'),
    confirmPassword: z.string(),
  })
  .refine((form) => form.password === form.confirmPassword, {
    path: ['confirmPassword'],
    message: 'The two passwords are not the same.',
  });

function invitationProblem(error: unknown) {
  if (!isAppError(error) || !['not_found', 'expired', 'conflict'].includes(error.code)) throw error;
  return data({ problem: error.userMessage, invitation: null }, { status: error.httpStatus });
}

export async function loader(args: LoaderFunctionArgs) {
  return publicRoute(args, async ({ em }) => {
    try {
      const invitation = await findUsableStaffInvitation(em, { token: args.params.token ?? '' });
      return {
        problem: null,
        invitation: {
          email: invitation.email,
          role: roleNames[invitation.role] ?? invitation.role,
          firmName: invitation.organization.name,
          inviterName: invitation.invitedBy?.name ?? null,
        },
      };
    } catch (error) {
      return invitationProblem(error);
    }
  });
}

/**
 * Accepting creates the account and signs the person in with the password just set; the session
 * opens only authenticator setup until that is done (staff always have a second factor).
 */
export async function action(args: ActionFunctionArgs) {
  return publicRoute(args, async ({ em }) => {
    const { request, context } = args;
    const form = await request.formData();
    const parsed = ZJoinForm.safeParse({
      name: form.get('name') ?? '',
      password: form.get('password') ?? '',
      confirmPassword: form.get('confirmPassword') ?? '',
    });
    const name = formText(form, 'name');
    if (!parsed.success) {
      return data({ problem: null, fieldErrors: fieldErrorsOf(parsed.error), name }, { status: 400 });
    }
    let accepted;
    try {
      accepted = await acceptStaffInvitation(em, signInActor(request, context), {
        token: args.params.token ?? '',
        name: parsed.data.name,
        password: parsed.data.password,
      });
    } catch (error) {
      if (isAppError(error) && error.code === 'invalid_input') {
        return data({ problem: null, fieldErrors: { password: error.userMessage }, name }, { status: 400 });
      }
      return invitationProblem(error);
    }
    const { setCookie } = await startSession(request, context, {
      subject: { kind: 'staff', userId: accepted.userId, organizationId: accepted.organizationId },
      secondFactorRequired: true,
    });
    throw new RedirectError(`${mfaEnrolPath}?redirectTo=%2Fapp`, { 'Set-Cookie': setCookie });
  });
}

export default function JoinFirm() {
  const loaded = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state === 'submitting';
  const problem = result?.problem ?? loaded.problem;
  const fieldErrors: TFieldErrors = (result && 'fieldErrors' in result ? result.fieldErrors : null) ?? {};
  const invitation = loaded.invitation;

  return (
    <AuthPage>
      {problem || !invitation ? (
        <>
          <h1>This invitation cannot be used</h1>
          <FormError message={problem} />
          <p className="auth-links">
            <Link to="/login">Sign in</Link>
          </p>
        </>
      ) : (
        <>
          <h1>Join {invitation.firmName}</h1>
          <p className="muted">
            {invitation.inviterName ? `${invitation.inviterName} invited you` : 'You are invited'} to join as{' '}
            <strong>{invitation.role}</strong>. Set your name and a password; next you will set up two-step
            sign-in with an authenticator app.
          </p>
          <Form method="post" noValidate className="stack">
            <CsrfInput />
            <TextField
              name="email"
              label="Email"
              type="email"
              autoComplete="username"
              value={invitation.email}
              readOnly
              hint="You will sign in with this address."
            />
            <TextField
              name="name"
              label="Your name"
              autoComplete="name"
              required
              defaultValue={result && 'name' in result ? result.name : undefined}
              error={fieldErrors.name}
            />
            <TextField
              name="password"
              label="Password"
              type="password"
              autoComplete="new-password"
              hint={`At least ${passwordMinLength} characters. A few unrelated words make a strong password.`}
              required
              error={fieldErrors.password}
            />
            <TextField
              name="confirmPassword"
              label="Password again"
              type="password"
              autoComplete="new-password"
              required
              error={fieldErrors.confirmPassword}
            />
            <button type="submit" className="button button-primary button-block" disabled={busy}>
              {busy ? 'Creating your account…' : 'Create account and continue'}
            </button>
          </Form>
        </>
      )}
    </AuthPage>
  );
}

export function ErrorBoundary() {
  return <AuthErrorBoundary />;
}
