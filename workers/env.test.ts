import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { EnvError } from '../lib/env';
import { loadWorkerEnv } from './env';

const key = () => randomBytes(32).toString('base64');
const base = {
  NODE_ENV: 'test',
  DATABASE_URL: 'postgres://cpa@127.0.0.1:5432/cpa',
  REDIS_URL: 'redis://127.0.0.1:6379',
  SMTP_URL: 'smtp://127.0.0.1:2525',
  PUBLIC_URL: 'http://localhost:3000',
  WORKER_TASK_QUEUES: 'engagements',
  // The local payment adapter's secret (integrations/payments/payments-config.ts); not a real one.
  STRIPE_WEBHOOK_SECRET: randomBytes(32).toString('hex'),
};

function envError(source: Record<string, string | undefined>): EnvError {
  try {
    loadWorkerEnv(source);
  } catch (error) {
    if (error instanceof EnvError) return error;
    throw error;
  }
  throw new Error('expected an EnvError');
}

describe('the worker configuration of Temporal payload encryption', () => {
  it('refuses to start without payload keys, naming both variables', () => {
    const error = envError({ ...base, NODE_ENV: 'production', PAYMENTS_PROVIDER: 'local' });
    expect(error.message).toContain('worker: invalid configuration');
    expect(error.message).toContain('TEMPORAL_PAYLOAD_KEYS: must list the Temporal payload keys');
    expect(error.message).toContain('TEMPORAL_PAYLOAD_ACTIVE_KEY: must name the key ID');
  });

  it('refuses a payload key that is also a field-encryption key, without printing either', () => {
    const shared = key();
    const error = envError({
      ...base,
      FIELD_ENCRYPTION_KEYS: `f1:${shared}`,
      TEMPORAL_PAYLOAD_KEYS: `t1:${shared}`,
      TEMPORAL_PAYLOAD_ACTIVE_KEY: 't1',
    });
    expect(error.message).toContain(
      'TEMPORAL_PAYLOAD_KEYS: key "t1" is also a field-encryption key: Temporal payloads need keys of their own',
    );
    expect(error.message).not.toContain(shared);
  });

  it('accepts a key list with a listed active key', () => {
    const env = loadWorkerEnv({
      ...base,
      TEMPORAL_PAYLOAD_KEYS: `t2025:${key()},t2026:${key()}`,
      TEMPORAL_PAYLOAD_ACTIVE_KEY: 't2026',
    });
    expect(env.TEMPORAL_PAYLOAD_ACTIVE_KEY).toBe('t2026');
  });
});
