/**
 * Where Intuit sends the person back after "Connect to QuickBooks" (the redirect URI registered with
 * the Intuit app: <PUBLIC_URL>/oauth/quickbooks/callback). The `state` must be one this app issued
 * in the last ten minutes, unused, to the same signed-in staff session or portal contact that is
 * here now; then the code is exchanged for tokens, which are stored encrypted with the connection.
 * The person lands back where they started, with the outcome shown there.
 */
import type { LoaderFunctionArgs } from '@remix-run/node';
import { isAppError } from '../../../lib/errors';
import { connectLedgerCompany } from '../../../db/integrations/connect-ledger-company';
import { forTenant } from '../../../db/tenancy/tenant-context';
import { isLedgerError } from '../../../integrations/ledger/ledger-errors';
import type { TLedgerGrant } from '../../../integrations/ledger/ledger';
import { requireStaff } from '../auth/guards.server';
import { handleRouteErrors, requestActor } from '../http/route.server';
import { RedirectError } from '../http/redirect.server';
import {
  requireLedger,
  takeQuickbooksConnectState,
  withOutcome,
  type TConnectOutcome,
  type TConnectState,
} from '../ledger/quickbooks-connect.server';
import { optionalPortalUser } from '../portal/portal-session.server';
import { orm } from '../services.server';

/** Where to go when the state is unknown: the page of whoever is signed in, else the staff page. */
const staffPage = '/app/settings/integrations';
const portalPage = '/portal/connect/quickbooks';

function back(path: string, outcome: TConnectOutcome): never {
  throw new RedirectError(withOutcome(path, outcome));
}

/** The company's name for staff to recognise it; the connection works without it. */
async function companyName(grant: TLedgerGrant): Promise<string | null> {
  const tokens = {
    accessToken: () => Promise.resolve(grant.accessToken),
    renewAfterRejection: () => Promise.reject(new Error('a fresh grant was refused')),
    rejectConnection: (reason: string) => Promise.reject(new Error(reason)),
  };
  try {
    return (await requireLedger().company(grant.realmId, tokens).companyInfo()).CompanyName;
  } catch (error) {
    console.warn(
      `QuickBooks connect: the company name could not be read: ${error instanceof Error ? error.message : String(error)}`,
    );
    return null;
  }
}

/** Whether the person here now is the one the state was issued to (same session or contact). */
async function sameInitiator(request: Request, state: TConnectState): Promise<boolean> {
  if (state.initiator.type === 'user') {
    const staff = await requireStaff(request);
    return (
      staff.userId === state.initiator.userId &&
      staff.sessionId === state.initiator.sessionId &&
      staff.organizationId === state.organizationId
    );
  }
  const portal = await optionalPortalUser(request);
  return (
    portal !== null &&
    portal.contactId === state.initiator.contactId &&
    portal.clientId === state.clientId &&
    portal.organizationId === state.organizationId
  );
}

export async function loader({ request, context }: LoaderFunctionArgs) {
  return handleRouteErrors(context, async () => {
    const url = new URL(request.url);
    const state = await takeQuickbooksConnectState(url.searchParams.get('state') ?? '');
    if (!state) return back((await optionalPortalUser(request)) ? portalPage : staffPage, 'expired');
    if (!(await sameInitiator(request, state))) {
      return back(state.initiator.type === 'user' ? staffPage : portalPage, 'wrong_session');
    }
    const error = url.searchParams.get('error');
    if (error) return back(state.returnTo, error === 'access_denied' ? 'cancelled' : 'refused');
    if (!url.searchParams.get('code') || !url.searchParams.get('realmId'))
      return back(state.returnTo, 'refused');

    let grant: TLedgerGrant;
    try {
      grant = await requireLedger().exchangeCode(url.toString());
    } catch (failure) {
      if (isLedgerError(failure) && !failure.retryable && failure.kind !== 'forbidden') {
        return back(state.returnTo, 'refused');
      }
      console.warn(
        `QuickBooks connect: the code exchange failed: ${failure instanceof Error ? failure.message : String(failure)}`,
      );
      return back(state.returnTo, 'unavailable');
    }

    const actor = requestActor(
      state.initiator.type === 'user'
        ? { type: 'user', id: state.initiator.userId }
        : { type: 'contact', id: state.initiator.contactId },
      request,
      context,
    );
    try {
      await connectLedgerCompany(forTenant(await orm(), state.organizationId), {
        organizationId: state.organizationId,
        clientId: state.clientId,
        provider: 'quickbooks',
        realmId: grant.realmId,
        companyName: await companyName(grant),
        tokens: grant,
        actor,
      });
    } catch (failure) {
      // The new grant is of no use: take it back at Intuit rather than leave working tokens behind.
      await requireLedger()
        .revokeToken(grant.refreshToken)
        .catch((revokeFailure: unknown) =>
          console.warn(`QuickBooks connect: revoking an unused grant failed: ${String(revokeFailure)}`),
        );
      if (isAppError(failure, 'ledger_company_taken')) return back(state.returnTo, 'company_taken');
      if (isAppError(failure, 'ledger_client_already_connected'))
        return back(state.returnTo, 'client_connected');
      throw failure;
    }
    return back(state.returnTo, 'connected');
  });
}
