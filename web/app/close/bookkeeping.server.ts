/**
 * A client's monthly bookkeeping service: start, change or stop it (the domain operation, then the
 * Temporal Schedule `close-schedule:<clientId>`), list the client's QuickBooks bank accounts to
 * reconcile, and close a month by hand.
 */
import { randomUUID } from 'node:crypto';
import type { TActor } from '../../../db/audit/actor';
import { Client } from '../../../db/clients/client.entity';
import { BookkeepingService } from '../../../db/close/bookkeeping-service.entity';
import { startBookkeepingService } from '../../../db/close/start-bookkeeping-service';
import { stopBookkeepingService } from '../../../db/close/stop-bookkeeping-service';
import { Engagement } from '../../../db/engagements/engagement.entity';
import { createConnectionTokenSource } from '../../../db/integrations/connection-token-source';
import { IntegrationConnection } from '../../../db/integrations/integration-connection.entity';
import { Organization } from '../../../db/organizations/organization.entity';
import type { EntityManager } from '../../../db/types';
import { AppError } from '../../../lib/errors';
import { closeScheduleId, periodLabel } from '../../../workflows/close/monthly-close.contracts';
import { ledger, orm, temporal } from '../services.server';
import type { TDateFormat } from '../ui/dates.server';
import { describeCloseSchedule, removeCloseSchedule, upsertCloseSchedule } from './close-schedule.server';
import { startClose } from './close-workflow.server';

/** The client's QuickBooks bank accounts, or why they cannot be read now. */
export async function bankAccountsOf(
  em: EntityManager,
  input: { organizationId: string; clientId: string },
): Promise<{ accounts: { ledgerAccountId: string; name: string }[]; problem: string | null }> {
  const connection = await em.findOne(IntegrationConnection, {
    client: input.clientId,
    provider: 'quickbooks',
    status: { $ne: 'disconnected' },
  });
  if (!connection)
    return {
      accounts: [],
      problem: 'This client has no QuickBooks connection. Connect it in Settings → Integrations first.',
    };
  if (connection.status === 'reconnect_needed')
    return {
      accounts: [],
      problem: 'QuickBooks must be connected again for this client (Settings → Integrations).',
    };
  const adapter = ledger();
  if (!adapter) return { accounts: [], problem: 'QuickBooks is not configured for this installation.' };
  try {
    const company = adapter.company(
      connection.externalId,
      createConnectionTokenSource({
        orm: await orm(),
        organizationId: input.organizationId,
        connectionId: connection.id,
        refresh: (refreshToken) => adapter.refreshTokens(refreshToken),
      }),
    );
    const accounts = await company.queryAll({ from: 'Account', where: [['AccountType', '=', 'Bank']] });
    return {
      accounts: accounts
        .filter((a) => a.Active !== false)
        .map((a) => ({ ledgerAccountId: a.Id, name: a.FullyQualifiedName ?? a.Name }))
        .sort((a, b) => a.name.localeCompare(b.name)),
      problem: null,
    };
  } catch (error) {
    console.warn(
      `reading QuickBooks bank accounts failed: ${error instanceof Error ? error.message : String(error)}`,
    );
    return { accounts: [], problem: 'QuickBooks did not answer just now. Try again in a minute.' };
  }
}

/** Ordinal day for sentences: 1st, 2nd, 3rd, 4th … 28th. */
function ordinalDay(day: number): string {
  const suffix =
    day % 10 === 1 && day !== 11
      ? 'st'
      : day % 10 === 2 && day !== 12
        ? 'nd'
        : day % 10 === 3 && day !== 13
          ? 'rd'
          : 'th';
  return `${day}${suffix}`;
}

/** One line about a client's bookkeeping service, for the client page's link to it. */
export async function bookkeepingSummary(
  em: EntityManager,
  input: { organizationId: string; clientId: string },
): Promise<{ state: 'active' | 'stopped' | 'none'; text: string }> {
  const service = await em.findOne(BookkeepingService, {
    client: input.clientId,
    organization: input.organizationId,
  });
  if (!service) return { state: 'none', text: 'No monthly bookkeeping yet.' };
  if (service.status === 'stopped') return { state: 'stopped', text: 'Monthly bookkeeping was stopped.' };
  const accounts = service.bankAccounts.length;
  return {
    state: 'active',
    text: `Monthly close on the ${ordinalDay(service.closeDayOfMonth)} of each month, ${accounts} bank ${accounts === 1 ? 'account' : 'accounts'}.`,
  };
}

export async function bookkeepingPage(
  em: EntityManager,
  input: { organizationId: string; clientId: string; format: TDateFormat },
) {
  const client = await em.findOne(Client, { id: input.clientId, organization: input.organizationId });
  if (!client) return null;
  const service = await em.findOne(BookkeepingService, { client: client.id });
  const { accounts, problem } = await bankAccountsOf(em, input);
  const schedule = await describeCloseSchedule(await temporal(), client.id).catch(() => null);
  const closes = await em.find(
    Engagement,
    { client: client.id, type: 'monthly_close' },
    { orderBy: { period: 'desc' }, limit: 12 },
  );
  return {
    client: { id: client.id, name: client.displayName, status: client.status },
    service: service
      ? {
          status: service.status,
          closeDayOfMonth: service.closeDayOfMonth,
          bankAccounts: service.bankAccounts,
          startedAt: input.format.date(service.startedAt),
        }
      : null,
    accounts,
    problem,
    schedule: schedule
      ? {
          nextRuns: schedule.nextRuns.map((t) => input.format.dateTime(new Date(t))),
          paused: schedule.paused,
        }
      : null,
    closes: closes.map((c) => ({
      id: c.id,
      period: c.period ? periodLabel(c.period) : c.title,
      stage: c.stage,
      status: c.status,
    })),
  };
}

/** Starts or changes the service and brings its schedule up to date (both safe to repeat). */
export async function saveBookkeepingService(
  em: EntityManager,
  input: {
    organizationId: string;
    clientId: string;
    closeDayOfMonth: number;
    ledgerAccountIds: string[];
    assigneeUserId: string | null;
    byUserId: string;
    actor: TActor;
  },
): Promise<void> {
  const { accounts, problem } = await bankAccountsOf(em, input);
  if (problem) throw new AppError('conflict', problem);
  const chosen = accounts.filter((a) => input.ledgerAccountIds.includes(a.ledgerAccountId));
  if (chosen.length === 0 || chosen.length !== new Set(input.ledgerAccountIds).size) {
    throw new AppError('invalid_input', 'Choose the bank accounts to reconcile from the list.');
  }
  await startBookkeepingService(em, {
    organizationId: input.organizationId,
    clientId: input.clientId,
    scheduleId: closeScheduleId(input.clientId),
    closeDayOfMonth: input.closeDayOfMonth,
    bankAccounts: chosen,
    byUserId: input.byUserId,
    at: new Date(),
    actor: input.actor,
  });
  const firm = await em.findOneOrFail(Organization, { id: input.organizationId });
  await upsertCloseSchedule(await temporal(), {
    input: {
      organizationId: input.organizationId,
      clientId: input.clientId,
      bankAccounts: chosen,
      assigneeUserId: input.assigneeUserId,
      startedByUserId: input.byUserId,
    },
    dayOfMonth: input.closeDayOfMonth,
    timeZone: firm.settings.timeZone,
  });
}

/** Stops the service and removes its schedule; closes already running carry on. */
export async function endBookkeepingService(
  em: EntityManager,
  input: { organizationId: string; clientId: string; actor: TActor },
): Promise<void> {
  await stopBookkeepingService(em, { ...input, at: new Date() });
  await removeCloseSchedule(await temporal(), input.clientId);
}

/** Closes one month by hand with the service's bank accounts; returns the new engagement's ID. */
export async function closeMonthNow(
  em: EntityManager,
  input: { organizationId: string; clientId: string; period: string; byUserId: string },
): Promise<{ engagementId: string; alreadyStarted: boolean }> {
  const service = await em.findOne(BookkeepingService, { client: input.clientId });
  if (!service || service.status !== 'active') {
    throw new AppError('conflict', 'Start the bookkeeping service first: the close needs its bank accounts.');
  }
  const engagementId = randomUUID();
  const started = await startClose({
    organizationId: input.organizationId,
    clientId: input.clientId,
    engagementId,
    period: input.period,
    bankAccounts: service.bankAccounts,
    assigneeUserId: input.byUserId,
    startedByUserId: input.byUserId,
  });
  if (started.alreadyStarted) {
    const existing = await em.findOne(Engagement, {
      client: input.clientId,
      type: 'monthly_close',
      period: input.period,
    });
    return { engagementId: existing?.id ?? engagementId, alreadyStarted: true };
  }
  return { engagementId, alreadyStarted: false };
}
