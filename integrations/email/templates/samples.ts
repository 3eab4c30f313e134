/**
 * Sample data for every template, for the staff preview page and the template tests. The firm, base
 * URL and time zone are the viewer's, so the preview reads like the real thing.
 */
import type { TEmailTemplateName, TEmailTemplateOf } from './types';

export interface TSampleContext {
  firmName: string;
  /** The web app's base URL (links in samples point at example paths under it). */
  baseUrl: string;
  timeZone: string;
  now: Date;
}

const day = 86_400_000;

export function emailTemplateSamples(ctx: TSampleContext): {
  [K in TEmailTemplateName]: TEmailTemplateOf<K>;
} {
  const { firmName, timeZone } = ctx;
  const base = ctx.baseUrl.replace(/\/+$/, '');
  const at = (days: number) => new Date(ctx.now.getTime() + days * day);
  const link = (path: string) => `${base}${path}`;
  return {
    staff_invitation: {
      template: 'staff_invitation',
      timeZone,
      firmName,
      inviterName: 'Olivia Owner',
      role: 'preparer',
      acceptUrl: link('/invitations/sample-invitation-token'),
      expiresAt: at(7),
    },
    password_reset: {
      template: 'password_reset',
      timeZone,
      resetUrl: link('/reset-password/sample-reset-token'),
      expiresAt: at(1 / 24),
    },
    security_notice: {
      template: 'security_notice',
      timeZone,
      firmName,
      headline: 'Two-step sign-in was turned off for your account',
      detail: 'Your account now signs in with a password only until you set up two-step sign-in again.',
      occurredAt: at(0),
    },
    portal_invitation: {
      template: 'portal_invitation',
      timeZone,
      firmName,
      contactName: 'Ava Martinez',
      inviteUrl: link('/portal/invite/sample-portal-token'),
      expiresAt: at(14),
    },
    portal_sign_in_code: {
      template: 'portal_sign_in_code',
      timeZone,
      firmName,
      code: '482913',
      expiresAt: at(10 / 1440),
    },
    document_request: {
      template: 'document_request',
      timeZone,
      firmName,
      contactName: 'Ava Martinez',
      engagementTitle: '2026 individual tax return',
      items: ['W-2 from each employer', '1099-INT from your bank', 'Mortgage interest statement (1098)'],
      portalUrl: link('/portal'),
      dueDate: at(21),
    },
    document_reminder: {
      template: 'document_reminder',
      timeZone,
      firmName,
      contactName: 'Ava Martinez',
      engagementTitle: '2026 individual tax return',
      items: ['1099-INT from your bank'],
      portalUrl: link('/portal'),
      reminderNumber: 2,
      dueDate: at(7),
    },
    review_ready: {
      template: 'review_ready',
      timeZone,
      firmName,
      recipientName: 'Rita Reviewer',
      engagementTitle: '2026 individual tax return: Ava Martinez',
      reviewUrl: link('/app/engagements/00000000-0000-4000-8000-000000000000'),
    },
    approval_request: {
      template: 'approval_request',
      timeZone,
      firmName,
      contactName: 'Ava Martinez',
      engagementTitle: '2026 individual tax return',
      summary: 'Your federal return shows a refund of $1,240. Your state return shows $85 due.',
      approveUrl: link('/portal'),
    },
    invoice: {
      template: 'invoice',
      timeZone,
      firmName,
      contactName: 'Ava Martinez',
      invoiceNumber: 'INV-2026-0042',
      amountCents: 65_000,
      currency: 'USD',
      dueDate: at(30),
      payUrl: link('/portal'),
    },
    close_questions: {
      template: 'close_questions',
      timeZone,
      firmName,
      contactName: 'Marcus Lee',
      periodLabel: 'October 2026',
      questionCount: 3,
      questionsUrl: link('/portal/close/00000000-0000-4000-8000-000000000000/questions'),
    },
    close_report: {
      template: 'close_report',
      timeZone,
      firmName,
      contactName: 'Marcus Lee',
      periodLabel: 'October 2026',
      reportUrl: link('/portal'),
      highlights: [
        'Revenue $84,210, up 6% on September',
        'All bank and card accounts reconciled',
        'Three uncategorized transactions answered by you',
      ],
    },
    engagement_cancelled: {
      template: 'engagement_cancelled',
      timeZone,
      firmName,
      contactName: 'Ava Martinez',
      engagementTitle: '2026 individual tax return',
      withdrawnItems: ['Form 1099-INT for 2026 (bank interest)', "Driver's license or passport"],
      portalUrl: link('/portal'),
    },
    onboarding_invitation: {
      template: 'onboarding_invitation',
      timeZone,
      firmName,
      contactName: 'Ava Martinez',
      portalUrl: link('/portal/invite/sample-portal-token'),
      expiresAt: at(14),
    },
    onboarding_reminder: {
      template: 'onboarding_reminder',
      timeZone,
      firmName,
      contactName: 'Ava Martinez',
      portalUrl: link('/portal/invite/sample-portal-token'),
      expiresAt: at(14),
      reminderNumber: 1,
    },
  };
}
