/**
 * Filing due dates of US federal returns, as calendar dates (`yyyy-mm-dd`), with the IRS rule that a
 * deadline falling on a Saturday, Sunday or legal holiday moves to the next business day. The legal
 * holidays are the federal ones plus District of Columbia Emancipation Day (April 16), which is what
 * moves the April deadline in years such as 2016, 2017, 2022 and 2023.
 *
 * Pure (no clock, no I/O): used by the web app and activities to compute a return's deadlines before
 * the workflow starts, and safe inside workflows.
 */

export const taxReturnTypes = ['1040', '1041', '1065', '1120', '1120S'] as const;
export type TTaxReturnType = (typeof taxReturnTypes)[number];

export const taxReturnTypeLabels: Record<TTaxReturnType, string> = {
  '1040': 'Form 1040 (individual)',
  '1041': 'Form 1041 (estate or trust)',
  '1065': 'Form 1065 (partnership)',
  '1120': 'Form 1120 (C corporation)',
  '1120S': 'Form 1120-S (S corporation)',
};

/** A calendar date without a time zone. Months are 1-12. */
export interface TCalendarDate {
  year: number;
  month: number;
  day: number;
}

/**
 * Statutory due dates for a calendar-year filer, before weekend/holiday roll-forward:
 * month and day of the year after the tax year, and the automatic extension's (Form 4868 / 7004).
 */
const statutoryDueDates: Record<TTaxReturnType, { original: [number, number]; extended: [number, number] }> =
  {
    '1040': { original: [4, 15], extended: [10, 15] },
    '1041': { original: [4, 15], extended: [9, 30] },
    '1065': { original: [3, 15], extended: [9, 15] },
    '1120': { original: [4, 15], extended: [10, 15] },
    '1120S': { original: [3, 15], extended: [9, 15] },
  };

export function formatCalendarDate(date: TCalendarDate): string {
  return `${String(date.year).padStart(4, '0')}-${String(date.month).padStart(2, '0')}-${String(date.day).padStart(2, '0')}`;
}

export function parseCalendarDate(value: string): TCalendarDate {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) throw new Error(`not a yyyy-mm-dd date: ${value}`);
  const date = { year: Number(match[1]), month: Number(match[2]), day: Number(match[3]) };
  const check = fromUtc(toUtc(date));
  if (check.month !== date.month || check.day !== date.day) throw new Error(`no such date: ${value}`);
  return date;
}

function toUtc(date: TCalendarDate): number {
  return Date.UTC(date.year, date.month - 1, date.day);
}

function fromUtc(ms: number): TCalendarDate {
  const d = new Date(ms);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

function addDays(date: TCalendarDate, days: number): TCalendarDate {
  return fromUtc(toUtc(date) + days * 86_400_000);
}

/** 0 = Sunday ... 6 = Saturday. */
function weekday(date: TCalendarDate): number {
  return new Date(toUtc(date)).getUTCDay();
}

/** The nth (1-based) given weekday of a month, or the last one when n is -1. */
function nthWeekday(year: number, month: number, day: number, n: number): TCalendarDate {
  if (n === -1) {
    const last = fromUtc(Date.UTC(year, month, 0));
    return addDays(last, -((weekday(last) - day + 7) % 7));
  }
  const first = { year, month, day: 1 };
  return addDays(first, ((day - weekday(first) + 7) % 7) + (n - 1) * 7);
}

/** A fixed-date holiday on a weekend is observed on the Friday before or the Monday after. */
function observed(date: TCalendarDate): TCalendarDate {
  const w = weekday(date);
  if (w === 6) return addDays(date, -1);
  if (w === 0) return addDays(date, 1);
  return date;
}

/** The legal holidays (as observed) that can move a filing deadline, for one calendar year. */
export function legalHolidays(year: number): { date: string; name: string }[] {
  const fixed = (month: number, day: number, name: string) => ({
    date: formatCalendarDate(observed({ year, month, day })),
    name,
  });
  const floating = (month: number, day: number, n: number, name: string) => ({
    date: formatCalendarDate(nthWeekday(year, month, day, n)),
    name,
  });
  const holidays = [
    fixed(1, 1, "New Year's Day"),
    floating(1, 1, 3, 'Martin Luther King Jr. Day'),
    floating(2, 1, 3, "Washington's Birthday"),
    fixed(4, 16, 'DC Emancipation Day'),
    floating(5, 1, -1, 'Memorial Day'),
    ...(year >= 2021 ? [fixed(6, 19, 'Juneteenth')] : []),
    fixed(7, 4, 'Independence Day'),
    floating(9, 1, 1, 'Labor Day'),
    floating(10, 1, 2, 'Columbus Day'),
    fixed(11, 11, 'Veterans Day'),
    floating(11, 4, 4, 'Thanksgiving Day'),
    fixed(12, 25, 'Christmas Day'),
  ];
  // New Year's Day of the next year is observed on December 31 when it falls on a Saturday.
  const nextNewYear = observed({ year: year + 1, month: 1, day: 1 });
  if (nextNewYear.year === year)
    holidays.push({ date: formatCalendarDate(nextNewYear), name: "New Year's Day" });
  return holidays;
}

export function isBusinessDay(date: TCalendarDate): boolean {
  const w = weekday(date);
  if (w === 0 || w === 6) return false;
  const iso = formatCalendarDate(date);
  return !legalHolidays(date.year).some((h) => h.date === iso);
}

/** The date itself when it is a business day, otherwise the next business day. */
export function rollForwardToBusinessDay(date: TCalendarDate): TCalendarDate {
  let current = date;
  while (!isBusinessDay(current)) current = addDays(current, 1);
  return current;
}

export interface TFilingDueDates {
  /** The original filing deadline (`yyyy-mm-dd`). */
  original: string;
  /** The deadline after an automatic extension (`yyyy-mm-dd`). */
  extended: string;
}

/** The original and extended due dates of a calendar-year return for `taxYear`. */
export function filingDueDates(returnType: TTaxReturnType, taxYear: number): TFilingDueDates {
  if (!Number.isInteger(taxYear) || taxYear < 2000 || taxYear > 2100)
    throw new Error(`tax year out of range: ${taxYear}`);
  const { original, extended } = statutoryDueDates[returnType];
  const at = ([month, day]: [number, number]) =>
    formatCalendarDate(rollForwardToBusinessDay({ year: taxYear + 1, month, day }));
  return { original: at(original), extended: at(extended) };
}

/**
 * The instant a due date ends in a time zone: 23:59:59 local time on that date (a deadline is met
 * by anything filed that day). Uses the platform's time zone database (Intl).
 */
export function endOfDayInTimeZone(date: string, timeZone: string): Date {
  const { year, month, day } = parseCalendarDate(date);
  const wallClock = Date.UTC(year, month - 1, day, 23, 59, 59);
  // The zone's offset at that wall-clock time; applied twice to settle across DST changes.
  let instant = wallClock - offsetMs(wallClock, timeZone);
  instant = wallClock - offsetMs(instant, timeZone);
  return new Date(instant);
}

/** The time zone's offset from UTC at an instant, in milliseconds (positive east of UTC). */
function offsetMs(instant: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(instant));
  const get = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value);
  const asUtc = Date.UTC(
    get('year'),
    get('month') - 1,
    get('day'),
    get('hour'),
    get('minute'),
    get('second'),
  );
  return asUtc - Math.floor(instant / 1000) * 1000;
}
