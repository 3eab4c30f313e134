/** Emails about people's accounts: staff invitations, password resets, security notices, portal access. */
import { firstName, formatMoment } from './format';
import { checkedUrl, type TEmailContent } from './layout';
import type { TEmailTemplateOf } from './types';

const platformName = 'CPA Platform';

export function staffInvitation(t: TEmailTemplateOf<'staff_invitation'>): TEmailContent {
  const expires = formatMoment(t.expiresAt, t.timeZone, 'expiresAt');
  return {
    subject: `${t.inviterName} invited you to join ${t.firmName}`,
    sender: t.firmName,
    preview: `Join ${t.firmName} on ${platformName} as ${t.role}.`,
    greeting: 'Hello,',
    body: [
      {
        kind: 'paragraph',
        text: `${t.inviterName} has invited you to join ${t.firmName} on ${platformName} as ${t.role}.`,
      },
      {
        kind: 'paragraph',
        text: 'Accept the invitation to choose your password and set up two-step sign-in.',
      },
    ],
    action: { label: 'Accept invitation', url: checkedUrl(t.acceptUrl, 'acceptUrl') },
    footnotes: [
      `This invitation works until ${expires}. If you were not expecting it, you can ignore this email.`,
    ],
    signature: t.firmName,
  };
}

export function passwordReset(t: TEmailTemplateOf<'password_reset'>): TEmailContent {
  const expires = formatMoment(t.expiresAt, t.timeZone, 'expiresAt');
  return {
    subject: `Reset your ${platformName} password`,
    sender: platformName,
    preview: 'Choose a new password with the link inside.',
    greeting: 'Hello,',
    body: [
      {
        kind: 'paragraph',
        text: `We received a request to reset the password of your ${platformName} account. Use the button below to choose a new one.`,
      },
    ],
    action: { label: 'Choose a new password', url: checkedUrl(t.resetUrl, 'resetUrl') },
    footnotes: [
      `The link works once, until ${expires}.`,
      'If you did not ask for this, you can ignore this email: your password stays as it is.',
    ],
    signature: platformName,
  };
}

export function securityNotice(t: TEmailTemplateOf<'security_notice'>): TEmailContent {
  return {
    subject: `Security notice: ${t.headline}`,
    sender: t.firmName,
    preview: t.headline,
    greeting: 'Hello,',
    body: [
      { kind: 'paragraph', text: t.headline },
      { kind: 'paragraph', text: t.detail },
      {
        kind: 'details',
        rows: [{ label: 'When', value: formatMoment(t.occurredAt, t.timeZone, 'occurredAt') }],
      },
      {
        kind: 'paragraph',
        text: `If this was you, there is nothing else to do. If it was not, contact an administrator at ${t.firmName} right away.`,
      },
    ],
    signature: `${platformName} for ${t.firmName}`,
  };
}

export function portalInvitation(t: TEmailTemplateOf<'portal_invitation'>): TEmailContent {
  const expires = formatMoment(t.expiresAt, t.timeZone, 'expiresAt');
  return {
    subject: `${t.firmName} invites you to your client portal`,
    sender: t.firmName,
    preview: `Your secure client portal with ${t.firmName} is ready.`,
    greeting: `Hello ${firstName(t.contactName)},`,
    body: [
      {
        kind: 'paragraph',
        text: `${t.firmName} uses a secure client portal to share documents, questions and approvals with you. Open it with the button below.`,
      },
    ],
    action: { label: 'Open my client portal', url: checkedUrl(t.inviteUrl, 'inviteUrl') },
    footnotes: [
      `This link is personal and works until ${expires}. If you did not expect this email, you can ignore it.`,
    ],
    signature: t.firmName,
  };
}

export function portalSignInCode(t: TEmailTemplateOf<'portal_sign_in_code'>): TEmailContent {
  const expires = formatMoment(t.expiresAt, t.timeZone, 'expiresAt');
  return {
    // The code stays out of the subject: lock screens show subjects to anyone nearby.
    subject: `Your sign-in code for ${t.firmName}`,
    sender: t.firmName,
    preview: `Your code to sign in to the ${t.firmName} client portal.`,
    greeting: 'Hello,',
    body: [
      { kind: 'paragraph', text: `Use this code to sign in to your ${t.firmName} client portal.` },
      { kind: 'code', label: 'Your sign-in code', code: t.code },
    ],
    footnotes: [
      `The code works once, until ${expires}. ${t.firmName} will never ask you for it.`,
      'If you did not try to sign in, you can ignore this email.',
    ],
    signature: t.firmName,
  };
}

/** The client onboarding invitation: the portal link, asking for the client's profile. */
export function onboardingInvitation(t: TEmailTemplateOf<'onboarding_invitation'>): TEmailContent {
  const expires = formatMoment(t.expiresAt, t.timeZone, 'expiresAt');
  return {
    subject: `${t.firmName} invites you to your client portal`,
    sender: t.firmName,
    preview: `${t.firmName} has set up a secure client portal for you.`,
    greeting: `Hello ${firstName(t.contactName)},`,
    body: [
      {
        kind: 'paragraph',
        text: `${t.firmName} has set up a secure client portal for you. Please open it and tell us a few details about yourself so we can get started.`,
      },
    ],
    action: { label: 'Open my client portal', url: checkedUrl(t.portalUrl, 'portalUrl') },
    footnotes: [
      `This link is personal and works until ${expires}. If you did not expect this email, you can ignore it.`,
    ],
    signature: t.firmName,
  };
}

/** A reminder of the onboarding invitation, with a fresh portal link. */
export function onboardingReminder(t: TEmailTemplateOf<'onboarding_reminder'>): TEmailContent {
  const expires = formatMoment(t.expiresAt, t.timeZone, 'expiresAt');
  return {
    subject: `Reminder: ${t.firmName} is waiting for your details`,
    sender: t.firmName,
    preview: 'It takes about two minutes.',
    greeting: `Hello ${firstName(t.contactName)},`,
    body: [
      {
        kind: 'paragraph',
        text: `We still need a few details from you to finish setting up your account with ${t.firmName}. It takes about two minutes.`,
      },
    ],
    action: { label: 'Open my client portal', url: checkedUrl(t.portalUrl, 'portalUrl') },
    footnotes: [
      `This link is personal and works until ${expires}. If you did not expect this email, you can ignore it.`,
    ],
    signature: t.firmName,
  };
}
