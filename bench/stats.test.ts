import { describe, expect, it } from 'vitest';
import { checkTarget, median, percentile, ratio, summarize } from './stats';

describe('benchmark statistics', () => {
  it('takes the middle sample as the median, or the mean of the two middle ones', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
  });

  it('computes p95 by nearest rank, so 20 samples give the 19th smallest', () => {
    const samples = Array.from({ length: 20 }, (_, i) => 20 - i);
    expect(percentile(samples, 95)).toBe(19);
    expect(percentile(samples, 100)).toBe(20);
    expect(percentile([3, 1, 2], 95)).toBe(3);
  });

  it('summarizes samples without reordering the caller’s array', () => {
    const samples = [9, 2, 4, 1, 7];
    expect(summarize(samples)).toEqual({ n: 5, median: 4, p95: 9, min: 1, max: 9 });
    expect(samples).toEqual([9, 2, 4, 1, 7]);
  });

  it('refuses empty or non-finite samples and percentiles out of range', () => {
    expect(() => median([])).toThrow('no samples');
    expect(() => summarize([1, Number.NaN])).toThrow('finite');
    expect(() => percentile([1], 0)).toThrow('percentile');
    expect(() => percentile([1], 101)).toThrow('percentile');
  });

  it('divides the measured value by the baseline, raising both to a noise floor when one is given', () => {
    expect(ratio(30, 10)).toBe(3);
    expect(ratio(1.5, 0.5, 2)).toBe(1);
    expect(ratio(8, 0.5, 2)).toBe(4);
    expect(() => ratio(1, 0)).toThrow('baseline');
  });

  it('passes a ratio at or under the target and fails one above it or not finite', () => {
    const target = { maxRatio: 3, why: 'test' };
    expect(checkTarget(3, target)).toEqual({ passed: true, used: 1 });
    expect(checkTarget(1.5, target)).toEqual({ passed: true, used: 0.5 });
    expect(checkTarget(3.01, target).passed).toBe(false);
    expect(checkTarget(Number.POSITIVE_INFINITY, target).passed).toBe(false);
    expect(() => checkTarget(1, { maxRatio: 0, why: 'none' })).toThrow('maxRatio');
  });
});
