/**
 * The platform's email templates. `renderEmail(t)` gives the subject, a plain-text body and an
 * accessible single-column HTML body; every interpolated value is escaped in the HTML, and every link
 * must be an absolute http(s) URL (anything else throws: it is a bug in the caller).
 */
import {
  onboardingInvitation,
  onboardingReminder,
  passwordReset,
  portalInvitation,
  portalSignInCode,
  securityNotice,
  staffInvitation,
} from './account';
import {
  approvalRequest,
  closeQuestions,
  closeReport,
  documentReminder,
  documentRequest,
  engagementCancelled,
  invoice,
  reviewReady,
} from './engagement';
import { renderContent, type TEmailContent, type TRenderedEmail } from './layout';
import type { TEmailTemplate, TEmailTemplateName, TEmailTemplateOf } from './types';

export type { TEmailTemplate, TEmailTemplateName, TEmailTemplateOf } from './types';
export type { TRenderedEmail } from './layout';

const templates: { [K in TEmailTemplateName]: (t: TEmailTemplateOf<K>) => TEmailContent } = {
  staff_invitation: staffInvitation,
  password_reset: passwordReset,
  security_notice: securityNotice,
  portal_invitation: portalInvitation,
  portal_sign_in_code: portalSignInCode,
  document_request: documentRequest,
  document_reminder: documentReminder,
  review_ready: reviewReady,
  approval_request: approvalRequest,
  invoice,
  close_questions: closeQuestions,
  close_report: closeReport,
  engagement_cancelled: engagementCancelled,
  onboarding_invitation: onboardingInvitation,
  onboarding_reminder: onboardingReminder,
};

/** Every template name, in the order staff see them in the preview. */
export const emailTemplateNames = Object.keys(templates) as TEmailTemplateName[];

export function isEmailTemplateName(value: string): value is TEmailTemplateName {
  return Object.hasOwn(templates, value);
}

export function renderEmail(t: TEmailTemplate): { subject: string; text: string; html: string } {
  const render = templates[t.template] as (t: TEmailTemplate) => TEmailContent;
  const rendered: TRenderedEmail = renderContent(render(t));
  return rendered;
}
