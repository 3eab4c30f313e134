/**
 * Readable names for audit actions and target types. Actions are `<noun>.<verb in past tense>`; one
 * without an entry here reads as its words ("portal_link.issued" → "Portal link issued").
 */
const actionLabels: Record<string, string> = {
  'audit.exported': 'Audit log exported',
  'auth.session_revoked': 'Session signed out',
  'auth.sessions_revoked': 'Sessions signed out',
  'client.created': 'Client created',
  'client.profile_recorded': 'Client profile received',
  'client.tax_id_set': 'Tax ID changed',
  'document.downloaded': 'Document downloaded',
  'document.extraction_recorded': 'Document fields extracted',
  'document.recorded': 'Document uploaded',
  'document.viewed': 'Document viewed',
  'email.bounced': 'Email bounced',
  'engagement.progressed': 'Engagement moved on',
  'engagement.started': 'Engagement started',
  'invoice.payment_recorded': 'Payment recorded',
  'invoice.viewed': 'Invoice viewed',
  'organization.settings_changed': 'Firm settings changed',
  'portal.password_set': 'Portal password set',
  'portal.sign_in_code_sent': 'Portal sign-in code emailed',
  'portal.sign_in_failed': 'Portal sign-in failed',
  'portal.sign_in_method_chosen': 'Portal sign-in method chosen',
  'portal.signed_in': 'Signed in to the portal',
  'portal.signed_out': 'Signed out of the portal',
  'portal.throttled': 'Portal sign-in blocked (too many attempts)',
  'portal.totp_enrolled': 'Portal authenticator app added',
  'portal.totp_removed': 'Portal authenticator app removed',
  'portal_link.issued': 'Portal link sent',
  'portal_link.redeemed': 'Portal link opened',
  'task.assigned': 'Task assigned',
  'task.completed': 'Task completed',
  'task.created': 'Task created',
};

const targetTypeLabels: Record<string, string> = {
  audit_log: 'Audit log',
  client: 'Client',
  contact: 'Client contact',
  document: 'Document',
  email_message: 'Email',
  engagement: 'Engagement',
  integration_connection: 'Integration',
  invoice: 'Invoice',
  membership: 'Team membership',
  organization: 'Firm',
  session: 'Session',
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
