/**
 * Connecting a client's QuickBooks company (OAuth 2 authorization code flow).
 *
 * The `state` sent to Intuit is 32 random bytes. Only its SHA-256 is stored, in Redis, for ten
 * minutes, with whom it was issued to (the staff member's session, or the portal contact) and for
 * which client. The callback takes it out once (GETDEL), so it works one time, and only for the
 * same signed-in session that started the connection.
 */
import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { AppError } from '../../../lib/errors';
import type { Ledger } from '../../../integrations/ledger/ledger';
import { ledger, redis } from '../services.server';

export const connectStateTtlSeconds = 600;

const ZStoredState = z.object({
  organizationId: z.uuid(),
  clientId: z.uuid(),
  initiator: z.discriminatedUnion('type', [
    z.object({ type: z.literal('user'), userId: z.uuid(), sessionId: z.string().min(1) }),
    z.object({ type: z.literal('contact'), contactId: z.uuid() }),
  ]),
  /** Where the callback sends the person back to (a path of this app). */
  returnTo: z.string().startsWith('/'),
  createdAt: z.number(),
});
export type TConnectState = z.infer<typeof ZStoredState>;

const stateKey = (state: string) =>
  `cpa:oauth-state:quickbooks:${createHash('sha256').update(state, 'utf8').digest('hex')}`;

/** The configured ledger, or a clear 503 when this installation has QuickBooks switched off. */
export function requireLedger(): Ledger {
  const configured = ledger();
  if (!configured) {
    throw new AppError(
      'unavailable',
      'QuickBooks is not set up for this installation. An administrator sets LEDGER_PROVIDER and the Intuit app credentials.',
    );
  }
  return configured;
}

/** Stores a new state for this person and client and returns the Intuit authorization URL. */
export async function beginQuickbooksConnect(input: Omit<TConnectState, 'createdAt'>): Promise<string> {
  const configured = requireLedger();
  const state = randomBytes(32).toString('base64url');
  const stored: TConnectState = { ...input, createdAt: Date.now() };
  await redis().set(stateKey(state), JSON.stringify(stored), 'EX', connectStateTtlSeconds);
  return configured.authorizationUrl(state);
}

/** The state's record, removed so it cannot be used again; null when unknown, used or expired. */
export async function takeQuickbooksConnectState(state: string): Promise<TConnectState | null> {
  if (!/^[A-Za-z0-9_-]{20,100}$/.test(state)) return null;
  const raw = await redis().getdel(stateKey(state));
  if (!raw) return null;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return null;
  }
  const parsed = ZStoredState.safeParse(json);
  if (!parsed.success) return null;
  if (Date.now() - parsed.data.createdAt > connectStateTtlSeconds * 1000) return null;
  return parsed.data;
}

/** What the callback tells the page it returns to (`?quickbooks=<outcome>`). */
export const connectOutcomes = {
  connected: { tone: 'success', text: 'QuickBooks is connected.' },
  disconnected: { tone: 'success', text: 'QuickBooks was disconnected.' },
  disconnected_locally: {
    tone: 'warning',
    text: 'QuickBooks was disconnected here, but QuickBooks could not be told right now. To be sure, also remove the app under Apps → My apps in QuickBooks.',
  },
  cancelled: {
    tone: 'warning',
    text: 'Connecting QuickBooks was cancelled in QuickBooks. Nothing was changed.',
  },
  expired: {
    tone: 'warning',
    text: 'That QuickBooks sign-in had expired or was already used (it is valid for 10 minutes, once). Please connect again.',
  },
  wrong_session: {
    tone: 'warning',
    text: 'That QuickBooks sign-in was started by someone else or in another session, so it was not used. Please connect again from here.',
  },
  refused: {
    tone: 'warning',
    text: 'QuickBooks did not accept the sign-in. Please connect again; if it keeps happening, check the Intuit app settings.',
  },
  company_taken: {
    tone: 'warning',
    text: 'That QuickBooks company is already connected to another client. Disconnect it there first.',
  },
  client_connected: {
    tone: 'warning',
    text: 'This client is already connected to another QuickBooks company. Disconnect it first to connect a different one.',
  },
  unavailable: {
    tone: 'warning',
    text: 'QuickBooks could not be reached to finish connecting. Nothing was changed; please try again in a few minutes.',
  },
} as const;
export type TConnectOutcome = keyof typeof connectOutcomes;

export function connectOutcomeMessage(
  value: string | null,
): (typeof connectOutcomes)[TConnectOutcome] | null {
  return value && Object.hasOwn(connectOutcomes, value) ? connectOutcomes[value as TConnectOutcome] : null;
}

/** A path with `?quickbooks=<outcome>` set (other query parameters kept). */
export function withOutcome(path: string, outcome: TConnectOutcome): string {
  const url = new URL(path, 'http://local');
  url.searchParams.set('quickbooks', outcome);
  return `${url.pathname}${url.search}`;
}
