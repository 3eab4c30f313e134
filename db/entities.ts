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
import { Invoice } from './billing/invoice.entity';
import { Payment } from './billing/payment.entity';
import { IntegrationConnection } from './integrations/integration-connection.entity';
import { WebhookEvent } from './webhooks/webhook-event.entity';
import { EmailMessage } from './email/email-message.entity';
import { AuditEvent } from './audit/audit-event.entity';
import { PortalCredential } from './portal/portal-credential.entity';
import { PortalSignInCode } from './portal/portal-sign-in-code.entity';

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
  Invoice,
  Payment,
  IntegrationConnection,
  WebhookEvent,
  EmailMessage,
  AuditEvent,
  PortalCredential,
  PortalSignInCode,
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
  Invoice,
  Payment,
  IntegrationConnection,
  WebhookEvent,
  EmailMessage,
  AuditEvent,
  PortalCredential,
  PortalSignInCode,
};
