/** Formatting of dates, amounts and names in emails (en-US; the firm's time zone). */

/** The time zone used when a template names none. */
export const defaultEmailTimeZone = 'UTC';

function zoneOf(timeZone: string | undefined): string {
  const zone = timeZone ?? defaultEmailTimeZone;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return zone;
  } catch {
    throw new RangeError(`email timeZone must be an IANA time zone, got ${JSON.stringify(zone)}`);
  }
}

function checkedDate(value: Date, field: string): Date {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    throw new TypeError(`email ${field} must be a valid Date`);
  }
  return value;
}

/** "Monday, December 7, 2026" */
export function formatDay(value: Date, timeZone: string | undefined, field: string): string {
  return new Intl.DateTimeFormat('en-US', {
    timeZone: zoneOf(timeZone),
    weekday: 'long',
    month: 'long',
    day: 'numeric',
    year: 'numeric',
  }).format(checkedDate(value, field));
}

/** "December 7, 2026 at 3:05 PM EST" */
export function formatMoment(value: Date, timeZone: string | undefined, field: string): string {
  const zone = zoneOf(timeZone);
  const moment = checkedDate(value, field);
  const text = new Intl.DateTimeFormat('en-US', { timeZone: zone, dateStyle: 'long', timeStyle: 'short' });
  return `${text.format(moment)} ${zoneName(moment, zone)}`;
}

function zoneName(value: Date, timeZone: string): string {
  return (
    new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'short' })
      .formatToParts(value)
      .find((part) => part.type === 'timeZoneName')?.value ?? timeZone
  );
}

/**
 * An amount in the currency's minor units ("cents"), e.g. 125000 USD → "$1,250.00"; 5000 JPY → "¥5,000"
 * (a currency without minor units counts whole units).
 */
export function formatMoney(amountMinor: number, currency: string): string {
  if (!Number.isSafeInteger(amountMinor)) {
    throw new TypeError('email amountCents must be a whole number of minor units');
  }
  let format: Intl.NumberFormat;
  try {
    format = new Intl.NumberFormat('en-US', { style: 'currency', currency: currency.toUpperCase() });
  } catch {
    throw new RangeError(`email currency must be an ISO 4217 code, got ${JSON.stringify(currency)}`);
  }
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
  return format.format(amountMinor / 10 ** digits);
}

/** The first word of a person's name, for greetings ("Ava Martinez" → "Ava"). */
export function firstName(name: string): string {
  const trimmed = name.trim();
  return trimmed.split(/\s+/)[0] || trimmed;
}
