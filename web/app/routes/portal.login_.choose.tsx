import { data } from '@remix-run/node';
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { RedirectError } from '../http/redirect.server';
import { publicRoute } from '../http/route.server';
import { PortalErrorBoundary } from '../portal/portal-error';
import { accountChoices, chooseAccount } from '../portal/portal-sign-in.server';
import { FormError } from '../ui/components';
import { CsrfInput } from '../ui/csrf-input';

export const meta: MetaFunction = () => [
  { title: 'Choose an account · Client portal' },
  { name: 'robots', content: 'noindex' },
];

/**
 * After a password or emailed code that opens more than one portal account (the same email for a
 * person and their business, or at two firms): which one now. Only the accounts just proved are listed.
 */
export async function loader(args: LoaderFunctionArgs) {
  return publicRoute(args, async () => {
    const accounts = await accountChoices(args.request);
    if (!accounts) throw new RedirectError('/portal/login');
    return {
      accounts: accounts.map((account) => ({
        contactId: account.contactId,
        clientName: account.clientName,
        firmName: account.firmName,
      })),
    };
  });
}

export async function action(args: ActionFunctionArgs) {
  return publicRoute(args, async () => {
    const outcome = await chooseAccount(args.request, args.context, await args.request.formData());
    return data({ formError: outcome.formError }, { status: outcome.status });
  });
}

export default function ChooseAccount() {
  const { accounts } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state !== 'idle';
  return (
    <section className="portal-card" aria-labelledby="choose-title">
      <h1 id="choose-title">Which account?</h1>
      <p className="muted">
        Your email address opens more than one client portal. Choose one; you can sign in again for the other.
      </p>
      <FormError message={result?.formError} />
      <ul className="portal-choices">
        {accounts.map((account) => (
          <li key={account.contactId}>
            <Form method="post">
              <CsrfInput />
              <input type="hidden" name="contactId" value={account.contactId} />
              <button
                type="submit"
                className="button button-secondary button-block button-large"
                disabled={busy}
              >
                {account.clientName}
                <span className="portal-choice-firm"> with {account.firmName}</span>
              </button>
            </Form>
          </li>
        ))}
      </ul>
    </section>
  );
}

export function ErrorBoundary() {
  return <PortalErrorBoundary />;
}
