import { data } from '@remix-run/node';
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { z } from 'zod';
import { can } from '../auth/permissions.server';
import { getClientDetail, type TContactPortalStatus } from '../clients/client-queries.server';
import { bookkeepingSummary } from '../close/bookkeeping.server';
import { canSeeClient } from '../engagements/engagement-scope.server';
import { isUuid } from '../../../lib/ids';
import { isAppError } from '../../../lib/errors';
import { notFound, staffRoute } from '../http/route.server';
import { sendPortalInvitation } from '../portal/portal-invitations.server';
import { EmptyState, EngagementItem, FormError, Notice, PageHeader, StatusBadge } from '../ui/components';
import { CsrfInput } from '../ui/csrf-input';
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
    // The bookkeeping page is for roles that run the monthly close service; others get no link to it.
    const bookkeeping = can(staff.role, 'engagements.assign')
      ? await bookkeepingSummary(em, { organizationId: staff.organizationId, clientId })
      : null;
    return { client, canInvite: can(staff.role, 'clients.invite'), bookkeeping };
  });
}

const ZInviteForm = z.object({ intent: z.literal('invite'), contactId: z.uuid() });

/** Sends a contact a new portal invitation (the earlier link stops working). */
export async function action(args: ActionFunctionArgs) {
  return staffRoute(args, 'clients.invite', async ({ staff, em, actor, visibility }) => {
    const clientId = args.params.clientId;
    if (!isUuid(clientId)) notFound('This client');
    if (!(await canSeeClient(em, { organizationId: staff.organizationId, visibility, clientId }))) {
      notFound('This client');
    }
    const parsed = ZInviteForm.safeParse(Object.fromEntries(await args.request.formData()));
    if (!parsed.success) {
      return data(
        { sent: null, error: 'Choose a contact to invite. Reload the page and try again.' },
        { status: 400 },
      );
    }
    try {
      const sent = await sendPortalInvitation(em, actor, {
        organizationId: staff.organizationId,
        clientId,
        contactId: parsed.data.contactId,
      });
      return {
        sent: `A new portal invitation is on its way to ${sent.contactName} (${sent.email}). Earlier links no longer work.`,
        error: null,
      };
    } catch (error) {
      if (!isAppError(error) || (error.code !== 'conflict' && error.code !== 'unavailable')) throw error;
      return data({ sent: null, error: error.userMessage }, { status: error.httpStatus });
    }
  });
}

function portalStatusText(status: TContactPortalStatus): string {
  const parts: string[] = [];
  if (status.signIn) {
    parts.push(
      status.signIn.method === 'password' ? 'Signs in with a password' : 'Signs in with emailed codes',
    );
    if (status.signIn.authenticatorApp) parts.push('authenticator app on');
    if (status.signIn.lastSignIn) parts.push(`last signed in ${status.signIn.lastSignIn}`);
  }
  if (status.invitation) {
    const { sent, state, until } = status.invitation;
    parts.push(
      state === 'waiting'
        ? `link sent ${sent}, works until ${until}`
        : state === 'used'
          ? `link sent ${sent}, opened`
          : state === 'expired'
            ? `link sent ${sent}, expired`
            : `link sent ${sent}, replaced`,
    );
  } else if (!status.signIn) {
    parts.push('Not invited yet');
  }
  return parts.join(' · ');
}

const kindLabels = { individual: 'Individual', business: 'Business' } as const;
const contactLabels = { email: 'Email', phone: 'Phone' } as const;

export default function ClientDetail() {
  const { client, canInvite, bookkeeping } = useLoaderData<typeof loader>();
  const outcome = useActionData<typeof action>();
  const navigation = useNavigation();
  const inviting = navigation.state !== 'idle' ? navigation.formData?.get('contactId') : null;
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
          {outcome?.sent ? <Notice tone="success">{outcome.sent}</Notice> : null}
          <FormError message={outcome?.error} />
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
                    {contact.portalAccess ? (
                      <span className="item-meta">{portalStatusText(contact.portal)}</span>
                    ) : null}
                  </div>
                  <div className="item-side">
                    <StatusBadge
                      status={contact.portalAccess ? 'active' : 'inactive'}
                      label={contact.portalAccess ? 'Portal access' : 'No portal access'}
                    />
                    {canInvite && contact.portalAccess ? (
                      <Form method="post">
                        <CsrfInput />
                        <input type="hidden" name="intent" value="invite" />
                        <input type="hidden" name="contactId" value={contact.id} />
                        <button
                          type="submit"
                          className="button button-secondary button-small"
                          disabled={inviting === contact.id}
                        >
                          {inviting === contact.id
                            ? 'Sending…'
                            : contact.portal.invitation
                              ? 'Send a new portal link'
                              : 'Send portal invitation'}
                          <span className="visually-hidden"> to {contact.name}</span>
                        </button>
                      </Form>
                    ) : null}
                  </div>
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>
      {bookkeeping ? (
        <section className="card" aria-labelledby="bookkeeping-title">
          <div className="card-header">
            <h2 id="bookkeeping-title">Bookkeeping</h2>
            <StatusBadge
              status={bookkeeping.state === 'active' ? 'active' : 'inactive'}
              label={
                bookkeeping.state === 'active'
                  ? 'Active'
                  : bookkeeping.state === 'stopped'
                    ? 'Stopped'
                    : 'Not set up'
              }
            />
          </div>
          <p>{bookkeeping.text}</p>
          <p>
            <Link to={`/app/clients/${client.id}/bookkeeping`} className="button button-secondary">
              {bookkeeping.state === 'none' ? 'Set up monthly bookkeeping' : 'Open bookkeeping'}
            </Link>
          </p>
        </section>
      ) : null}
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
