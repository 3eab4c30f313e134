import { describe, expect, it } from 'vitest';
import { compare, exitCodeFor, formatTable, formatValue } from './report';

const comparison = {
  group: 'lists' as const,
  name: 'clients, first page',
  unit: 'ms' as const,
  baselineLabel: 'small',
  measuredLabel: 'large',
  target: { maxRatio: 3, why: 'index range' },
};

describe('benchmark report', () => {
  it('compares medians and checks the ratio against the target', () => {
    const result = compare({
      ...comparison,
      baselineSamples: [1, 2, 3, 2, 2],
      measuredSamples: [4, 5, 7, 5, 6],
    });
    expect(result.baseline.median).toBe(2);
    expect(result.measured.median).toBe(5);
    expect(result.ratio).toBe(2.5);
    expect(result.passed).toBe(true);
    const missed = compare({ ...comparison, baselineSamples: [1], measuredSamples: [3.5] });
    expect(missed.passed).toBe(false);
  });

  it('applies the noise floor to both sides of the ratio', () => {
    const result = compare({
      ...comparison,
      unit: 'MiB',
      baselineSamples: [0.2],
      measuredSamples: [1.5],
      noiseFloor: 2,
    });
    expect(result.ratio).toBe(1);
    expect(result.noiseFloor).toBe(2);
  });

  it('prints one aligned row per benchmark with its verdict and the counts', () => {
    const table = formatTable([
      compare({ ...comparison, baselineSamples: [2], measuredSamples: [3] }),
      compare({ ...comparison, name: 'dashboard', baselineSamples: [2], measuredSamples: [9] }),
    ]);
    const lines = table.split('\n');
    expect(lines[0]).toMatch(
      /^benchmark\s+baseline median\s+measured median\s+measured p95\s+ratio\s+target\s+result$/,
    );
    expect(lines[2]).toMatch(
      /^lists · clients, first page\s+2\.00 ms\s+3\.00 ms\s+3\.00 ms\s+1\.50×\s+≤ 3\.00×\s+pass$/,
    );
    expect(lines[3]).toMatch(/4\.50×\s+≤ 3\.00×\s+FAIL$/);
    expect(
      new Set(
        lines
          .slice(0, 4)
          .map((line) => line.indexOf('×'))
          .filter((i) => i > 0),
      ).size,
    ).toBe(1);
    expect(lines.at(-1)).toBe('1 passed, 1 missed their target');
  });

  it('fails the run on a missed target unless misses are only reported', () => {
    const met = compare({ ...comparison, baselineSamples: [2], measuredSamples: [3] });
    const missed = compare({ ...comparison, baselineSamples: [2], measuredSamples: [9] });
    expect(exitCodeFor([met], true)).toBe(0);
    expect(exitCodeFor([met, missed], true)).toBe(1);
    expect(exitCodeFor([met, missed], false)).toBe(0);
  });

  it('formats values with three significant digits at most', () => {
    expect(formatValue(0.41234, 'ms')).toBe('0.412 ms');
    expect(formatValue(12.345, 'ms')).toBe('12.3 ms');
    expect(formatValue(148.2, 'µs')).toBe('148 µs');
  });
});
