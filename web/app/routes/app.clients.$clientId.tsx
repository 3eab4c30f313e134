import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { getClientDetail } from '../clients/client-queries.server';
import { isUuid } from '../../../lib/ids';
import { notFound, staffRoute } from '../http/route.server';
import { EmptyState, EngagementItem, PageHeader, StatusBadge } from '../ui/components';
import { dateFormat } from '../ui/dates.server';
import { PageErrorBoundary } from '../ui/error-panel';

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `${data.client.displayName} · CPA Platform` : 'Client · CPA Platform' },
];

export async function loader(args: LoaderFunctionArgs) {
  return staffRoute(args, 'clients.view', async ({ staff, em, visibility }) => {
    const clientId = args.params.clientId;
    if (!isUuid(clientId)) notFound('This client');
    const client = await getClientDetail(em, {
      organizationId: staff.organizationId,
      visibility,
      clientId,
      format: dateFormat(staff.timeZone),
    });
    if (!client) notFound('This client');
    return { client };
  });
}

const kindLabels = { individual: 'Individual', business: 'Business' } as const;
const contactLabels = { email: 'Email', phone: 'Phone' } as const;

export default function ClientDetail() {
  const { client } = useLoaderData<typeof loader>();
  const { profile } = client;
  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/app/clients">Clients</Link> <span aria-hidden="true">/</span>{' '}
        <span>{client.displayName}</span>
      </nav>
      <PageHeader
        title={client.displayName}
        description={
          <>
            {kindLabels[client.kind]} · <StatusBadge status={client.status} /> · created {client.created}
          </>
        }
      />
      <div className="columns">
        <section className="card" aria-labelledby="profile-title">
          <h2 id="profile-title">Profile</h2>
          {profile ? (
            <>
              <dl className="details">
                <dt>Legal name</dt>
                <dd>{profile.legalName}</dd>
                {profile.preferredName ? (
                  <>
                    <dt>Preferred name</dt>
                    <dd>{profile.preferredName}</dd>
                  </>
                ) : null}
                <dt>Phone</dt>
                <dd>{profile.phone}</dd>
                <dt>Address</dt>
                <dd>
                  {profile.addressLine1}
                  {profile.addressLine2 ? (
                    <>
                      <br />
                      {profile.addressLine2}
                    </>
                  ) : null}
                  <br />
                  {profile.city}, {profile.state} {profile.postalCode}
                </dd>
                <dt>Preferred contact</dt>
                <dd>{contactLabels[profile.preferredContact]}</dd>
              </dl>
              <p className="small muted">Submitted in the portal {client.profileSubmitted}.</p>
            </>
          ) : (
            <EmptyState title="Not submitted yet">
              The client fills in their profile in the portal during onboarding.
            </EmptyState>
          )}
        </section>
        <section className="card" aria-labelledby="contacts-title">
          <h2 id="contacts-title">Contacts</h2>
          {client.contacts.length === 0 ? (
            <EmptyState title="No contacts" />
          ) : (
            <ul className="item-list">
              {client.contacts.map((contact) => (
                <li key={contact.id} className="item">
                  <div className="item-main">
                    <span className="item-title">{contact.name}</span>
                    <a className="item-meta" href={`mailto:${contact.email}`}>
                      {contact.email}
                    </a>
                  </div>
                  <div className="item-side">
                    <StatusBadge
                      status={contact.portalAccess ? 'active' : 'inactive'}
                      label={contact.portalAccess ? 'Portal access' : 'No portal access'}
                    />
                  </div>
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>
      <section className="card" aria-labelledby="engagements-title">
        <h2 id="engagements-title">Engagements</h2>
        {client.engagements.length === 0 ? (
          <EmptyState title="No engagements" />
        ) : (
          <ul className="item-list">
            {client.engagements.map((engagement) => (
              <EngagementItem
                key={engagement.id}
                engagement={engagement}
                meta={`${engagement.type} · updated ${engagement.updated}`}
              />
            ))}
          </ul>
        )}
      </section>
    </>
  );
}

export function ErrorBoundary() {
  return <PageErrorBoundary homeHref="/app" />;
}
