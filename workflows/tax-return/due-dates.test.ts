import { describe, expect, it } from 'vitest';
import {
  endOfDayInTimeZone,
  filingDueDates,
  isBusinessDay,
  legalHolidays,
  parseCalendarDate,
  rollForwardToBusinessDay,
} from './due-dates';

describe('filing due dates', () => {
  it('puts an individual return on April 15 and its extension on October 15 in an ordinary year', () => {
    expect(filingDueDates('1040', 2026)).toEqual({ original: '2027-04-15', extended: '2027-10-15' });
    expect(filingDueDates('1040', 2024)).toEqual({ original: '2025-04-15', extended: '2025-10-15' });
  });

  it('moves the April deadline past a weekend and the observed DC Emancipation Day', () => {
    // 2022: April 16 is a Saturday, observed Friday April 15, so the deadline is Monday April 18.
    expect(filingDueDates('1040', 2021).original).toBe('2022-04-18');
    // 2023: April 15 is a Saturday and Emancipation Day is observed Monday April 17.
    expect(filingDueDates('1040', 2022).original).toBe('2023-04-18');
    // 2017: April 15 is a Saturday, April 16 a Sunday observed on Monday April 17.
    expect(filingDueDates('1040', 2016).original).toBe('2017-04-18');
  });

  it('gives partnerships and S corporations March 15 and September 15, rolled past weekends', () => {
    expect(filingDueDates('1065', 2026)).toEqual({ original: '2027-03-15', extended: '2027-09-15' });
    // March 15, 2025 is a Saturday; September 15, 2029 is a Saturday.
    expect(filingDueDates('1120S', 2024).original).toBe('2025-03-17');
    expect(filingDueDates('1065', 2028).extended).toBe('2029-09-17');
  });

  it('rolls an October 15 that falls on a Sunday to Monday, and past Columbus Day when it is that Monday', () => {
    // October 15, 2023 is a Sunday; Columbus Day 2023 is October 9.
    expect(filingDueDates('1040', 2022).extended).toBe('2023-10-16');
    // October 15, 2028 is a Sunday and Columbus Day 2028 is Monday October 9: the 16th is a business day.
    expect(filingDueDates('1120', 2027).extended).toBe('2028-10-16');
  });

  it('gives estates and trusts September 30 when extended', () => {
    expect(filingDueDates('1041', 2026)).toEqual({ original: '2027-04-15', extended: '2027-09-30' });
  });

  it('refuses a tax year outside the supported range', () => {
    expect(() => filingDueDates('1040', 1999)).toThrow(/out of range/);
    expect(() => filingDueDates('1040', 2026.5)).toThrow(/out of range/);
  });
});

describe('business days', () => {
  it('knows observed federal holidays, including New Year observed on December 31', () => {
    const names = (year: number) => legalHolidays(year).map((h) => `${h.date} ${h.name}`);
    expect(names(2026)).toContain('2026-07-03 Independence Day');
    expect(names(2026)).toContain('2026-11-26 Thanksgiving Day');
    expect(names(2026)).toContain('2026-05-25 Memorial Day');
    expect(names(2027)).toContain("2027-12-31 New Year's Day");
    expect(names(2020)).not.toContain('2020-06-19 Juneteenth');
  });

  it('treats weekends and holidays as non-business days and rolls forward to the next one', () => {
    expect(isBusinessDay(parseCalendarDate('2026-12-25'))).toBe(false);
    expect(isBusinessDay(parseCalendarDate('2026-12-24'))).toBe(true);
    expect(rollForwardToBusinessDay(parseCalendarDate('2026-12-25'))).toEqual({
      year: 2026,
      month: 12,
      day: 28,
    });
  });

  it('refuses dates that do not exist', () => {
    expect(() => parseCalendarDate('2027-02-29')).toThrow(/no such date/);
    expect(() => parseCalendarDate('April 15')).toThrow(/yyyy-mm-dd/);
  });
});

describe('end of a due date in the firm time zone', () => {
  it('is 23:59:59 local time, across daylight saving time', () => {
    expect(endOfDayInTimeZone('2027-04-15', 'America/New_York').toISOString()).toBe(
      '2027-04-16T03:59:59.000Z',
    );
    expect(endOfDayInTimeZone('2027-01-15', 'America/New_York').toISOString()).toBe(
      '2027-01-16T04:59:59.000Z',
    );
    expect(endOfDayInTimeZone('2027-04-15', 'America/Los_Angeles').toISOString()).toBe(
      '2027-04-16T06:59:59.000Z',
    );
    expect(endOfDayInTimeZone('2027-04-15', 'UTC').toISOString()).toBe('2027-04-15T23:59:59.000Z');
  });
});
