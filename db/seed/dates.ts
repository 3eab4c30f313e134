/** Date helpers for seed data. Everything is UTC; `now` is passed in so seeds are reproducible. */

export const dayMs = 86_400_000;

export function addDays(date: Date, days: number): Date {
  return new Date(date.getTime() + days * dayMs);
}

/** A UTC instant; `month` is 1-12. */
export function utc(year: number, month: number, day: number, hour = 12): Date {
  return new Date(Date.UTC(year, month - 1, day, hour));
}

/** A moment between `from` and `to` at `fraction` (0-1) of the way. */
export function between(from: Date, to: Date, fraction: number): Date {
  return new Date(from.getTime() + Math.max(0, to.getTime() - from.getTime()) * fraction);
}

export function earliest(...dates: Date[]): Date {
  return new Date(Math.min(...dates.map((d) => d.getTime())));
}

export function latest(...dates: Date[]): Date {
  return new Date(Math.max(...dates.map((d) => d.getTime())));
}

/** `yyyy-mm` of a date. */
export function periodOf(date: Date): string {
  return `${date.getUTCFullYear()}-${String(date.getUTCMonth() + 1).padStart(2, '0')}`;
}

/** The `yyyy-mm` period `monthsBack` months before the month of `date` (1 = the previous month). */
export function periodBefore(date: Date, monthsBack: number): string {
  return periodOf(new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() - monthsBack, 1)));
}

/** The first day of the month after a `yyyy-mm` period, at noon UTC. */
export function monthAfter(period: string): Date {
  const [year = 0, month = 1] = period.split('-').map(Number);
  return utc(year, month + 1, 1);
}

/**
 * The tax year whose filing deadline is current at `now`: the previous year until the extended
 * deadline (October 15) passes, then the current year.
 */
export function currentTaxYear(now: Date): number {
  const year = now.getUTCFullYear();
  return now.getTime() < utc(year, 10, 15).getTime() ? year - 1 : year;
}
