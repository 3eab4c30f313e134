import { Client } from '../../../db/clients/client.entity';
import { Engagement } from '../../../db/engagements/engagement.entity';
import type { EntityManager } from '../../../db/types';
import { isAppError } from '../../../lib/errors';
import { ZClientProfile, usStateCodes } from '../../../workflows/onboarding/client-onboarding.contracts';
import type { TPortalUser } from './portal-session.server';
import { fieldErrorsOf, formValues, type TFieldErrors } from '../forms/validation.server';
import { readOnboardingState, sendProfileToOnboarding } from '../onboarding/onboarding-workflow.server';
import type { TDateFormat } from '../ui/dates.server';

export const profileFields = [
  'legalName',
  'preferredName',
  'phone',
  'addressLine1',
  'addressLine2',
  'city',
  'state',
  'postalCode',
  'preferredContact',
] as const;

/** What the portal home asks of the contact right now. */
export type TPortalAsk =
  | { kind: 'profile_form'; states: readonly string[] }
  | { kind: 'thank_you'; justSubmitted: boolean; submittedAt: string | null }
  | { kind: 'nothing_to_do' }
  | { kind: 'not_running' }
  | { kind: 'unavailable' };

/** Stages in which the onboarding workflow is (or is about to be) waiting for the profile. */
const profileStages = new Set(['creating_client', 'inviting', 'awaiting_profile']);

function activeOnboarding(em: EntityManager, portal: TPortalUser) {
  return em.findOne(
    Engagement,
    {
      client: portal.clientId,
      organization: portal.organizationId,
      type: 'client_onboarding',
      status: 'active',
    },
    { orderBy: { createdAt: 'desc' } },
  );
}

/** Decides what the portal home shows: the profile form, a thank-you, or a polite explanation. */
export async function portalAsk(
  em: EntityManager,
  input: { portal: TPortalUser; justSubmitted: boolean; format: TDateFormat },
): Promise<TPortalAsk> {
  const { portal } = input;
  const client = await em.findOne(Client, { id: portal.clientId, organization: portal.organizationId });
  if (client?.profileSubmittedAt) {
    return {
      kind: 'thank_you',
      justSubmitted: input.justSubmitted,
      submittedAt: input.format.dateTime(client.profileSubmittedAt),
    };
  }
  if (input.justSubmitted) return { kind: 'thank_you', justSubmitted: true, submittedAt: null };

  const engagement = await activeOnboarding(em, portal);
  if (!engagement) return { kind: 'nothing_to_do' };

  const live = await readOnboardingState(portal.clientId, portal.organizationId);
  switch (live.kind) {
    case 'running': {
      if (live.status?.profileSubmittedAt) {
        return {
          kind: 'thank_you',
          justSubmitted: false,
          submittedAt: input.format.dateTime(new Date(live.status.profileSubmittedAt)),
        };
      }
      const stage = live.status?.stage ?? engagement.stage;
      return profileStages.has(stage)
        ? { kind: 'profile_form', states: usStateCodes }
        : { kind: 'nothing_to_do' };
    }
    case 'closed':
    case 'not_found':
      return { kind: 'not_running' };
    case 'unavailable':
      return { kind: 'unavailable' };
  }
}

export type TProfileOutcome =
  | { ok: true }
  | {
      ok: false;
      status: 400 | 409 | 503;
      fieldErrors: TFieldErrors;
      formError: string | null;
      values: Record<string, string>;
    };

/**
 * Validates the profile form and hands it to the onboarding workflow as a signal. The workflow's
 * activity stores it; nothing is written here, so a rejected form changes nothing.
 */
export async function submitProfile(
  portal: TPortalUser,
  form: FormData,
  now = new Date(),
): Promise<TProfileOutcome> {
  const values = formValues(form, profileFields);
  const parsed = ZClientProfile.safeParse(values);
  if (!parsed.success) {
    return { ok: false, status: 400, fieldErrors: fieldErrorsOf(parsed.error), formError: null, values };
  }
  try {
    const result = await sendProfileToOnboarding(portal.clientId, {
      contactId: portal.contactId,
      profile: parsed.data,
      submittedAt: now.toISOString(),
    });
    if (result === 'not_running') {
      return {
        ok: false,
        status: 409,
        fieldErrors: {},
        formError: `${portal.firmName} is not waiting for these details any more. If something has changed, please contact them directly.`,
        values,
      };
    }
    return { ok: true };
  } catch (error) {
    if (isAppError(error) && error.code === 'unavailable') {
      return {
        ok: false,
        status: 503,
        fieldErrors: {},
        formError:
          'We could not send your details just now. Nothing was lost: please press “Send my details” again in a minute.',
        values,
      };
    }
    throw error;
  }
}
