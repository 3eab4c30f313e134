import { RealmLimiter, quickbooksRealmLimits } from './realm-limiter';

/**
 * One limiter per API base URL in this process: every client of the same QuickBooks (the web app's
 * and each activity's) shares the realm budgets, as Intuit counts them per app and company.
 */
const limiters = new Map<string, RealmLimiter>();

export function realmLimiterFor(baseUrl: string): RealmLimiter {
  let limiter = limiters.get(baseUrl);
  if (!limiter) {
    limiter = new RealmLimiter(quickbooksRealmLimits);
    limiters.set(baseUrl, limiter);
  }
  return limiter;
}
