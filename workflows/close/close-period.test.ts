import { describe, expect, it } from 'vitest';
import {
  isClosePeriod,
  isInPeriod,
  periodBounds,
  periodLabel,
  previousPeriod,
  shiftPeriod,
} from './close-period';

describe('close periods', () => {
  it('closes the month before the one a schedule fires in, across the new year', () => {
    expect(previousPeriod(new Date('2027-04-05T10:00:00Z'))).toBe('2027-03');
    expect(previousPeriod(new Date('2027-01-02T11:00:00Z'))).toBe('2026-12');
  });

  it('knows the first and last day of a month, leap years included', () => {
    expect(periodBounds('2028-02')).toEqual({ startDate: '2028-02-01', endDate: '2028-02-29' });
    expect(periodBounds('2027-02')).toEqual({ startDate: '2027-02-01', endDate: '2027-02-28' });
    expect(periodBounds('2027-12')).toEqual({ startDate: '2027-12-01', endDate: '2027-12-31' });
  });

  it('names, shifts and checks periods, and refuses anything that is not yyyy-mm', () => {
    expect(periodLabel('2027-03')).toBe('March 2027');
    expect(shiftPeriod('2027-01', -1)).toBe('2026-12');
    expect(shiftPeriod('2027-11', 3)).toBe('2028-02');
    expect(isInPeriod('2027-03-31', '2027-03')).toBe(true);
    expect(isInPeriod('2027-04-01', '2027-03')).toBe(false);
    expect(isClosePeriod('2027-13')).toBe(false);
    expect(() => periodBounds('March 2027')).toThrow(/yyyy-mm/);
  });
});
