import { data } from '@remix-run/node';
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { z } from 'zod';
import {
  changeMemberRole,
  deactivateMember,
  reactivateMember,
  resetMemberMfa,
  type TManager,
} from '../../../db/auth/manage-members';
import { StaffInvitation } from '../../../db/auth/staff-invitation.entity';
import { inviteStaffMember, revokeStaffInvitation } from '../../../db/auth/staff-invitations';
import { TotpFactor } from '../../../db/auth/totp-factor.entity';
import { Organization } from '../../../db/organizations/organization.entity';
import type { EntityManager } from '../../../db/types';
import { Membership, staffRoles, type TStaffRole } from '../../../db/users/membership.entity';
import { isAppError } from '../../../lib/errors';
import { formText } from '../auth/form-text.server';
import { logEmailFailure, sendStaffInvitationEmail } from '../auth/account-emails.server';
import type { TStaff } from '../auth/guards.server';
import { fieldErrorsOf, type TFieldErrors } from '../forms/validation.server';
import { notFound, staffRoute } from '../http/route.server';
import { FormError, Notice, PageHeader, StatusBadge, TextField } from '../ui/components';
import { CsrfInput } from '../ui/csrf-input';
import { dateFormat } from '../ui/dates.server';
import { PageErrorBoundary } from '../ui/error-panel';

export const meta: MetaFunction = () => [{ title: 'Team · CPA Platform' }];

const roleLabels: Record<TStaffRole, string> = {
  owner: 'Owner',
  admin: 'Admin',
  manager: 'Manager',
  preparer: 'Preparer',
  reviewer: 'Reviewer',
};

/** The roles this person may hand out: only owners make owners. */
const grantableRoles = (role: TStaffRole) => staffRoles.filter((r) => r !== 'owner' || role === 'owner');

export async function loader(args: LoaderFunctionArgs) {
  return staffRoute(args, 'users.manage', async ({ staff, em }) => {
    const format = dateFormat(staff.timeZone);
    const memberships = (
      await em.find(Membership, { organization: staff.organizationId }, { populate: ['user'] })
    ).sort(
      (a, b) =>
        Number(Boolean(a.deactivatedAt)) - Number(Boolean(b.deactivatedAt)) ||
        staffRoles.indexOf(a.role) - staffRoles.indexOf(b.role) ||
        a.user.name.localeCompare(b.user.name),
    );
    const userIds = memberships.map((m) => m.user.id);
    const enrolled = new Set(
      (await em.find(TotpFactor, { user: { $in: userIds }, confirmedAt: { $ne: null } })).map(
        (f) => f.user.id,
      ),
    );
    const now = new Date();
    const invitations = await em.find(
      StaffInvitation,
      { organization: staff.organizationId, acceptedAt: null, revokedAt: null },
      { orderBy: { createdAt: 'desc' }, limit: 100 },
    );
    return {
      viewer: { isOwner: staff.role === 'owner', grantable: grantableRoles(staff.role) },
      members: memberships.map((m) => ({
        membershipId: m.id,
        name: m.user.name,
        email: m.user.email,
        role: m.role,
        self: m.user.id === staff.userId,
        active: !m.deactivatedAt,
        mfa: enrolled.has(m.user.id),
        lastSignIn: m.user.lastSignInAt ? format.relative(m.user.lastSignInAt, now) : null,
        // Admins cannot change owners; nobody changes themselves here.
        manageable: m.user.id !== staff.userId && (m.role !== 'owner' || staff.role === 'owner'),
      })),
      invitations: invitations.map((invitation) => ({
        id: invitation.id,
        email: invitation.email,
        role: invitation.role,
        sent: format.dateTime(invitation.createdAt),
        expires: format.dateTime(invitation.expiresAt),
        expired: invitation.expiresAt <= now,
      })),
    };
  });
}

/** The form schemas (built on demand: staffRoles comes from an entity module the browser must not load). */
function teamForms() {
  const ZRole = z.enum(staffRoles, 'Choose a role');
  const ZInvite = z.object({
    email: z
      .string()
      .trim()
      .toLowerCase()
      .pipe(z.email('Enter their email address, for example name@firm.com')),
    role: ZRole,
  });
  return { ZRole, ZInvite };
}

type TIntent =
  | 'invite'
  | 'resend-invitation'
  | 'revoke-invitation'
  | 'change-role'
  | 'reset-mfa'
  | 'deactivate'
  | 'reactivate';

interface TTeamResult {
  intent: TIntent;
  notice: string | null;
  formError: string | null;
  fieldErrors: TFieldErrors;
  values: Record<string, string>;
}

const answer = (intent: TIntent, fields: Partial<TTeamResult> = {}): TTeamResult => ({
  intent,
  notice: null,
  formError: null,
  fieldErrors: {},
  values: {},
  ...fields,
});

/** Sends an invitation email; a failed send keeps the invitation (staff can press Resend). */
async function inviteAndEmail(
  em: EntityManager,
  staff: TStaff,
  actor: Parameters<typeof inviteStaffMember>[1],
  context: ActionFunctionArgs['context'],
  input: { email: string; role: TStaffRole },
): Promise<string> {
  const { invitation, token } = await inviteStaffMember(em, actor, { ...input, actorRole: staff.role });
  const firm = await em.findOneOrFail(Organization, { id: staff.organizationId });
  try {
    await sendStaffInvitationEmail({ invitation, token, firmName: firm.name, inviterName: staff.userName });
    return `Invitation sent to ${input.email}. The link works for 7 days.`;
  } catch (error) {
    logEmailFailure(context, 'staff invitation', error);
    return `The invitation for ${input.email} is saved, but the email could not be sent just now. Press Resend in a minute.`;
  }
}

export async function action(args: ActionFunctionArgs) {
  return staffRoute(args, 'users.manage', async ({ staff, em, actor }) => {
    const form = await args.request.formData();
    const intent = formText(form, 'intent') as TIntent;
    const manager: TManager = { userId: staff.userId, role: staff.role };
    const { ZRole, ZInvite } = teamForms();
    const id = z.uuid().safeParse(form.get('id'));

    try {
      switch (intent) {
        case 'invite': {
          const parsed = ZInvite.safeParse({ email: form.get('email') ?? '', role: form.get('role') ?? '' });
          const values = { email: formText(form, 'email'), role: formText(form, 'role') };
          if (!parsed.success) {
            return data(answer('invite', { fieldErrors: fieldErrorsOf(parsed.error), values }), {
              status: 400,
            });
          }
          const notice = await inviteAndEmail(em, staff, actor, args.context, parsed.data);
          return answer('invite', { notice });
        }
        case 'resend-invitation': {
          if (!id.success) notFound('This invitation');
          const invitation = await em.findOne(StaffInvitation, {
            id: id.data,
            acceptedAt: null,
            revokedAt: null,
          });
          if (!invitation) notFound('This invitation');
          const notice = await inviteAndEmail(em, staff, actor, args.context, {
            email: invitation.email,
            role: invitation.role,
          });
          return answer(intent, { notice });
        }
        case 'revoke-invitation': {
          if (!id.success) notFound('This invitation');
          await revokeStaffInvitation(em, actor, { invitationId: id.data });
          return answer(intent, { notice: 'The invitation was withdrawn: its link no longer works.' });
        }
        case 'change-role': {
          if (!id.success) notFound('This team member');
          const role = ZRole.safeParse(form.get('role'));
          if (!role.success) return data(answer(intent, { formError: 'Choose a role.' }), { status: 400 });
          await changeMemberRole(em, actor, { manager, membershipId: id.data, role: role.data });
          return answer(intent, {
            notice: `Role changed to ${roleLabels[role.data]}. It applies from their next page.`,
          });
        }
        case 'reset-mfa': {
          if (!id.success || staff.role !== 'owner') notFound('This team member');
          await resetMemberMfa(em, actor, { manager, membershipId: id.data });
          return answer(intent, {
            notice:
              'Two-step sign-in was reset and they were signed out everywhere. At their next sign-in they set up a new authenticator app.',
          });
        }
        case 'deactivate': {
          if (!id.success) notFound('This team member');
          await deactivateMember(em, actor, { manager, membershipId: id.data });
          return answer(intent, { notice: 'Access turned off. They were signed out everywhere.' });
        }
        case 'reactivate': {
          if (!id.success) notFound('This team member');
          await reactivateMember(em, actor, { manager, membershipId: id.data });
          return answer(intent, { notice: 'Access turned back on.' });
        }
        default:
          notFound('This action');
      }
    } catch (error) {
      if (isAppError(error) && (error.code === 'invalid_input' || error.code === 'conflict')) {
        const values: Record<string, string> =
          intent === 'invite' ? { email: formText(form, 'email'), role: formText(form, 'role') } : {};
        return data(answer(intent, { formError: error.userMessage, values }), { status: error.httpStatus });
      }
      throw error;
    }
  });
}

/** Members with their role and two-step status, invitations, and what an owner or admin may change. */
export default function Team() {
  const { viewer, members, invitations } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const navigation = useNavigation();
  const busy = navigation.state === 'submitting';
  const invite = result?.intent === 'invite' ? result : null;
  const pageNotice = result && result.intent !== 'invite' ? result : null;

  return (
    <>
      <PageHeader
        title="Team"
        description="Who works in this firm’s workspace, their role, and whether two-step sign-in is on."
      />
      <div className="settings-sections">
        {pageNotice?.notice ? <Notice tone="success">{pageNotice.notice}</Notice> : null}
        <FormError message={pageNotice?.formError} />

        <section className="card" aria-labelledby="members-title">
          <h2 id="members-title">Members</h2>
          <ul className="member-list">
            {members.map((member) => (
              <li key={member.membershipId}>
                <span className="member-who">
                  <strong>
                    {member.name}
                    {member.self ? ' (you)' : ''}
                  </strong>
                  <span className="member-meta">
                    {member.email} ·{' '}
                    {member.lastSignIn ? `last signed in ${member.lastSignIn}` : 'never signed in'}
                  </span>
                  <span className="member-meta">
                    {roleLabels[member.role]} ·{' '}
                    {member.mfa ? (
                      <StatusBadge status="completed" label="Two-step on" />
                    ) : (
                      <StatusBadge status="open" label="Two-step not set up" />
                    )}{' '}
                    {member.active ? null : <StatusBadge status="inactive" label="Deactivated" />}
                  </span>
                </span>
                {member.manageable ? (
                  <span className="member-actions">
                    {member.active ? (
                      <Form method="post" className="inline-form">
                        <CsrfInput />
                        <input type="hidden" name="intent" value="change-role" />
                        <input type="hidden" name="id" value={member.membershipId} />
                        <label className="visually-hidden" htmlFor={`role-${member.membershipId}`}>
                          Role of {member.name}
                        </label>
                        <select id={`role-${member.membershipId}`} name="role" defaultValue={member.role}>
                          {viewer.grantable.map((role) => (
                            <option key={role} value={role}>
                              {roleLabels[role]}
                            </option>
                          ))}
                        </select>{' '}
                        <button
                          type="submit"
                          className="button button-secondary button-small"
                          disabled={busy}
                        >
                          Change role
                        </button>
                      </Form>
                    ) : null}
                    {viewer.isOwner && member.mfa ? (
                      <Form method="post" className="inline-form">
                        <CsrfInput />
                        <input type="hidden" name="intent" value="reset-mfa" />
                        <input type="hidden" name="id" value={member.membershipId} />
                        <button
                          type="submit"
                          className="button button-secondary button-small"
                          disabled={busy}
                        >
                          Reset two-step
                        </button>
                      </Form>
                    ) : null}
                    <Form method="post" className="inline-form">
                      <CsrfInput />
                      <input
                        type="hidden"
                        name="intent"
                        value={member.active ? 'deactivate' : 'reactivate'}
                      />
                      <input type="hidden" name="id" value={member.membershipId} />
                      <button
                        type="submit"
                        className={
                          member.active
                            ? 'button button-danger button-small'
                            : 'button button-secondary button-small'
                        }
                        disabled={busy}
                      >
                        {member.active ? 'Deactivate' : 'Reactivate'}
                      </button>
                    </Form>
                  </span>
                ) : null}
              </li>
            ))}
          </ul>
        </section>

        <section className="card" aria-labelledby="invite-title">
          <h2 id="invite-title">Invite a colleague</h2>
          <p className="muted small">
            They get an email with a link that works once, for 7 days. They choose a password and set up
            two-step sign-in.
          </p>
          {invite?.notice ? <Notice tone="success">{invite.notice}</Notice> : null}
          {/* A new form after each sent invitation, so the fields start empty again. */}
          <Form method="post" noValidate className="stack" key={invite?.notice ?? 'invite'}>
            <CsrfInput />
            <input type="hidden" name="intent" value="invite" />
            <FormError message={invite?.formError} />
            <div className="form-row">
              <TextField
                name="email"
                label="Email"
                type="email"
                inputMode="email"
                spellCheck={false}
                required
                defaultValue={invite?.notice ? '' : invite?.values.email}
                error={invite?.fieldErrors.email}
              />
              <div className={invite?.fieldErrors.role ? 'field field-invalid' : 'field'}>
                <label htmlFor="field-role">Role</label>
                <select id="field-role" name="role" defaultValue={invite?.values.role || 'preparer'}>
                  {viewer.grantable.map((role) => (
                    <option key={role} value={role}>
                      {roleLabels[role]}
                    </option>
                  ))}
                </select>
                {invite?.fieldErrors.role ? <p className="field-error">{invite.fieldErrors.role}</p> : null}
              </div>
              <div>
                <button type="submit" className="button button-primary" disabled={busy}>
                  Send invitation
                </button>
              </div>
            </div>
          </Form>
          {invitations.length > 0 ? (
            <>
              <h3 className="subsection-title">Pending invitations</h3>
              <ul className="member-list">
                {invitations.map((invitation) => (
                  <li key={invitation.id}>
                    <span className="member-who">
                      <strong>{invitation.email}</strong>
                      <span className="member-meta">
                        {roleLabels[invitation.role]} · sent {invitation.sent} ·{' '}
                        {invitation.expired ? 'expired' : `expires ${invitation.expires}`}
                      </span>
                    </span>
                    <span className="member-actions">
                      <Form method="post" className="inline-form">
                        <CsrfInput />
                        <input type="hidden" name="intent" value="resend-invitation" />
                        <input type="hidden" name="id" value={invitation.id} />
                        <button
                          type="submit"
                          className="button button-secondary button-small"
                          disabled={busy}
                        >
                          Resend
                        </button>
                      </Form>
                      <Form method="post" className="inline-form">
                        <CsrfInput />
                        <input type="hidden" name="intent" value="revoke-invitation" />
                        <input type="hidden" name="id" value={invitation.id} />
                        <button type="submit" className="button button-danger button-small" disabled={busy}>
                          Withdraw
                        </button>
                      </Form>
                    </span>
                  </li>
                ))}
              </ul>
            </>
          ) : null}
        </section>
      </div>
    </>
  );
}

export function ErrorBoundary() {
  return <PageErrorBoundary homeHref="/app" />;
}
