import { Organization } from './organizations/organization.entity';
import { User } from './users/user.entity';
import { Membership } from './users/membership.entity';
import { Client } from './clients/client.entity';
import { Contact } from './clients/contact.entity';
import { PortalLink } from './portal/portal-link.entity';
import { Engagement } from './engagements/engagement.entity';
import { EngagementEvent } from './engagements/engagement-event.entity';
import { Task } from './tasks/task.entity';
import { EmailMessage } from './email/email-message.entity';

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
  EmailMessage,
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
  EmailMessage,
};
