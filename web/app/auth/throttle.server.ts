/**
 * Throttling of sign-in, second-factor and reset attempts, per account and per IP, in Redis.
 *
 * Each scope counts failures (or, for requests such as password-reset emails, every request) in two
 * fixed windows: one per account (an email, a user ID, a contact ID) and one per client IP. A key
 * expires with its window, so Redis holds nothing longer than the window.
 *
 *   const verdict = await checkThrottle({ scope: 'staff-sign-in', account: email, ip });
 *   if (!verdict.allowed) → show throttleMessage(verdict.retryAfterSeconds), audit `auth.throttled`
 *   on failure: await recordFailure({ scope, account, ip })
 *   on success: await resetThrottle({ scope, account })   (the IP count stays: it is not the account's)
 *
 * When Redis cannot be reached, checkThrottle throws an AppError('unavailable'): sign-in without a
 * working throttle would allow unlimited guessing, so it is refused with "try again in a minute".
 */
import { createHash } from 'node:crypto';
import { AppError } from '../../../lib/errors';
import { webEnv } from '../env.server';
import { redis } from '../services.server';

export const throttleScopes = [
  'staff-sign-in',
  'mfa',
  'password-reset',
  'portal-sign-in',
  'portal-code',
] as const;
export type TThrottleScope = (typeof throttleScopes)[number];

interface TLimits {
  windowSeconds: number;
  perAccount: number;
  perIp: number;
}

/** Failures allowed per window, per account and per IP. */
export const throttleLimits: Record<TThrottleScope, TLimits> = {
  'staff-sign-in': { windowSeconds: 15 * 60, perAccount: 5, perIp: 20 },
  mfa: { windowSeconds: 15 * 60, perAccount: 5, perIp: 20 },
  // Counts every reset request, not only failures: each one sends an email.
  'password-reset': { windowSeconds: 15 * 60, perAccount: 3, perIp: 20 },
  'portal-sign-in': { windowSeconds: 15 * 60, perAccount: 5, perIp: 20 },
  'portal-code': { windowSeconds: 15 * 60, perAccount: 5, perIp: 20 },
};

export interface TThrottleKey {
  scope: TThrottleScope;
  /** Whose attempts: an email (compared case-insensitively), a user ID or a contact ID. */
  account: string;
  /** The client IP; null when unknown (then only the account is counted). */
  ip: string | null | undefined;
}

export type TThrottleVerdict =
  { allowed: true } | { allowed: false; retryAfterSeconds: number; limitedBy: 'account' | 'ip' };

function keysOf({ scope, account, ip }: TThrottleKey): { account: string; ip: string | null } {
  const prefix = `${webEnv().REDIS_KEY_PREFIX}throttle:${scope}`;
  // Hashed: Redis never holds an email address.
  const accountId = createHash('sha256').update(account.trim().toLowerCase()).digest('hex').slice(0, 32);
  return { account: `${prefix}:account:${accountId}`, ip: ip ? `${prefix}:ip:${ip}` : null };
}

function unavailable(error: unknown): AppError {
  return new AppError('unavailable', 'Signing in is briefly unavailable. Please try again in a minute.', {
    logMessage: `throttle store unavailable: ${error instanceof Error ? error.message : String(error)}`,
    reason: 'throttle_unavailable',
  });
}

/** Whether another attempt is allowed now; if not, how long until it is. */
export async function checkThrottle(key: TThrottleKey): Promise<TThrottleVerdict> {
  const limits = throttleLimits[key.scope];
  const keys = keysOf(key);
  try {
    const pipeline = redis().pipeline().get(keys.account).pttl(keys.account);
    if (keys.ip) pipeline.get(keys.ip).pttl(keys.ip);
    const results = (await pipeline.exec()) ?? [];
    const value = (index: number) => {
      const [error, result] = results[index] ?? [null, null];
      if (error) throw error;
      return result;
    };
    const retryAfter = (ttlIndex: number) => {
      const ttl = Number(value(ttlIndex));
      return Math.max(1, Math.ceil((ttl > 0 ? ttl : limits.windowSeconds * 1000) / 1000));
    };
    if (Number(value(0) ?? 0) >= limits.perAccount) {
      return { allowed: false, retryAfterSeconds: retryAfter(1), limitedBy: 'account' };
    }
    if (keys.ip && Number(value(2) ?? 0) >= limits.perIp) {
      return { allowed: false, retryAfterSeconds: retryAfter(3), limitedBy: 'ip' };
    }
    return { allowed: true };
  } catch (error) {
    throw unavailable(error);
  }
}

/**
 * Counts one failed attempt (or one request, for request-counted scopes) for the account and the IP.
 * Returns the verdict for the next attempt, so a caller can say "too many" on the attempt that hit it.
 */
export async function recordFailure(key: TThrottleKey): Promise<TThrottleVerdict> {
  const limits = throttleLimits[key.scope];
  const keys = keysOf(key);
  try {
    const pipeline = redis().pipeline();
    for (const k of [keys.account, keys.ip]) {
      if (!k) continue;
      // The window starts with the first failure and is not extended by later ones.
      pipeline.incr(k).expire(k, limits.windowSeconds, 'NX');
    }
    const results = (await pipeline.exec()) ?? [];
    for (const [error] of results) if (error) throw error;
  } catch (error) {
    throw unavailable(error);
  }
  return checkThrottle(key);
}

/** Forgets an account's failures after a success. The IP's count is left alone. */
export async function resetThrottle(key: Pick<TThrottleKey, 'scope' | 'account'>): Promise<void> {
  try {
    await redis().del(keysOf({ ...key, ip: null }).account);
  } catch (error) {
    throw unavailable(error);
  }
}

/**
 * True the first time it is called for a blocked account in a window (for an IP block: for each
 * account tried from that IP), false after: so a throttled attacker's every further attempt does not
 * each add an audit event.
 */
export async function firstRefusalInWindow(
  key: TThrottleKey,
  verdict: Extract<TThrottleVerdict, { allowed: false }>,
): Promise<boolean> {
  const keys = keysOf(key);
  const marker =
    verdict.limitedBy === 'ip' && keys.ip
      ? `${keys.ip}:audited:${keys.account.split(':').pop() ?? ''}`
      : `${keys.account}:audited`;
  try {
    const set = await redis().set(marker, '1', 'EX', verdict.retryAfterSeconds, 'NX');
    return set === 'OK';
  } catch (error) {
    throw unavailable(error);
  }
}

/** "Too many attempts. Try again in N minutes." */
export function throttleMessage(retryAfterSeconds: number): string {
  const minutes = Math.max(1, Math.ceil(retryAfterSeconds / 60));
  return `Too many attempts. Try again in ${minutes} ${minutes === 1 ? 'minute' : 'minutes'}.`;
}
