import { randomUUID } from 'node:crypto';
import { forSystem } from '../../../db/tenancy/tenant-context';
import { orm } from '../services.server';
import { z } from 'zod';
import { Client } from '../../../db/clients/client.entity';
import { Engagement } from '../../../db/engagements/engagement.entity';
import { Organization } from '../../../db/organizations/organization.entity';
import type { EntityManager } from '../../../db/types';
import { isAppError } from '../../../lib/errors';
import {
  onboardingWorkflowId,
  ZClientOnboardingInput,
  ZReminderSchedule,
} from '../../../workflows/onboarding/client-onboarding.contracts';
import type { TStaff } from '../auth/guards.server';
import { fieldErrorsOf, formValues, type TFieldErrors } from '../forms/validation.server';
import { startClientOnboarding } from '../onboarding/onboarding-workflow.server';

export const newClientFields = ['clientId', 'kind', 'displayName', 'contactName', 'contactEmail'] as const;

export const ZNewClientForm = z.object({
  clientId: z.uuid('This form has expired. Reload the page and try again.'),
  kind: z.enum(['individual', 'business'], {
    error: 'Choose whether the client is an individual or a business',
  }),
  displayName: z
    .string()
    .trim()
    .min(2, 'Enter the client’s name (at least 2 characters)')
    .max(200, 'Use at most 200 characters'),
  contactName: z
    .string()
    .trim()
    .min(2, 'Enter the name of the person we will invite (at least 2 characters)')
    .max(200, 'Use at most 200 characters'),
  contactEmail: z
    .string()
    .trim()
    .toLowerCase()
    .pipe(
      z.email('Enter an email address, for example jane@example.com').max(320, 'Use at most 320 characters'),
    ),
});

export type TNewClientOutcome =
  | { ok: true; redirectTo: string }
  | {
      ok: false;
      status: 400 | 409 | 503;
      fieldErrors: TFieldErrors;
      formError: string | null;
      values: Record<string, string>;
    };

/** A fresh client ID for the form, so submitting it twice resolves to the same workflow. */
export function newClientId(): string {
  return randomUUID();
}

function engagementPath(engagementId: string, clientId: string): string {
  return `/app/engagements/${engagementId}?${new URLSearchParams({ client: clientId }).toString()}`;
}

/**
 * Validates the new-client form and starts "Client onboarding" for it. Nothing is written here:
 * the workflow's first activity creates the client, so a failed start leaves no half-made client.
 */
export async function submitNewClient(
  em: EntityManager,
  staff: TStaff,
  form: FormData,
): Promise<TNewClientOutcome> {
  const values = formValues(form, newClientFields);
  const failure = (status: 400 | 409 | 503, fieldErrors: TFieldErrors, formError: string | null = null) => ({
    ok: false as const,
    status,
    fieldErrors,
    formError,
    // A client ID that cannot be used is replaced, so the next submission can succeed.
    values: fieldErrors.clientId ? { ...values, clientId: newClientId() } : values,
  });

  const parsed = ZNewClientForm.safeParse(values);
  if (!parsed.success) return failure(400, fieldErrorsOf(parsed.error));
  const { clientId, kind, displayName, contactName, contactEmail } = parsed.data;

  // A repeated submission after the workflow has written its read model: show that engagement.
  // Workflow IDs are global across firms, so these two checks look beyond this firm on purpose.
  const everyFirm = forSystem(await orm(), 'new client: is this client ID taken, in any firm');
  const existing = await everyFirm.findOne(Engagement, { workflowId: onboardingWorkflowId(clientId) });
  if (existing) {
    if (existing.organization.id === staff.organizationId)
      return { ok: true, redirectTo: engagementPath(existing.id, clientId) };
    return failure(400, { clientId: 'This form has expired. Reload the page and try again.' });
  }
  const clash = await everyFirm.findOne(Client, { id: clientId });
  if (clash && clash.organization.id !== staff.organizationId) {
    return failure(400, { clientId: 'This form has expired. Reload the page and try again.' });
  }

  const organization = await em.findOneOrFail(Organization, { id: staff.organizationId });
  const input = ZClientOnboardingInput.parse({
    organizationId: staff.organizationId,
    clientId,
    engagementId: randomUUID(),
    client: { kind, displayName },
    contact: { id: randomUUID(), name: contactName, email: contactEmail },
    startedByUserId: staff.userId,
    reminders: ZReminderSchedule.parse(organization.settings.onboardingReminders),
  });

  try {
    const started = await startClientOnboarding(input);
    if (!started.engagementId) {
      return failure(
        409,
        {},
        'Onboarding for this client has already started. Find it in the list of engagements.',
      );
    }
    return { ok: true, redirectTo: engagementPath(started.engagementId, clientId) };
  } catch (error) {
    if (isAppError(error) && error.code === 'unavailable') {
      console.warn(`start client onboarding: ${error.message}`);
      return failure(
        503,
        {},
        'We could not start onboarding because the workflow service is not reachable right now. Your entries are kept below: please try again in a minute.',
      );
    }
    throw error;
  }
}
