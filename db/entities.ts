import { Organization } from './organizations/organization.entity';
import { User } from './users/user.entity';
import { Membership } from './users/membership.entity';
import { Client } from './clients/client.entity';
import { Contact } from './clients/contact.entity';
import { PortalLink } from './portal/portal-link.entity';
import { Engagement } from './engagements/engagement.entity';
import { EngagementEvent } from './engagements/engagement-event.entity';
import { Task } from './tasks/task.entity';
import { DocumentRequest } from './documents/document-request.entity';
import { Document } from './documents/document.entity';
import { DocumentUpload } from './documents/document-upload.entity';
import { Invoice } from './billing/invoice.entity';
import { Payment } from './billing/payment.entity';
import { IntegrationConnection } from './integrations/integration-connection.entity';
import { WebhookEvent } from './webhooks/webhook-event.entity';
import { EmailMessage } from './email/email-message.entity';
import { AuditEvent } from './audit/audit-event.entity';
import { AuthSession } from './auth/auth-session.entity';
import { TotpFactor } from './auth/totp-factor.entity';
import { RecoveryCode } from './auth/recovery-code.entity';
import { PasswordResetToken } from './auth/password-reset-token.entity';
import { StaffInvitation } from './auth/staff-invitation.entity';
import { PortalCredential } from './portal/portal-credential.entity';
import { PortalSignInCode } from './portal/portal-sign-in-code.entity';
import { TaxReturnApproval } from './tax-return/tax-return-approval.entity';
import { CloseQuestion } from './close/close-question.entity';
import { CloseReconciliation } from './close/close-reconciliation.entity';
import { CloseAdjustment } from './close/close-adjustment.entity';
import { BookkeepingService } from './close/bookkeeping-service.entity';

export const entities = [
  Organization,
  User,
  Membership,
  Client,
  Contact,
  PortalLink,
  Engagement,
  EngagementEvent,
  Task,
  DocumentRequest,
  Document,
  DocumentUpload,
  Invoice,
  Payment,
  IntegrationConnection,
  WebhookEvent,
  EmailMessage,
  AuditEvent,
  AuthSession,
  TotpFactor,
  RecoveryCode,
  PasswordResetToken,
  StaffInvitation,
  PortalCredential,
  PortalSignInCode,
  TaxReturnApproval,
  CloseQuestion,
  CloseReconciliation,
  CloseAdjustment,
  BookkeepingService,
];

export {
  Organization,
  User,
  Membership,
  Client,
  Contact,
  PortalLink,
  Engagement,
  EngagementEvent,
  Task,
  DocumentRequest,
  Document,
  DocumentUpload,
  Invoice,
  Payment,
  IntegrationConnection,
  WebhookEvent,
  EmailMessage,
  AuditEvent,
  AuthSession,
  TotpFactor,
  RecoveryCode,
  PasswordResetToken,
  StaffInvitation,
  PortalCredential,
  PortalSignInCode,
  TaxReturnApproval,
  CloseQuestion,
  CloseReconciliation,
  CloseAdjustment,
  BookkeepingService,
};
