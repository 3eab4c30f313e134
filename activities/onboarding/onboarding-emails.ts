/** The onboarding emails, as plain text and simple, accessible HTML. */
export interface TOnboardingEmailInput {
  kind: 'invitation' | 'reminder';
  firmName: string;
  contactName: string;
  portalUrl: string;
  expiresAt: Date;
}

export function onboardingEmailSubject(kind: TOnboardingEmailInput['kind'], firmName: string): string {
  return kind === 'invitation'
    ? `${firmName} invites you to your client portal`
    : `Reminder: ${firmName} is waiting for your details`;
}

export function renderOnboardingEmail(input: TOnboardingEmailInput): {
  subject: string;
  text: string;
  html: string;
} {
  const firstName = input.contactName.split(/\s+/)[0] ?? input.contactName;
  const expires = input.expiresAt.toLocaleDateString('en-US', {
    month: 'long',
    day: 'numeric',
    year: 'numeric',
  });
  const subject = onboardingEmailSubject(input.kind, input.firmName);
  const lead =
    input.kind === 'invitation'
      ? `${input.firmName} has set up a secure client portal for you. Please open it and tell us a few details about yourself so we can get started.`
      : `We still need a few details from you to finish setting up your account with ${input.firmName}. It takes about two minutes.`;
  const text = [
    `Hello ${firstName},`,
    '',
    lead,
    '',
    `Open your portal: ${input.portalUrl}`,
    '',
    `This link is personal and works until ${expires}. If you did not expect this email, you can ignore it.`,
    '',
    input.firmName,
  ].join('\n');
  const html = `<!doctype html><html><body style="font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#1f2937;line-height:1.5;max-width:560px;margin:0 auto;padding:24px">
<p>Hello ${escapeHtml(firstName)},</p>
<p>${escapeHtml(lead)}</p>
<p style="margin:28px 0"><a href="${escapeHtml(input.portalUrl)}" style="background:#1d4ed8;color:#fff;padding:12px 20px;border-radius:6px;text-decoration:none;font-weight:600;display:inline-block">Open my client portal</a></p>
<p style="font-size:14px;color:#4b5563">This link is personal and works until ${escapeHtml(expires)}. If you did not expect this email, you can ignore it.</p>
<p>${escapeHtml(input.firmName)}</p>
</body></html>`;
  return { subject, text, html };
}

function escapeHtml(value: string): string {
  return value
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}
