/**
 * Accounting periods of the monthly close (`yyyy-mm`). Pure: safe inside workflows.
 */

const periodPattern = /^(\d{4})-(0[1-9]|1[0-2])$/;

export function isClosePeriod(value: string): boolean {
  return periodPattern.test(value);
}

function parse(period: string): { year: number; month: number } {
  const match = periodPattern.exec(period);
  if (!match) throw new Error(`not a yyyy-mm period: ${period}`);
  return { year: Number(match[1]), month: Number(match[2]) };
}

function format(year: number, month: number): string {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}`;
}

/**
 * The month before the one `at` falls in, in UTC. Schedules fire between the 2nd and the 28th of a
 * month at 06:00 in the firm's zone, so the UTC month is the firm's month for every zone within
 * ±18 hours of UTC.
 */
export function previousPeriod(at: Date): string {
  const year = at.getUTCFullYear();
  const month = at.getUTCMonth() + 1;
  return month === 1 ? format(year - 1, 12) : format(year, month - 1);
}

/** First and last day of a period, `yyyy-mm-dd`. */
export function periodBounds(period: string): { startDate: string; endDate: string } {
  const { year, month } = parse(period);
  const lastDay = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return {
    startDate: `${format(year, month)}-01`,
    endDate: `${format(year, month)}-${String(lastDay).padStart(2, '0')}`,
  };
}

/** Whether a `yyyy-mm-dd` transaction date is in the period. */
export function isInPeriod(date: string, period: string): boolean {
  return date.slice(0, 7) === period;
}

const monthNames = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
] as const;

/** "March 2027". */
export function periodLabel(period: string): string {
  const { year, month } = parse(period);
  return `${monthNames[month - 1]} ${year}`;
}

/** The period `months` after (or before, when negative) the given one. */
export function shiftPeriod(period: string, months: number): string {
  const { year, month } = parse(period);
  const index = year * 12 + (month - 1) + months;
  return format(Math.floor(index / 12), (index % 12) + 1);
}
