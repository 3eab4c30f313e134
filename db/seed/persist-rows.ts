import type { EntityManager } from '@mikro-orm/postgresql';
import { Invoice } from '../billing/invoice.entity';
import { Payment } from '../billing/payment.entity';
import { Client } from '../clients/client.entity';
import { Contact } from '../clients/contact.entity';
import { Document } from '../documents/document.entity';
import { DocumentRequest } from '../documents/document-request.entity';
import { EngagementEvent } from '../engagements/engagement-event.entity';
import { Engagement } from '../engagements/engagement.entity';
import { Organization } from '../organizations/organization.entity';
import { PortalLink } from '../portal/portal-link.entity';
import { Task } from '../tasks/task.entity';
import { Membership } from '../users/membership.entity';
import { User } from '../users/user.entity';
import type { TSeedRows } from './rows';

/**
 * Hands factory rows to the EntityManager (`em.create`), in reference order; the caller flushes.
 * For the demo seed and tests: the scale seed inserts the same rows with bulk SQL instead.
 */
export function persistSeedRows(em: EntityManager, rows: Partial<TSeedRows>): void {
  for (const row of rows.organizations ?? []) em.create(Organization, row);
  for (const row of rows.users ?? []) em.create(User, row);
  for (const row of rows.memberships ?? []) em.create(Membership, row);
  for (const row of rows.clients ?? []) em.create(Client, row);
  for (const row of rows.contacts ?? []) em.create(Contact, row);
  for (const row of rows.portalLinks ?? []) em.create(PortalLink, row);
  for (const row of rows.engagements ?? []) em.create(Engagement, row);
  for (const row of rows.engagementEvents ?? []) em.create(EngagementEvent, row);
  for (const row of rows.documentRequests ?? []) em.create(DocumentRequest, row);
  for (const row of rows.documents ?? []) em.create(Document, row);
  for (const row of rows.tasks ?? []) em.create(Task, row);
  for (const row of rows.invoices ?? []) em.create(Invoice, row);
  for (const row of rows.payments ?? []) em.create(Payment, row);
}
