/**
 * Process-wide connections of the web app, created lazily once and kept on globalThis so Vite's
 * module reloading in development never opens a second pool. Request code forks the ORM's
 * EntityManager per request, scoped to one firm (`forTenant(await orm(), organizationId)`, see
 * db/tenancy), never shares one.
 */
import { Client, Connection } from '@temporalio/client';
import { Redis } from 'ioredis';
import { entities } from '../../db/entities';
import { createOrm, type Orm } from '../../db/orm';
import { createBlobStorage, type BlobStorage } from '../../integrations/storage/blob-storage';
import { createLedger } from '../../integrations/ledger/create-ledger';
import type { Ledger } from '../../integrations/ledger/ledger';
import { ledgerConfigFromEnv } from '../../integrations/ledger/ledger-env';
import { createSmtpMailer, type Mailer } from '../../integrations/email/mailer';
import { createPayments } from '../../integrations/payments/payments-config';
import type { Payments } from '../../integrations/payments/payments';
import { createDataConverter } from '../../lib/temporal/data-converter';
import { createPayloadCodec, type EncryptionPayloadCodec } from '../../lib/temporal/payload-codec';
import { payloadKeysFromEnv } from '../../lib/temporal/payload-keys';
import { webEnv } from './env.server';
import { createStripeEventProcessor, type StripeEventProcessor } from './payments/stripe-events.server';

interface Services {
  orm?: Promise<Orm>;
  /** The entity definitions `orm` was built with (see orm()). */
  ormEntities?: readonly unknown[];
  redis?: Redis;
  temporal?: Promise<Client>;
  /** Encrypts Temporal payloads for the client and the Temporal UI's codec endpoint. */
  payloadCodec?: EncryptionPayloadCodec;
  blobStorage?: BlobStorage;
  /** null: QuickBooks is not configured for this installation. */
  ledger?: Ledger | null;
  mailer?: Mailer;
  /** Subscriber connections currently open (one per live page), closed on shutdown. */
  subscribers: Set<Redis>;
  payments?: Payments;
  stripeEvents?: StripeEventProcessor;
}

const servicesKey = Symbol.for('cpa.web.services');
type ServicesHolder = { [servicesKey]?: Services };

function services(): Services {
  const holder = globalThis as ServicesHolder;
  holder[servicesKey] ??= { subscribers: new Set() };
  return holder[servicesKey];
}

/** Keeps a promise of a connection; forgets it when it fails so the next call tries again. */
function retryable<T>(
  get: () => Promise<T> | undefined,
  set: (value: Promise<T> | undefined) => void,
  open: () => Promise<T>,
): Promise<T> {
  const existing = get();
  if (existing) return existing;
  const created = open();
  set(created);
  created.catch(() => {
    if (get() === created) set(undefined);
  });
  return created;
}

export function orm(): Promise<Orm> {
  const s = services();
  if (s.orm && s.ormEntities !== entities) {
    // In development Vite re-evaluates changed modules: entity definitions are new objects the old
    // ORM does not know, so it is replaced. In production the modules load once and this never runs.
    const stale = s.orm;
    s.orm = undefined;
    void stale.then((old) => old.close(true)).catch(() => undefined);
  }
  s.ormEntities = entities;
  return retryable(
    () => s.orm,
    (value) => {
      s.orm = value;
    },
    () => createOrm({ databaseUrl: webEnv().DATABASE_URL }),
  );
}

/** The Temporal payload codec of this process (TEMPORAL_PAYLOAD_KEYS, TEMPORAL_PAYLOAD_ACTIVE_KEY). */
export function payloadCodec(): EncryptionPayloadCodec {
  const s = services();
  if (!s.payloadCodec) {
    const { TEMPORAL_PAYLOAD_KEYS, TEMPORAL_PAYLOAD_ACTIVE_KEY } = webEnv();
    s.payloadCodec = createPayloadCodec(
      payloadKeysFromEnv({ TEMPORAL_PAYLOAD_KEYS, TEMPORAL_PAYLOAD_ACTIVE_KEY }, 'web'),
    );
  }
  return s.payloadCodec;
}

/** Temporal client. Connects on first use and reconnects on the next call after a failed connect. */
export function temporal(): Promise<Client> {
  const s = services();
  return retryable(
    () => s.temporal,
    (value) => {
      s.temporal = value;
    },
    async () => {
      const env = webEnv();
      const connection = await Connection.connect({
        address: env.TEMPORAL_ADDRESS,
        connectTimeout: '5 seconds',
      });
      return new Client({
        connection,
        namespace: env.TEMPORAL_NAMESPACE,
        dataConverter: createDataConverter(payloadCodec()),
      });
    },
  );
}

function newRedis(name: string): Redis {
  const redis = new Redis(webEnv().REDIS_URL, { maxRetriesPerRequest: 2, connectionName: `cpa-web-${name}` });
  let lastError = '';
  redis.on('error', (error: Error) => {
    if (error.message === lastError) return;
    lastError = error.message;
    console.warn(`redis (${name}): ${error.message}`);
  });
  redis.on('ready', () => (lastError = ''));
  return redis;
}

/** The shared Redis connection for commands and publishing. */
export function redis(): Redis {
  const s = services();
  s.redis ??= newRedis('commands');
  return s.redis;
}

/**
 * A new Redis connection for SUBSCRIBE (a subscribed connection can run nothing else).
 * Call `release` when done: it closes the connection at once, whether or not it ever became ready.
 */
export function openRedisSubscriber(): { subscriber: Redis; release: () => void } {
  const { subscribers } = services();
  const subscriber = newRedis('subscriber');
  subscribers.add(subscriber);
  return {
    subscriber,
    release() {
      if (!subscribers.delete(subscriber)) return;
      // Closing the socket ends the subscription; no UNSUBSCRIBE/QUIT that could wait on a slow connection.
      subscriber.disconnect();
    },
  };
}

export function blobStorage(): BlobStorage {
  const s = services();
  const env = webEnv();
  s.blobStorage ??= createBlobStorage({
    connectionString: env.AZURE_STORAGE_CONNECTION_STRING,
    containerName: env.BLOB_CONTAINER,
    publicEndpoint: env.BLOB_PUBLIC_ENDPOINT,
  });
  return s.blobStorage;
}

/** The SMTP mailer for email the web app sends itself (password resets, invitations, security notices). */
export function mailer(): Mailer {
  const s = services();
  const env = webEnv();
  s.mailer ??= createSmtpMailer({ smtpUrl: env.SMTP_URL, from: env.MAIL_FROM });
  return s.mailer;
}

/**
 * The QuickBooks ledger (the local sandbox in development and tests), or null when this installation
 * has none configured (production without LEDGER_PROVIDER).
 */
export function ledger(): Ledger | null {
  const s = services();
  if (s.ledger === undefined) {
    const env = webEnv();
    const config = ledgerConfigFromEnv(env, env.PUBLIC_URL);
    s.ledger = config ? createLedger(config) : null;
  }
  return s.ledger;
}

/** The payments adapter (Stripe, or the local one) the configuration asks for. */
export function payments(): Payments {
  const s = services();
  const env = webEnv();
  s.payments ??= createPayments(env, { publicUrl: env.PUBLIC_URL });
  return s.payments;
}

/** Processes stored Stripe webhook events in the background (see payments/stripe-events.server.ts). */
export function stripeEvents(): StripeEventProcessor {
  const s = services();
  s.stripeEvents ??= createStripeEventProcessor({ orm, temporal, payments });
  return s.stripeEvents;
}

/** Closes every connection that was opened. Safe to call more than once. */
export async function closeServices(): Promise<void> {
  const s = services();
  // Event processing in progress uses the connections below: let it finish first.
  const processing = s.stripeEvents;
  s.stripeEvents = undefined;
  s.payments = undefined;
  await processing?.close();
  const { orm: ormPromise, redis: commands, temporal: temporalPromise, subscribers } = s;
  s.orm = undefined;
  s.ormEntities = undefined;
  s.redis = undefined;
  s.temporal = undefined;
  s.blobStorage = undefined;
  s.payloadCodec = undefined;
  s.ledger = undefined;
  s.mailer?.close();
  s.mailer = undefined;
  for (const subscriber of subscribers) subscriber.disconnect();
  subscribers.clear();
  await Promise.allSettled([
    ormPromise?.then((o) => o.close(true)),
    temporalPromise?.then((client) => client.connection.close()),
    commands?.quit().catch(() => commands.disconnect()),
  ]);
}
