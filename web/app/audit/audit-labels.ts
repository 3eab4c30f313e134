/**
 * Readable names for audit actions and target types. Actions are `<noun>.<verb in past tense>`; one
 * without an entry here reads as its words ("portal_link.issued" → "Portal link issued").
 */
const actionLabels: Record<string, string> = {
  'audit.exported': 'Audit log exported',
  'auth.mfa_enrolled': 'Two-step sign-in set up',
  'auth.mfa_failed': 'Wrong two-step sign-in code',
  'auth.mfa_reset': 'Two-step sign-in reset',
  'auth.password_changed': 'Password changed',
  'auth.password_reset': 'Password reset with an emailed link',
  'auth.password_reset_requested': 'Password reset requested',
  'auth.password_verified': 'Password accepted (second step next)',
  'auth.recovery_code_used': 'Recovery code used',
  'auth.recovery_codes_regenerated': 'Recovery codes replaced',
  'auth.session_revoked': 'Session signed out',
  'auth.sessions_revoked': 'Sessions signed out',
  'auth.sign_in': 'Signed in',
  'auth.sign_in_failed': 'Sign-in failed',
  'auth.throttled': 'Sign-in blocked (too many attempts)',
  'bookkeeping.started': 'Bookkeeping service started',
  'bookkeeping.stopped': 'Bookkeeping service stopped',
  'bookkeeping.updated': 'Bookkeeping service changed',
  'client.billing_customer_recorded': 'Client billing account linked',
  'client.created': 'Client created',
  'client.profile_recorded': 'Client profile received',
  'client.tax_id_set': 'Tax ID changed',
  'close.adjustment_recorded': 'Month-end adjustment recorded',
  'close.category_written_back': 'Transaction category written to the books',
  'close.difference_accepted': 'Reconciliation difference accepted',
  'close.questions_answered': 'Client answered close questions',
  'close.questions_recorded': 'Close questions asked',
  'close.questions_withdrawn': 'Close questions withdrawn',
  'close.reconciled': 'Bank statement reconciled',
  'close.report_recorded': 'Close report produced',
  'document.accepted': 'Document accepted',
  'document.downloaded': 'Document downloaded',
  'document.extraction_recorded': 'Document fields extracted',
  'document.recorded': 'Document uploaded',
  'document.rejected': 'Document rejected',
  'document.unreadable': 'Document could not be read',
  'document.viewed': 'Document viewed',
  'document_request.created': 'Document requested',
  'document_request.waived': 'Document request waived',
  'document_request.withdrawn': 'Document request withdrawn',
  'document_upload.rejected': 'Upload refused',
  'email.bounced': 'Email bounced',
  'engagement.assigned': 'Engagement assigned',
  'engagement.progressed': 'Engagement moved on',
  'engagement.started': 'Engagement started',
  'integration.connected': 'Integration connected',
  'integration.disconnected': 'Integration disconnected',
  'integration.reconnect_needed': 'Integration needs reconnecting',
  'integration.reconnected': 'Integration reconnected',
  'integration.tokens_refreshed': 'Integration access renewed',
  'invoice.created': 'Invoice created',
  'invoice.payment_recorded': 'Payment recorded',
  'invoice.sent': 'Invoice sent',
  'invoice.voided': 'Invoice voided',
  'organization.settings_changed': 'Firm settings changed',
  'portal.password_set': 'Portal password set',
  'portal.sign_in_code_sent': 'Portal sign-in code emailed',
  'portal.sign_in_failed': 'Portal sign-in failed',
  'portal.sign_in_method_chosen': 'Portal sign-in method chosen',
  'portal.signed_in': 'Signed in to the portal',
  'portal.throttled': 'Portal sign-in blocked (too many attempts)',
  'portal.totp_enrolled': 'Portal authenticator app added',
  'portal.totp_removed': 'Portal authenticator app removed',
  'portal_link.issued': 'Portal link sent',
  'portal_link.redeemed': 'Portal link opened',
  'staff.deactivated': 'Staff member deactivated',
  'staff.invitation_accepted': 'Staff invitation accepted',
  'staff.invitation_revoked': 'Staff invitation withdrawn',
  'staff.invited': 'Staff member invited',
  'staff.reactivated': 'Staff member reactivated',
  'staff.role_changed': 'Role changed',
  'task.assigned': 'Task assigned',
  'task.cancelled': 'Task cancelled',
  'task.completed': 'Task completed',
  'task.created': 'Task created',
  'tax_return.approval_requested': 'Client approval requested',
  'tax_return.approval_withdrawn': 'Client approval request withdrawn',
  'tax_return.changes_requested': 'Tax return sent back for changes',
  'tax_return.efile_authorized': 'E-file authorization signed',
  'tax_return.extension_recorded': 'Extension filed',
  'tax_return.filed': 'Tax return filed',
  'tax_return.payment_waived': 'Payment waived',
};

const targetTypeLabels: Record<string, string> = {
  audit_log: 'Audit log',
  client: 'Client',
  contact: 'Client contact',
  document: 'Document',
  document_request: 'Document request',
  email_message: 'Email',
  engagement: 'Engagement',
  integration_connection: 'Integration',
  invoice: 'Invoice',
  membership: 'Team membership',
  organization: 'Firm',
  session: 'Session',
  staff_invitation: 'Staff invitation',
  task: 'Task',
  user: 'Staff member',
};

function words(value: string): string {
  const text = value.replaceAll('_', ' ').trim();
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function auditActionLabel(action: string): string {
  const known = actionLabels[action];
  if (known) return known;
  const [noun = '', ...rest] = action.split('.');
  return words([noun, ...rest].join(' '));
}

export function auditTargetTypeLabel(targetType: string): string {
  return targetTypeLabels[targetType] ?? words(targetType);
}

/** Every action and target type with a label, for the filters (with whatever else the log holds). */
export const knownAuditActions = Object.keys(actionLabels);
export const knownAuditTargetTypes = Object.keys(targetTypeLabels);
