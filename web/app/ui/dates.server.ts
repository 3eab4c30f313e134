/**
 * Dates are formatted on the server in the firm's time zone and sent as text, so the page reads
 * the same for everyone at the firm and hydration never disagrees with the server's HTML.
 */
export interface TDateFormat {
  /** "Nov 26, 2026, 9:05 AM" */
  dateTime(value: Date): string;
  /** "Nov 26, 2026" */
  date(value: Date): string;
  /** "in 3 days", "5 minutes ago" */
  relative(value: Date, now?: Date): string;
}

const units: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 86_400_000],
  ['month', 30 * 86_400_000],
  ['week', 7 * 86_400_000],
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
];

export function dateFormat(timeZone: string): TDateFormat {
  const dateTime = new Intl.DateTimeFormat('en-US', { timeZone, dateStyle: 'medium', timeStyle: 'short' });
  const date = new Intl.DateTimeFormat('en-US', { timeZone, dateStyle: 'medium' });
  const relative = new Intl.RelativeTimeFormat('en-US', { numeric: 'auto' });
  return {
    dateTime: (value) => dateTime.format(value),
    date: (value) => date.format(value),
    relative(value, now = new Date()) {
      const diff = value.getTime() - now.getTime();
      for (const [unit, ms] of units) {
        if (Math.abs(diff) >= ms) return relative.format(Math.round(diff / ms), unit);
      }
      return Math.abs(diff) < 45_000 ? 'just now' : relative.format(Math.round(diff / 60_000), 'minute');
    },
  };
}
