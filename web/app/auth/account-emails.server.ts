/**
 * Emails about staff accounts that the web app sends itself: password reset links and staff
 * invitations. Each goes through the sent-log (sendEmailOnce), keyed by the token row it carries, so
 * a retried request never sends the same link twice.
 */
import type { AppLoadContext } from '@remix-run/node';
import type { IStaffInvitation } from '../../../db/auth/staff-invitation.entity';
import type { TIssuedPasswordReset } from '../../../db/auth/password-reset';
import { sendEmailOnce } from '../../../db/email/send-email-once';
import { forSystem } from '../../../db/tenancy/tenant-context';
import { webEnv } from '../env.server';
import { mailer, orm } from '../services.server';

const roleNames: Record<string, string> = {
  owner: 'an owner',
  admin: 'an admin',
  manager: 'a manager',
  preparer: 'a preparer',
  reviewer: 'a reviewer',
};

/** Sends the password-reset link. Throws EmailDeliveryError when the mail server did not take it. */
export async function sendPasswordResetEmail(reset: TIssuedPasswordReset): Promise<void> {
  const em = forSystem(await orm(), 'password reset: the email goes to the firm the person belongs to');
  await sendEmailOnce({
    em,
    mailer: mailer(),
    organizationId: reset.organizationId,
    idempotencyKey: `password-reset:${reset.tokenId}`,
    to: reset.email,
    template: {
      template: 'password_reset',
      resetUrl: `${webEnv().PUBLIC_URL}/reset-password/${reset.token}`,
      expiresAt: reset.expiresAt,
    },
    relatedTo: { type: 'user', id: reset.userId },
  });
}

/** Sends a staff invitation with its single-use link. Throws EmailDeliveryError when it was not sent. */
export async function sendStaffInvitationEmail(input: {
  invitation: IStaffInvitation;
  token: string;
  firmName: string;
  inviterName: string;
}): Promise<void> {
  const { invitation } = input;
  const em = forSystem(await orm(), 'staff invitation: the sent-log row belongs to the inviting firm');
  await sendEmailOnce({
    em,
    mailer: mailer(),
    organizationId: invitation.organization.id,
    idempotencyKey: `staff-invitation:${invitation.id}`,
    to: invitation.email,
    template: {
      template: 'staff_invitation',
      firmName: input.firmName,
      inviterName: input.inviterName,
      role: roleNames[invitation.role] ?? invitation.role,
      acceptUrl: `${webEnv().PUBLIC_URL}/join/${input.token}`,
      expiresAt: invitation.expiresAt,
    },
    relatedTo: { type: 'staff_invitation', id: invitation.id },
  });
}

/** Logs a failed send with the request ID (never the address or the link). */
export function logEmailFailure(context: AppLoadContext, what: string, error: unknown): void {
  console.warn(
    `[${context.requestId}] ${what} email not sent: ${error instanceof Error ? error.message : String(error)}`,
  );
}
