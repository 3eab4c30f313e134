/**
 * Every email the platform sends, as data: a discriminated union on `template`. Every template also
 * takes an optional `timeZone` (IANA name, e.g. the firm's `America/New_York`) for the dates it shows;
 * without one they are shown in UTC. `sendEmailOnce` fills it from the firm's settings.
 */
interface TEmailTemplateFields {
  staff_invitation: {
    firmName: string;
    inviterName: string;
    role: string;
    acceptUrl: string;
    expiresAt: Date;
  };
  password_reset: { resetUrl: string; expiresAt: Date };
  security_notice: { firmName: string; headline: string; detail: string; occurredAt: Date };
  portal_invitation: { firmName: string; contactName: string; inviteUrl: string; expiresAt: Date };
  portal_sign_in_code: { firmName: string; code: string; expiresAt: Date };
  document_request: {
    firmName: string;
    contactName: string;
    engagementTitle: string;
    items: string[];
    portalUrl: string;
    dueDate?: Date;
  };
  document_reminder: {
    firmName: string;
    contactName: string;
    engagementTitle: string;
    items: string[];
    portalUrl: string;
    reminderNumber: number;
    dueDate?: Date;
  };
  review_ready: { firmName: string; recipientName: string; engagementTitle: string; reviewUrl: string };
  approval_request: {
    firmName: string;
    contactName: string;
    engagementTitle: string;
    summary: string;
    approveUrl: string;
  };
  invoice: {
    firmName: string;
    contactName: string;
    invoiceNumber: string;
    amountCents: number;
    currency: string;
    dueDate?: Date;
    payUrl: string;
  };
  /** The monthly close asks the client what uncategorized bank-feed transactions were. */
  close_questions: {
    firmName: string;
    contactName: string;
    /** "October 2026" */
    periodLabel: string;
    /** Questions still waiting for the client's answer (at least 1). */
    questionCount: number;
    questionsUrl: string;
    /** 1 for the first reminder; absent for the first email about these questions. */
    reminderNumber?: number;
  };
  close_report: {
    firmName: string;
    contactName: string;
    periodLabel: string;
    reportUrl: string;
    highlights: string[];
  };
  /** An engagement was cancelled: the client need not send anything more (the withdrawn requests listed). */
  engagement_cancelled: {
    firmName: string;
    contactName: string;
    engagementTitle: string;
    withdrawnItems: string[];
    portalUrl: string;
  };
  onboarding_invitation: { firmName: string; contactName: string; portalUrl: string; expiresAt: Date };
  onboarding_reminder: {
    firmName: string;
    contactName: string;
    portalUrl: string;
    expiresAt: Date;
    reminderNumber: number;
  };
}

export type TEmailTemplateName = keyof TEmailTemplateFields;

/** One template kind with its fields. */
export type TEmailTemplateOf<K extends TEmailTemplateName> = {
  template: K;
  timeZone?: string;
} & TEmailTemplateFields[K];

export type TEmailTemplate = { [K in TEmailTemplateName]: TEmailTemplateOf<K> }[TEmailTemplateName];
